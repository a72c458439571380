import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog

/// c2sp.org/tlog-witness in process: the add-checkpoint body
/// (AddCheckpoint.swift) and the client's reading of a reply
/// (WitnessSubmission.swift), against the spec's own examples.
@Suite struct AddCheckpointTests {
    /// The example request and response bodies of c2sp.org/tlog-witness,
    /// "add-checkpoint" (Tests/Vectors/c2sp-tlog-witness-examples.json).
    static let examples: JSONObject = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/c2sp-tlog-witness-examples.json")
        return try! JSON.parse(Array(try! Data(contentsOf: url))).objectValue!
    }()
    static let specRequest = examples["add_checkpoint_request"]!.stringValue!
    static let specResponse = examples["add_checkpoint_response"]!.stringValue!

    @Test func theSpecsExampleRequestParsesAndWritesBackByteForByte() throws {
        let bytes = Array(Self.specRequest.utf8)
        let r = try AddCheckpointRequest(parsing: bytes)
        #expect(r.oldSize == 20852014)
        #expect(r.proof.map(\.base64) == ["PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=", "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=",
                                          "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=", "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0="])
        let note = try SignedNote(parsing: r.checkpoint)
        let cp = try Checkpoint(text: note.text)
        #expect(cp.origin == "example.com/behind-the-sofa" && cp.size == 20852163)
        #expect(note.signatures.count == 2)
        #expect(r.body == bytes)
    }

    @Test(arguments: [
        "old 01\n\n",                      // a leading zero
        "old -1\n\n",
        "old 5\n",                         // no blank line
        "new 5\n\n",
        "old 5\nAAAA\n\n",                 // a proof line that is not 32 bytes
        "old 5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n\n",  // not the canonical base64
        "old 5\n" + String(repeating: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", count: 64) + "\n",
    ])
    func aMalformedBodyIsAnInputError(body: String) throws {
        #expect(throws: EvidenceError.self) { _ = try AddCheckpointRequest(parsing: Array((body + "origin\n1\nroot\n\n").utf8)) }
        do { _ = try AddCheckpointRequest(parsing: Array(body.utf8)) } catch let e as EvidenceError { #expect(e.kind == .input) }
    }

    @Test func theSpecsExampleResponseIsReadAsSignatureLinesAndUnknownKeysAreIgnored() throws {
        let note = try SignedNote(parsing: Array(try AddCheckpointRequest(parsing: Array(Self.specRequest.utf8)).checkpoint))
        let reply = try SignedNote(parsing: Array((note.text + "\n" + Self.specResponse).utf8))
        #expect(reply.signatures.map(\.name) == ["witness.example/w1", "witness.example/w1", "witness.example/w2"])
        #expect(reply.signatures.allSatisfy { $0.signature.count == 8 + 64 })  // tlog-cosignature/v1
        // None of them is by the witness the bank asked: nothing is taken.
        let ours = try NoteSignerKey.generate(name: "witness.example/w1", type: .cosignatureV1)
        #expect(throws: EvidenceError.self) {
            _ = try WitnessSubmission.verifiedCosignatures(Array(Self.specResponse.utf8), note: note, key: ours.verifierKey, now: 2_000_000_000)
        }
    }

    @Test func onlyCosignaturesThatVerifyAreTaken() throws {
        let log = try NoteSignerKey.generate(name: "bank.example/log", type: .ed25519)
        let w = try NoteSignerKey.generate(name: "notary.example/w", type: .cosignatureV1)
        let other = try NoteSignerKey.generate(name: "other.example/w", type: .cosignatureV1)
        let note = try Checkpoint(origin: "bank.example/log", size: 3, root: Merkle.emptyRoot).signed(with: log)
        let good = try Cosignature.sign(text: note.text, key: w, time: 1_000)
        let foreign = try Cosignature.sign(text: note.text, key: other, time: 1_000)
        let taken = try WitnessSubmission.verifiedCosignatures(Array((foreign.line + good.line).utf8), note: note, key: w.verifierKey, now: 1_000)
        #expect(taken == [good])
        var forged = good.signature
        forged[20] ^= 1
        for reply in [NoteSignature(name: good.name, keyID: good.keyID, signature: forged).line,
                      try Cosignature.sign(text: note.text, key: w, time: 0).line,           // time 0 is forbidden
                      try Cosignature.sign(text: note.text, key: w, time: 9_999).line,       // in the future
                      try Cosignature.sign(text: "other\n", key: w, time: 1_000).line,       // over other text
                      "not a signature line\n", ""] {
            #expect(throws: EvidenceError.self, "\(reply)") {
                _ = try WitnessSubmission.verifiedCosignatures(Array(reply.utf8), note: note, key: w.verifierKey, now: 1_000)
            }
        }
    }

    @Test func aConflictBodyIsTheSizeAndANewline() {
        #expect(WitnessSubmission.conflictSize(Array("5\n".utf8)) == 5)
        for bad in ["5", "05\n", "5\n\n", "-1\n", "five\n", ""] {
            #expect(WitnessSubmission.conflictSize(Array(bad.utf8)) == nil, "\(bad)")
        }
    }
}
