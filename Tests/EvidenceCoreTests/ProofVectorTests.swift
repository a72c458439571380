import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog

/// The inclusion and consistency proofs of Tests/Vectors/transparency-dev-merkle-proofs.json
/// (its source is named in the file), over the RFC 9162 reference tree.
struct ProofVectors {
    struct Inclusion: Sendable, CustomTestStringConvertible {
        let index: UInt64, size: UInt64, proof: [Hash]
        var testDescription: String { "leaf \(index) of \(size)" }
    }
    struct Consistency: Sendable, CustomTestStringConvertible {
        let old: UInt64, new: UInt64, proof: [Hash]
        var testDescription: String { "\(old) to \(new)" }
    }

    static let document: JSONObject = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/transparency-dev-merkle-proofs.json")
        return try! JSON.parse(Array(try! Data(contentsOf: url))).objectValue!
    }()

    static let inclusion: [Inclusion] = document["inclusion"]!.arrayValue!.map {
        let o = $0.objectValue!
        return Inclusion(index: UInt64(o["index"]!.integerValue!), size: UInt64(o["size"]!.integerValue!),
                         proof: o["proof"]!.merklePath!)
    }

    static let consistency: [Consistency] = document["consistency"]!.arrayValue!.map {
        let o = $0.objectValue!
        return Consistency(old: UInt64(o["old"]!.integerValue!), new: UInt64(o["new"]!.integerValue!),
                           proof: o["proof"]!.merklePath!)
    }

    static var tree: MerkleTreeReader {
        var store = MemoryHashStore()
        for leaf in referenceLeaves { store.append(leafHash: Merkle.leafHash(leaf)) }
        return MerkleTreeReader(store)
    }

    static func root(_ size: UInt64) -> Hash { Hash(hex: referenceRoots[Int(size)])! }
}

@Suite struct ProofVectorTests {
    @Test func vectorFileNamesItsSource() {
        #expect(ProofVectors.document["source"]?.stringValue?.contains("transparency-dev/merkle") == true)
        #expect(ProofVectors.inclusion.count == 5 && ProofVectors.consistency.count == 5)
    }

    /// Our stored-hash prover produces exactly the published proof, and it verifies.
    @Test(arguments: ProofVectors.inclusion)
    func inclusionProofMatchesPublishedVector(_ v: ProofVectors.Inclusion) throws {
        #expect(try ProofVectors.tree.inclusionProof(index: v.index, treeSize: v.size) == v.proof)
        #expect(Merkle.inclusionPath(Int(v.index), leafHashes: referenceLeaves.prefix(Int(v.size)).map(Merkle.leafHash)[...]) == v.proof)
        let leaf = Merkle.leafHash(referenceLeaves[Int(v.index)])
        #expect(throws: Never.self) {
            try Merkle.verifyInclusion(leafHash: leaf, index: v.index, treeSize: v.size, path: v.proof, root: ProofVectors.root(v.size))
        }
    }

    /// The probes of the same Go test: a wrong index, size, leaf or root, a
    /// hash added, removed or flipped — none verifies.
    @Test(arguments: ProofVectors.inclusion)
    func corruptedInclusionProofsAreRejected(_ v: ProofVectors.Inclusion) {
        let leaf = Merkle.leafHash(referenceLeaves[Int(v.index)])
        let root = ProofVectors.root(v.size)
        let some = Hash(hex: "abacaba000000000000000000000000000000000000000000060061e00123456")!
        var probes: [(String, UInt64, UInt64, Hash, [Hash], Hash)] = [
            ("index + 1", v.index + 1, v.size, leaf, v.proof, root),
            ("index ^ 2", v.index ^ 2, v.size, leaf, v.proof, root),
            ("size * 2", v.index, v.size * 2, leaf, v.proof, root),
            ("wrong leaf", v.index, v.size, Merkle.leafHash(Array("WrongLeaf".utf8)), v.proof, root),
            ("empty root", v.index, v.size, leaf, v.proof, Merkle.emptyRoot),
            ("random root", v.index, v.size, leaf, v.proof, some),
            ("trailing root", v.index, v.size, leaf, v.proof + [root], root),
            ("preceding root", v.index, v.size, leaf, [root] + v.proof, root),
        ]
        if v.index > 0 { probes.append(("index - 1", v.index - 1, v.size, leaf, v.proof, root)) }
        if v.size > 1 { probes.append(("size / 2", v.index, v.size / 2, leaf, v.proof, root)) }
        for i in v.proof.indices {
            var p = v.proof; p[i][0] ^= 8
            probes.append(("proof[\(i)] bit 3", v.index, v.size, leaf, p, root))
        }
        if !v.proof.isEmpty { probes.append(("removed component", v.index, v.size, leaf, Array(v.proof.dropLast()), root)) }
        if v.proof.count > 1 {
            probes.append(("inserted component", v.index, v.size, leaf, [some, v.proof[0]] + v.proof.dropFirst(), root))
        }
        for (name, index, size, l, path, r) in probes {
            #expect(throws: ProofError.self, "\(name)") {
                try Merkle.verifyInclusion(leafHash: l, index: index, treeSize: size, path: path, root: r)
            }
        }
    }

    @Test(arguments: ProofVectors.consistency)
    func consistencyProofMatchesPublishedVector(_ v: ProofVectors.Consistency) throws {
        let (old, new) = (ProofVectors.root(v.old), ProofVectors.root(v.new))
        #expect(try ProofVectors.tree.consistencyProof(oldSize: v.old, newSize: v.new) == v.proof)
        #expect(throws: Never.self) {
            try Merkle.verifyConsistency(oldSize: v.old, newSize: v.new, oldRoot: old, newRoot: new, path: v.proof)
        }
        // It survives its JSON form unchanged.
        let proof = ConsistencyProof(oldSize: v.old, newSize: v.new, oldRoot: old, newRoot: new, path: v.proof)
        let back = try ConsistencyProof(json: JSON.parse(JCS.canonical(proof.json)))
        #expect(back.path == v.proof && back.oldRoot == old && back.newRoot == new)
        #expect(back.oldSize == v.old && back.newSize == v.new)
    }

    @Test(arguments: ProofVectors.consistency.filter { $0.old != $0.new })
    func corruptedConsistencyProofsAreRejected(_ v: ProofVectors.Consistency) {
        let (r1, r2) = (ProofVectors.root(v.old), ProofVectors.root(v.new))
        let wrong = Merkle.leafHash(Array("WrongRoot".utf8))
        var probes: [(String, UInt64, UInt64, Hash, Hash, [Hash])] = [
            ("old + 1", v.old + 1, v.new, r1, r2, v.proof),
            ("old ^ 2", v.old ^ 2, v.new, r1, r2, v.proof),
            ("new * 2", v.old, v.new * 2, r1, r2, v.proof),
            ("new / 2", v.old, v.new / 2, r1, r2, v.proof),
            ("wrong root1", v.old, v.new, wrong, r2, v.proof),
            ("wrong root2", v.old, v.new, r1, wrong, v.proof),
            ("swapped roots", v.old, v.new, r2, r1, v.proof),
            ("empty proof", v.old, v.new, r1, r2, []),
            ("trailing root1", v.old, v.new, r1, r2, v.proof + [r1]),
            ("trailing root2", v.old, v.new, r1, r2, v.proof + [r2]),
            ("preceding root1", v.old, v.new, r1, r2, [r1] + v.proof),
            ("preceding root2", v.old, v.new, r1, r2, [r2] + v.proof),
            ("preceding proof[0]", v.old, v.new, r1, r2, [v.proof[0]] + v.proof),
            ("truncated proof", v.old, v.new, r1, r2, Array(v.proof.dropLast())),
        ]
        if v.old > 1 { probes.append(("old - 1", v.old - 1, v.new, r1, r2, v.proof)) }
        for i in v.proof.indices {
            var p = v.proof; p[i][0] ^= 16
            probes.append(("proof[\(i)] bit 4", v.old, v.new, r1, r2, p))
        }
        for (name, old, new, a, b, path) in probes {
            #expect(throws: ProofError.self, "\(name)") {
                try Merkle.verifyConsistency(oldSize: old, newSize: new, oldRoot: a, newRoot: b, path: path)
            }
        }
    }

    /// The trivial cases of the Go table: sizes always consistent, time
    /// travel, an empty proof, roots that differ, a non-empty proof where
    /// none is due.
    @Test func trivialConsistencyCases() {
        let (a, b, e) = (Merkle.leafHash([1]), Merkle.leafHash([2]), Merkle.emptyRoot)
        func check(_ m: UInt64, _ n: UInt64, _ r1: Hash, _ r2: Hash, _ p: [Hash]) -> ProofError? {
            do { try Merkle.verifyConsistency(oldSize: m, newSize: n, oldRoot: r1, newRoot: r2, path: p); return nil }
            catch { return error }
        }
        #expect(check(0, 0, e, e, []) == nil)
        #expect(check(0, 1, e, b, []) == nil)
        #expect(check(1, 1, b, b, []) == nil)
        #expect(check(0, 0, a, b, []) == .rootMismatch)
        #expect(check(1, 1, a, b, []) == .rootMismatch)
        #expect(check(0, 1, a, b, []) == .rootMismatch)
        #expect(check(1, 0, a, b, []) == .sizeDecreased(from: 1, to: 0))
        #expect(check(2, 1, a, b, []) == .sizeDecreased(from: 2, to: 1))
        #expect(check(1, 2, a, b, []) == .emptyPath)
        #expect(check(0, 0, e, e, [e]) == .nonEmptyPathForEqualSizes)
        #expect(check(1, 1, e, e, [e]) == .nonEmptyPathForEqualSizes)
        #expect(check(0, 1, e, e, [e]) == .wrongPathLength)
    }

    @Test func consistencyProofJSONRefusesBadHashes() throws {
        let good = ConsistencyProof(oldSize: 2, newSize: 5, oldRoot: ProofVectors.root(2), newRoot: ProofVectors.root(5),
                                    path: ProofVectors.consistency[3].proof).json
        guard case .object(let o) = good else { Issue.record("not an object"); return }
        for (key, value) in [("old_root", JSONValue.string(referenceRoots[2].uppercased())),
                             ("new_root", .string(String(referenceRoots[5].dropLast(2)))),
                             ("proof", .array([.string("00")])),
                             ("proof", .string(referenceRoots[1]))] {
            var bad = o; bad[key] = value
            #expect(throws: EvidenceError.self, "\(key)") { try ConsistencyProof(json: .object(bad)) }
        }
    }
}
