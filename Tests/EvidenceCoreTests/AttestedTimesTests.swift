import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidenceCore

/// `AttestedTimes` (EvidenceCore/Verification/AttestedTimes.swift) in
/// process: an entry's attested time comes only from a trusted checkpoint
/// holding it and consistent with the one verified; each test tries to get
/// an earlier time than that.
@Suite struct AttestedTimesTests {
    let log = try! NoteSignerKey.generate(name: "bank.example/log", type: .ed25519)
    let w1 = try! NoteSignerKey.generate(name: "notary.example/w1", type: .cosignatureV1)
    let w2 = try! NoteSignerKey.generate(name: "notary.example/w2", type: .cosignatureV1)
    static let t0: UInt64 = 1_764_064_800

    /// A tree of 8 leaves, and another tree (a fork) of 8 other leaves.
    static func tree(_ tag: String) -> MemoryHashStore {
        var store = MemoryHashStore()
        for i in 0..<8 { store.append(leafHash: Merkle.leafHash(Array("\(tag) entry \(i)".utf8))) }
        return store
    }

    func note(_ store: MemoryHashStore, size: UInt64, cosigned: [(NoteSignerKey, UInt64)]) throws -> [UInt8] {
        let cp = Checkpoint(origin: "bank.example/log", size: size, root: try MerkleTreeReader(store).treeHash(size: size))
        var note = try cp.signed(with: log)
        for (w, t) in cosigned { note.signatures.append(try Cosignature.sign(text: note.text, key: w, time: t)) }
        return note.bytes
    }

    func requirements(quorum: Int) -> CheckpointTrust.Requirements {
        var r = CheckpointTrust.Requirements(logKey: log.verifierKey)
        r.witnessKeys = [w1.verifierKey, w2.verifierKey]
        r.quorum = quorum
        r.now = Int64(Self.t0) + 86_400
        return r
    }

    @Test func aQuorumAttestsWhenItsLastNeededWitnessSigned() throws {
        let store = Self.tree("log")
        let bytes = try note(store, size: 8, cosigned: [(w1, Self.t0 + 5), (w2, Self.t0)])
        let one = try CheckpointTrust(noteBytes: bytes, timestampToken: nil, requirements: requirements(quorum: 1))
        let two = try CheckpointTrust(noteBytes: bytes, timestampToken: nil, requirements: requirements(quorum: 2))
        #expect(Attestation.attested(by: one).map { RFC3339.format($0.time) } == RFC3339.format(epochSeconds: Int64(Self.t0)))
        #expect(Attestation.attested(by: two).map { RFC3339.format($0.time) } == RFC3339.format(epochSeconds: Int64(Self.t0 + 5)))
        #expect(Attestation.attested(by: two)?.basis == .cosignatures)
        // Quorum 0 (--no-witness) without a timestamp: nothing attests a time.
        var none = requirements(quorum: 0)
        none.acceptsNoWitness = true
        #expect(Attestation.attested(by: try CheckpointTrust(noteBytes: bytes, timestampToken: nil, requirements: none)) == nil)
    }

    @Test func theEarliestConsistentTrustedPastCheckpointDatesAnEntry() throws {
        let store = Self.tree("log")
        let main = try CheckpointTrust(noteBytes: try note(store, size: 8, cosigned: [(w1, Self.t0 + 100)]),
                                       timestampToken: nil, requirements: requirements(quorum: 1))
        func times(_ past: [UInt64: [UInt8]]) -> AttestedTimes {
            let t = AttestedTimes(main: main, requirements: requirements(quorum: 1), sizes: Array(past.keys),
                                  load: { past[$0].map { AttestedTimes.Past(note: $0, token: nil) } },
                                  prove: { try MerkleTreeReader(store).consistencyProof(oldSize: $0, newSize: 8) })
            t.resolve(0..<8)
            return t
        }
        let genuine = times([4: try note(store, size: 4, cosigned: [(w1, Self.t0)]),
                             6: try note(store, size: 6, cosigned: [(w1, Self.t0 + 50)])])
        #expect(genuine.attestation(for: 3)?.treeSize == 4)
        #expect(genuine.attestation(for: 3)?.consistency.isEmpty == false)
        #expect(genuine.attestation(for: 4)?.treeSize == 6)
        #expect(genuine.attestation(for: 7)?.treeSize == 8)
        #expect(genuine.attestation(for: 8) == nil, "an entry the checkpoint does not hold has no attested time")

        // Uncosigned at 4: the next that holds the entry dates it.
        let unsigned = times([4: try note(store, size: 4, cosigned: []), 6: try note(store, size: 6, cosigned: [(w1, Self.t0 + 50)])])
        #expect(unsigned.attestation(for: 3)?.treeSize == 6)
        #expect(unsigned.refusals[4] != nil)
        // Another tree's checkpoint at 4, genuinely cosigned: not consistent, passed over.
        let fork = times([4: try note(Self.tree("fork"), size: 4, cosigned: [(w1, Self.t0)])])
        #expect(fork.attestation(for: 3)?.treeSize == 8)
        #expect(fork.refusals[4]?.contains("not consistent") == true, "\(fork.refusals)")
        // Filed under another size than its own.
        let misfiled = times([2: try note(store, size: 4, cosigned: [(w1, Self.t0)])])
        #expect(misfiled.attestation(for: 1)?.treeSize == 8)
    }
}
