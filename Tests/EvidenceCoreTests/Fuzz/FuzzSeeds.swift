import Foundation
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// The valid inputs the fuzz targets start from, all made here with the
/// library from fixed keys, as the tools would make them: a three-entry
/// log, its checkpoint signed by the log and cosigned by a witness, the
/// proof bundle `evchain prove` exports, the custody certificate
/// `evverify certify` issues, and an `evpsi` message.
enum FuzzSeeds {
    static func key(_ name: String, _ type: NoteKeyType, _ byte: UInt8) -> NoteSignerKey {
        try! NoteSignerKey(name: name, type: type, seed: [UInt8](repeating: byte, count: Ed25519.seedSize))
    }

    static let logKey = key("bank.example/evidence/2026", .ed25519, 1)
    static let witnessKey = key("notary.example/witness", .cosignatureV1, 2)
    static let issuerKey = key("notary.example/custody", .ed25519, 3)

    static let records: [JSONObject] = [
        ("esign", "contract.pdf", "esign-platform", 820),
        ("face", "face-result.json", "face-recognition", 96),
        ("default", "default-notice.pdf", "core-banking", 1_024),
    ].enumerated().map { i, r in
        ["id": .string("C2025-0001/\(r.0)/\(r.1)"), "contract": "C2025-0001", "stage": .string(r.0),
         "name": .string(r.1), "source": .string(r.2), "time": .string("2025-04-1\(6 + i)T02:02:33Z"),
         "size": .number(Double(r.3)), "alg": "sha256",
         "digest": .string(Hex.encode(DigestAlgorithm.sha256.hash(Array(r.1.utf8))))]
    }

    static let entries: [ChainEntry] = records.enumerated().map { i, record in
        ChainEntry(seq: UInt64(i), time: "2026-11-25T10:00:0\(i)Z", canonicalRecord: JCS.canonical(.object(record)))
    }

    static let checkpoint = Checkpoint(origin: logKey.name, size: UInt64(entries.count),
                                       root: Merkle.treeHash(leafHashes: entries.map(\.leaf)[...]))

    static let signedNote: SignedNote = {
        var note = try! checkpoint.signed(with: logKey)
        note.signatures.append(try! Cosignature.sign(text: note.text, key: witnessKey, time: 1_764_064_800))
        return note
    }()

    static var requirements: CheckpointTrust.Requirements {
        var r = CheckpointTrust.Requirements(logKey: logKey.verifierKey)
        r.witnessKeys = [witnessKey.verifierKey]
        r.quorum = 1
        return r
    }

    static func path(to seq: Int) -> [Hash] { Merkle.inclusionPath(seq, leafHashes: entries.map(\.leaf)[...]) }

    /// The lines `evchain prove` writes for every entry.
    static let proofBundle: [UInt8] = entries.flatMap { entry in
        let proof = InclusionProof(entry: entry, treeSize: checkpoint.size, root: checkpoint.root,
                                   path: path(to: Int(entry.seq)),
                                   checkpoint: String(decoding: signedNote.bytes, as: UTF8.self))
        return line(proof.json)
    }

    static let consistencyProof: [UInt8] = {
        let leaves = entries.map(\.leaf)[...]
        let proof = ConsistencyProof(oldSize: 2, newSize: 3, oldRoot: Merkle.treeHash(leafHashes: leaves.prefix(2)),
                                     newRoot: checkpoint.root, path: Merkle.consistencyPath(2, leafHashes: leaves))
        return line(proof.json)
    }()

    static let certificate: [UInt8] = {
        let trust = try! CheckpointTrust(noteBytes: signedNote.bytes, timestampToken: nil, requirements: requirements)
        let verdicts = entries.map { entry -> Verdict in
            var v = Verdict(id: records[Int(entry.seq)]["id"]!.stringValue!, status: .ok)
            v.record = try! EvidenceRecord(json: records[Int(entry.seq)])
            v.checked = .record
            v.entry = entry
            v.treeSize = checkpoint.size
            v.proof = path(to: Int(entry.seq))
            return v
        }
        let document = try! CustodyCertificate.issue(report: EvidenceVerifier.Report(verdicts: verdicts), trust: trust,
                                                     issuer: issuerKey, logKey: logKey.verifierKey,
                                                     time: "2026-11-26T09:00:00Z")
        return line(document)
    }()

    static var psiExpectation: PSIExpectation { PSIExpectation(kinds: ["psi-request"], from: "b") }

    /// A three-element `evpsi psi request` message (32-byte elements).
    static let psiMessage: [UInt8] = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-seed-\(UUID().uuidString)").path
        defer { unlink(path) }
        let writer = try! PSIMessageWriter(channel: PSIChannel(insecureUnsignedWithSigner: nil), to: .file(path), header: PSIHeader(
            kind: "psi-request", session: String(repeating: "5e", count: PSIProtocol.sessionByteCount), from: "b",
            group: "p256", mode: "intersection", extra: ["count": 3]))
        writer.declare("q")
        for i in 0..<3 { try! writer.element("q", DigestAlgorithm.sha256.hash([UInt8(i)])) }
        try! writer.finish()
        return Array(FileManager.default.contents(atPath: path)!)
    }()

    /// Escapes, surrogate pairs, number forms, nesting and Chinese text.
    static let json: [UInt8] = Array(#"""
        {"s":"\u00e9\ud83d\ude00\n\t\"\\\/","n":[0,-0,1.5e-7,-1.5e+25,1E308,0.1],"b":[true,false,null],"deep":[[[[{}]]]],"证据":"保管单"}
        """#.utf8)

    static func line(_ value: JSONValue) -> [UInt8] {
        var w = JSONWriter()
        w.write(value)
        w.writeRaw("\n")
        return w.bytes
    }

    static func line(_ object: JSONObject) -> [UInt8] { line(.object(object)) }
}
