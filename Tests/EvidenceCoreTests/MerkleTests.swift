import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// The 8 leaves of the RFC 6962 / RFC 9162 reference tree, as used by the
/// certificate-transparency and transparency-dev/merkle test suites.
let referenceLeaves: [[UInt8]] = [
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
].map { Hex.decode($0)! }

/// Its roots for sizes 0–8 (transparency-dev/merkle testdata, Apache-2.0).
let referenceRoots = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

private func store(_ leaves: [[UInt8]]) -> MemoryHashStore {
    var s = MemoryHashStore()
    for l in leaves { s.append(leafHash: Merkle.leafHash(l)) }
    return s
}

@Test(arguments: 0...8)
func referenceTreeRoot(size: Int) throws {
    let leafHashes = referenceLeaves.prefix(size).map(Merkle.leafHash)
    #expect(Hex.encode(Merkle.treeHash(leafHashes: leafHashes[...])) == referenceRoots[size])
    let s = store(Array(referenceLeaves.prefix(size)))
    #expect(Hex.encode(try MerkleTreeReader(s).treeHash(size: UInt64(size))) == referenceRoots[size])
    var frontier = MerkleFrontier()
    for h in leafHashes { _ = frontier.append(leafHash: h) }
    #expect(Hex.encode(frontier.root()) == referenceRoots[size])
}

@Test func storedHashLayout() {
    // Leaf 0, leaf 1, node(0,1), leaf 2, leaf 3, node(2,3), node(0..3), leaf 4 ...
    #expect(StoredHash.index(level: 0, n: 0) == 0)
    #expect(StoredHash.index(level: 0, n: 1) == 1)
    #expect(StoredHash.index(level: 1, n: 0) == 2)
    #expect(StoredHash.index(level: 0, n: 3) == 4)
    #expect(StoredHash.index(level: 2, n: 0) == 6)
    #expect(StoredHash.index(level: 0, n: 4) == 7)
    #expect((0...9).map { StoredHash.count(treeSize: $0) } == [0, 1, 3, 4, 7, 8, 10, 11, 15, 16])
    var s = MemoryHashStore()
    for i in 0..<1000 { s.append(leafHash: Merkle.leafHash([UInt8(i & 0xff), UInt8(i >> 8)])) }
    #expect(UInt64(s.hashes.count) == StoredHash.count(treeSize: 1000))
}

/// Every inclusion and consistency proof of trees up to 8 leaves (and a few
/// larger ones), from stored hashes, equals the §2.1 recursion's, verifies
/// with ours and with the independent Python verifier; with any bit flipped
/// both reject it.
@Test func proofsForAllPairsAgreeWithIndependentVerifier() throws {
    var leaves = referenceLeaves
    for i in 8..<37 { leaves.append(Array("entry \(i)".utf8)) }
    let s = store(leaves)
    let tree = MerkleTreeReader(s)
    let leafHashes = leaves.map(Merkle.leafHash)
    var cases: [[String: Any]] = []
    var expected: [String] = []
    let sizes = Array(1...8) + [13, 16, 17, 31, 37]
    func flips(_ path: [Hash]) -> [[Hash]] {
        var out: [[Hash]] = []
        for (i, h) in path.enumerated() {
            for bit in [0, 77, 255] {
                var p = path; var x = h; x[bit / 8] ^= UInt8(1 << (bit % 8)); p[i] = x; out.append(p)
            }
        }
        return out
    }
    for n in sizes {
        let root = try tree.treeHash(size: UInt64(n))
        #expect(root == Merkle.treeHash(leafHashes: leafHashes[..<n]))
        if n <= 8 { #expect(Hex.encode(root) == referenceRoots[n]) }
        cases.append(["kind": "root", "size": n, "root": Hex.encode(root)]); expected.append("ok")
        for m in 0..<n {
            let path = try tree.inclusionProof(index: UInt64(m), treeSize: UInt64(n))
            #expect(path == Merkle.inclusionPath(m, leafHashes: leafHashes[..<n]))
            #expect(throws: Never.self) {
                try Merkle.verifyInclusion(leafHash: leafHashes[m], index: UInt64(m), treeSize: UInt64(n), path: path, root: root)
            }
            func inclusionCase(_ p: [Hash], leaf: Hash, root r: Hash, ok: Bool) {
                cases.append(["kind": "inclusion", "index": m, "size": n, "leaf": Hex.encode(leaf),
                              "path": p.map { Hex.encode($0) }, "root": Hex.encode(r)])
                expected.append(ok ? "ok" : "fail")
            }
            inclusionCase(path, leaf: leafHashes[m], root: root, ok: true)
            for bad in flips(path) {
                #expect(throws: ProofError.self) {
                    try Merkle.verifyInclusion(leafHash: leafHashes[m], index: UInt64(m), treeSize: UInt64(n), path: bad, root: root)
                }
                inclusionCase(bad, leaf: leafHashes[m], root: root, ok: false)
            }
            var badLeaf = leafHashes[m]; badLeaf[31] ^= 1
            #expect(throws: ProofError.self) {
                try Merkle.verifyInclusion(leafHash: badLeaf, index: UInt64(m), treeSize: UInt64(n), path: path, root: root)
            }
            inclusionCase(path, leaf: badLeaf, root: root, ok: false)
            if !path.isEmpty {
                #expect(throws: ProofError.self) {
                    try Merkle.verifyInclusion(leafHash: leafHashes[m], index: UInt64(m), treeSize: UInt64(n),
                                               path: Array(path.dropLast()), root: root)
                }
            }
        }
        for m in 0...n {
            let oldRoot = try tree.treeHash(size: UInt64(m))
            let path = try tree.consistencyProof(oldSize: UInt64(m), newSize: UInt64(n))
            #expect(path == Merkle.consistencyPath(m, leafHashes: leafHashes[..<n]))
            #expect(throws: Never.self) {
                try Merkle.verifyConsistency(oldSize: UInt64(m), newSize: UInt64(n), oldRoot: oldRoot, newRoot: root, path: path)
            }
            func consistencyCase(_ p: [Hash], ok: Bool) {
                cases.append(["kind": "consistency", "old": m, "new": n, "old_root": Hex.encode(oldRoot),
                              "new_root": Hex.encode(root), "path": p.map { Hex.encode($0) }])
                expected.append(ok ? "ok" : "fail")
            }
            consistencyCase(path, ok: true)
            for bad in flips(path) {
                #expect(throws: ProofError.self) {
                    try Merkle.verifyConsistency(oldSize: UInt64(m), newSize: UInt64(n), oldRoot: oldRoot, newRoot: root, path: bad)
                }
                consistencyCase(bad, ok: false)
            }
            if m > 0 && m < n {
                var badRoot = oldRoot; badRoot[0] ^= 0x80
                #expect(throws: ProofError.self) {
                    try Merkle.verifyConsistency(oldSize: UInt64(m), newSize: UInt64(n), oldRoot: badRoot, newRoot: root, path: path)
                }
            }
        }
    }
    let input = try JSONSerialization.data(withJSONObject: ["leaves": leaves.map { Hex.encode($0) }, "cases": cases])
    let verdicts = try IndependentCheck.run("rfc9162.py", input: input).split(separator: "\n").map(String.init)
    #expect(verdicts.count == expected.count)
    #expect(verdicts == expected)
}

@Test func tilePaths() {
    #expect(Tile.encodeIndex(0) == "000")
    #expect(Tile.encodeIndex(1234067) == "x001/x234/067")
    #expect(Tile.encodeIndex(1000) == "x001/000")
    #expect(Tile.path(level: 0, index: 1234067, width: 256) == "tile/0/x001/x234/067")
    #expect(Tile.path(level: 1, index: 5, width: 17) == "tile/1/005.p/17")
    #expect(Tile.entriesPath(index: 3, width: 256) == "tile/entries/003")
    // A tree of 70,000: 273 full level-0 tiles + width 112, one full level-1 + width 17, level-2 width 1.
    #expect(Tile.tiles(level: 0, treeSize: 70000) == (273, 112))
    #expect(Tile.tiles(level: 1, treeSize: 70000) == (1, 17))
    #expect(Tile.tiles(level: 2, treeSize: 70000) == (0, 1))
}

/// A level-1 tile hash is the Merkle root of the level-0 tile under it.
@Test func tileHashesAreSubtreeRoots() throws {
    var s = MemoryHashStore()
    var leafHashes: [Hash] = []
    for i in 0..<(256 * 3 + 5) {
        let h = Merkle.leafHash(Array("e\(i)".utf8)); leafHashes.append(h); s.append(leafHash: h)
    }
    let t0 = try Tile.data(level: 0, index: 1, width: 256, reader: s)
    #expect(Array(t0[0..<32]) == leafHashes[256].bytes)
    let t1 = try Tile.data(level: 1, index: 0, width: 3, reader: s)
    #expect(Array(t1[32..<64]) == Merkle.treeHash(leafHashes: leafHashes[256..<512]).bytes)
}

/// The chain's fast canonical form of a record is exactly RFC 8785's.
@Test func recordCanonicalFormIsJCS() throws {
    let samples = [
        #"{"id":"C1/esign/a.pdf","contract":"C1","stage":"esign","name":"合同 \"v2\".pdf","source":"esign-platform","time":"2025-04-16T14:02:33Z","size":48213,"pages":3,"kind":"file","alg":"sha256","digest":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","digests":{"sm3":"66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},"path":"a/b\\c.pdf"}"#,
        #"{"digest":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","alg":"hmac-sha256","keyid":"0123456789abcdef","id":"x\u00e9\u20acy"}"#,
        #"{"id":"a","alg":"sha256","digest":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","size":0,"pages":9007199254740991}"#,
        #"{"id":"b","alg":"sha256","digest":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","size":1e3,"pages":1.0}"#,
    ]
    for text in samples {
        guard case .object(let o) = try JSON.parse(text) else { Issue.record("not an object"); continue }
        _ = try EvidenceRecord(json: o)
        #expect(ChainStore.canonicalRecord(o) == JCS.canonical(.object(o)))
    }
}
