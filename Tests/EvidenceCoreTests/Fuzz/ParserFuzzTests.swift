import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore
import FuzzSupport

/// One fuzz target per parser (issue 14): every mutant of a valid input is
/// parsed or refused with an `EvidenceError`, never a trap. The run is
/// bounded for CI; see `FuzzCampaign` for longer local runs.
@Suite struct ParserFuzzTests {
    /// A scratch file the reader-based parsers read each mutant from.
    final class ScratchFile {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString)").path
        func write(_ bytes: [UInt8]) throws -> String {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        deinit { unlink(path) }
    }

    static let jsonSeeds = [FuzzSeeds.json, FuzzSeeds.certificate, FuzzSeeds.consistencyProof, FuzzSeeds.psiMessage,
                            FuzzSeeds.proofBundle] + FuzzSeeds.records.map { FuzzSeeds.line($0) }

    @Test func jsonParserNeverTraps() {
        let seeds = Self.jsonSeeds.map { Array($0.split(separator: 0x0a).first!) }
        let tally = FuzzCampaign(target: "json", seeds: seeds).run { bytes in
            let value = try JSON.parse(bytes)
            // What parses survives a round trip through both writers.
            #expect(try JSON.parse(JCS.canonical(value)) == value)
            #expect(try JSON.parse(FuzzSeeds.line(value).dropLast()) == value)
        }
        #expect(tally.accepted > 0 && tally.refused > 0)
    }

    @Test func jsonLinesReaderNeverTraps() {
        let scratch = ScratchFile()
        let tally = FuzzCampaign(target: "jsonl", seeds: Self.jsonSeeds).run { bytes in
            let reader = try JSONLinesReader.open(try scratch.write(bytes), maximumLineLength: 16_384)
            do {
                while try reader.nextObject() != nil {}
            } catch let error as EvidenceError {
                // Every refusal names the file and line.
                #expect(error.location?.hasPrefix(scratch.path + ":") == true, "\(error)")
                throw error
            }
        }
        #expect(tally.accepted > 0 && tally.refused > 0)
    }

    @Test func signedNoteNeverTraps() {
        let note = FuzzSeeds.signedNote
        var logOnly = note
        logOnly.signatures.removeLast()
        let tally = FuzzCampaign(target: "signed-note", seeds: [note.bytes, logOnly.bytes]).run { bytes in
            let parsed = try SignedNote(parsing: bytes)
            #expect(try SignedNote(parsing: parsed.bytes) == parsed)
            let checkpoint = try Checkpoint(text: parsed.text)
            #expect(try Checkpoint(text: checkpoint.text) == checkpoint)
            _ = try CheckpointTrust(noteBytes: bytes, timestampToken: nil, requirements: FuzzSeeds.requirements)
        }
        #expect(tally.accepted > 0 && tally.refused > 0)
    }

    @Test func noteKeysNeverTrap() {
        let keys = [FuzzSeeds.logKey, FuzzSeeds.witnessKey]
        let seeds = keys.map { Array($0.verifierKey.encoded.utf8) } + keys.map { Array($0.encodedSecret.utf8) }
        let tally = FuzzCampaign(target: "note-keys", seeds: seeds).run { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            if text.hasPrefix("PRIVATE+KEY+") {
                _ = try NoteSignerKey(parsing: text)
            } else {
                let key = try NoteVerifierKey(parsing: text)
                #expect(try NoteVerifierKey(parsing: key.encoded) == key)
            }
        }
        #expect(tally.accepted > 0 && tally.refused > 0)
    }

    @Test func proofBundleNeverTraps() {
        let scratch = ScratchFile()
        let tally = FuzzCampaign(target: "proof-bundle", seeds: [FuzzSeeds.proofBundle]).run { bytes in
            var bundle = ProofBundle()
            try bundle.read(JSONLinesReader.open(try scratch.write(bytes)))
            for line in bundle.lines {
                // What evverify does with a line: its proof, its checkpoint.
                _ = try? Merkle.verifyInclusion(leafHash: line.entry.leaf, index: line.entry.seq, treeSize: line.treeSize,
                                                path: line.path, root: line.root)
                _ = try CheckpointTrust(noteBytes: Array(line.checkpoint.utf8), timestampToken: nil,
                                        requirements: FuzzSeeds.requirements)
            }
        }
        #expect(tally.accepted > 0 && tally.refused > 0)
    }

    @Test func consistencyProofNeverTraps() {
        let tally = FuzzCampaign(target: "consistency-proof", seeds: [FuzzSeeds.consistencyProof]).run { bytes in
            let proof = try ConsistencyProof(json: JSON.parse(bytes))
            _ = try? Merkle.verifyConsistency(oldSize: proof.oldSize, newSize: proof.newSize, oldRoot: proof.oldRoot,
                                              newRoot: proof.newRoot, path: proof.path)
        }
        #expect(tally.accepted > 0 && tally.refused > 0)
    }

    @Test func psiMessageNeverTraps() {
        let scratch = ScratchFile()
        var resealing = FuzzRandom(seed: FuzzSettings.seed(for: "psi-message reseal"))
        let tally = FuzzCampaign(target: "psi-message", seeds: [FuzzSeeds.psiMessage]).run { bytes in
            // Half the mutants get a fresh trailer, so the body is read too.
            let message = resealing.next() & 1 == 0 ? Self.reseal(bytes) : bytes
            let reader = try PSIMessageReader(channel: PSIChannel(insecureUnsignedWithSigner: nil), source: .file(try scratch.write(message)), expect: FuzzSeeds.psiExpectation)
            while let (section, object) = try reader.next() {
                _ = try reader.element(object, section, length: 32)
            }
        }
        #expect(tally.accepted > 0 && tally.refused > 0)
    }

    /// The message with its end line recomputed for the lines before it, as
    /// a party rewriting a message could (the digest is not authentication).
    static func reseal(_ bytes: [UInt8]) -> [UInt8] {
        var lines: [[UInt8]] = bytes.split(separator: 0x0a).map { Array($0) }
        if let last = lines.last, last.starts(with: Array("{\"end\"".utf8)) { lines.removeLast() }
        var counts = JSONObject()
        for line in lines.dropFirst() {
            if case .object(let o)? = try? JSON.parse(line), let section = o.keys.first {
                counts[section] = .number((counts[section]?.numberValue ?? 0) + 1)
            }
        }
        let body: [UInt8] = lines.flatMap { $0 + [0x0a] }
        let digest = Hex.encode(DigestAlgorithm.sha256.hash(body))
        return body + FuzzSeeds.line(JSONValue.object(["end": .object(counts), "sha256": .string(digest)]))
    }

    @Test func custodyCertificateNeverTraps() throws {
        let check = { (bytes: [UInt8]) in
            try CustodyCertificate.check(bytes, issuerKey: FuzzSeeds.issuerKey.verifierKey,
                                         requirements: FuzzSeeds.requirements)
        }
        let seedResult = try check(FuzzSeeds.certificate)
        #expect(seedResult.isValid, "\(seedResult.findings)")
        var findings = 0
        let tally = FuzzCampaign(target: "custody-certificate", seeds: [FuzzSeeds.certificate]).run { bytes in
            if try !check(bytes).isValid { findings += 1 }
        }
        #expect(tally.accepted > 0 && tally.refused > 0 && findings > 0)
    }
}
