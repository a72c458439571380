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

    /// The notary's side in process: each refusal carries the spec's status,
    /// the old size is the witness's (409 names it), and nothing refused
    /// changes the state.
    @Test func theWitnessAnswersEachRequestWithTheSpecsStatus() throws {
        let log = try NoteSignerKey.generate(name: "unit.example/log", type: .ed25519)
        let key = try NoteSignerKey.generate(name: "notary.example/w", type: .cosignatureV1)
        let state = ScratchDirectory("add-checkpoint")
        let witness = try Witness(key: key, logKey: log.verifierKey, origin: nil, stateDirectory: state.path)
        var tree = MemoryHashStore()
        for i in 0..<10 { tree.append(leafHash: Merkle.leafHash(Array("e\(i)".utf8))) }
        let reader = MerkleTreeReader(tree)
        func request(_ old: UInt64, _ size: UInt64, proof: [Hash]? = nil, root: Hash? = nil, by signer: NoteSignerKey? = nil,
                     origin: String = "unit.example/log") throws -> AddCheckpointRequest {
            let note = try Checkpoint(origin: origin, size: size, root: root ?? reader.treeHash(size: size)).signed(with: signer ?? log)
            let path = try proof ?? (old > 0 && old < size ? reader.consistencyProof(oldSize: old, newSize: size) : [])
            return AddCheckpointRequest(oldSize: old, proof: path, checkpoint: note.bytes)
        }
        func status(_ r: AddCheckpointRequest, firstUse: Bool = false) -> Int? {
            do { _ = try witness.addCheckpoint(r, now: 100, firstUse: firstUse); return 200 } catch let refusal as WitnessRefusal {
                return refusal.httpStatus
            } catch { return nil }
        }
        #expect(status(try request(0, 4)) == nil)  // no state, no first use: the witness's own trouble
        #expect(status(try request(3, 4), firstUse: true) == 409)
        #expect(status(try request(0, 4, proof: [Merkle.emptyRoot]), firstUse: true) == 422)
        #expect(status(try request(0, 4), firstUse: true) == 200)
        #expect(status(try request(0, 6)) == 409)
        do { _ = try witness.addCheckpoint(try request(0, 6), now: 100) } catch let r as WitnessRefusal { #expect(r.reason == .conflict(4)) }
        #expect(status(try request(7, 6)) == 400)
        #expect(status(try request(4, 6, proof: [Merkle.emptyRoot])) == 422)
        #expect(status(try request(4, 4, root: Merkle.emptyRoot)) == 422)
        #expect(status(try request(4, 6, by: try NoteSignerKey.generate(name: "unit.example/log", type: .ed25519))) == 403)
        #expect(status(try request(4, 6, origin: "other.example/log")) == 404)
        #expect(status(AddCheckpointRequest(oldSize: 4, proof: [], checkpoint: Array("not a note\n".utf8))) == 400)
        #expect(try witness.lastCosigned()?.size == 4)
        #expect(status(try request(4, 10)) == 200)
        #expect(try witness.lastCosigned()?.size == 10)
    }

    /// From a cosigned empty tree no proof is due (the empty tree is
    /// consistent with every tree): a witness at size 0 takes the next
    /// checkpoint with an empty proof.
    @Test func aWitnessAtSizeZeroNeedsNoProof() throws {
        let log = try NoteSignerKey.generate(name: "unit.example/log", type: .ed25519)
        let key = try NoteSignerKey.generate(name: "notary.example/w", type: .cosignatureV1)
        let state = ScratchDirectory("add-checkpoint")
        let witness = try Witness(key: key, logKey: log.verifierKey, origin: nil, stateDirectory: state.path)
        func note(_ size: UInt64, _ root: Hash) throws -> [UInt8] {
            try Checkpoint(origin: "unit.example/log", size: size, root: root).signed(with: log).bytes
        }
        let empty = try AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: note(0, Merkle.emptyRoot))
        _ = try witness.addCheckpoint(empty, now: 100, firstUse: true)
        let three = try AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: note(3, Merkle.leafHash([1])))
        let cosigned = try witness.addCheckpoint(three, now: 101)
        #expect(try cosigned.verify(key.verifierKey) == [101])
        #expect(try witness.lastCosigned()?.size == 3)
    }
}
