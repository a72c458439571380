import Testing
@testable import EvidenceSupport
@testable import EvidenceLog

/// `InclusionChecker` against the reference (`inclusionProof` then
/// `Merkle.verifyInclusion`): every leaf of trees of many sizes, in any
/// order, with the subtrees it remembers; and the false OKs it must refuse
/// once it has remembered subtrees.
@Suite struct InclusionCheckerTests {
    static func leafHashes(_ n: Int) -> [Hash] { (0..<n).map { Merkle.leafHash(Array("entry \($0)".utf8)) } }

    static func store(_ hashes: [Hash]) -> MemoryHashStore {
        var s = MemoryHashStore()
        for h in hashes { s.append(leafHash: h) }
        return s
    }

    /// Counts the stored hashes read.
    final class CountingReader: StoredHashReader {
        let base: StoredHashReader
        var reads = 0
        init(_ base: StoredHashReader) { self.base = base }
        func storedHash(at index: UInt64) throws -> Hash { reads += 1; return try base.storedHash(at: index) }
    }

    static func shuffled(_ n: Int, seed: UInt64) -> [Int] {
        var order = Array(0..<n), state = seed
        for i in stride(from: n - 1, to: 0, by: -1) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            order.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
        }
        return order
    }

    @Test(arguments: [1, 2, 3, 5, 8, 13, 37, 100, 256, 1000])
    func everyLeafIsInItsTreeInAnyOrder(size: Int) throws {
        let hashes = Self.leafHashes(size)
        let tree = MerkleTreeReader(Self.store(hashes))
        let root = try tree.treeHash(size: UInt64(size))
        for capacity in [4, 64, 1 << 15] {
            let checker = InclusionChecker(tree: tree, treeSize: UInt64(size), root: root, capacity: capacity)
            for i in Self.shuffled(size, seed: UInt64(size * capacity)) {
                let path = try tree.inclusionProof(index: UInt64(i), treeSize: UInt64(size))
                try Merkle.verifyInclusion(leafHash: hashes[i], index: UInt64(i), treeSize: UInt64(size), path: path, root: root)
                try checker.check(leafHash: hashes[i], index: UInt64(i))
            }
        }
    }

    /// Once subtrees are remembered, a wrong leaf, a leaf at another index,
    /// an index past the tree and any leaf against another root still fail.
    @Test func falseLeavesFailAfterTheSubtreesAreRemembered() throws {
        let size = 1000
        let hashes = Self.leafHashes(size)
        let tree = MerkleTreeReader(Self.store(hashes))
        let root = try tree.treeHash(size: UInt64(size))
        let checker = InclusionChecker(tree: tree, treeSize: UInt64(size), root: root, capacity: 64)
        for i in 0..<size { try checker.check(leafHash: hashes[i], index: UInt64(i)) }
        for i in stride(from: 0, to: size, by: 7) {
            var bytes = hashes[i].bytes
            bytes[i % 32] ^= 0x01
            #expect(throws: ProofError.rootMismatch) { try checker.check(leafHash: Hash(bytes)!, index: UInt64(i)) }
            #expect(throws: ProofError.rootMismatch) { try checker.check(leafHash: hashes[(i + 1) % size], index: UInt64(i)) }
        }
        #expect(throws: ProofError.indexOutOfRange(index: UInt64(size), size: UInt64(size))) {
            try checker.check(leafHash: hashes[0], index: UInt64(size))
        }
        // Another root: nothing is proven, and nothing is remembered either.
        let other = InclusionChecker(tree: tree, treeSize: UInt64(size), root: Merkle.leafHash([1]), capacity: 64)
        for i in Self.shuffled(size, seed: 9).prefix(200) {
            #expect(throws: ProofError.rootMismatch) { try other.check(leafHash: hashes[i], index: UInt64(i)) }
        }
        // A smaller tree's root for the first 999 leaves is not this tree's.
        let smaller = InclusionChecker(tree: tree, treeSize: UInt64(size - 1), root: root, capacity: 64)
        #expect(throws: ProofError.rootMismatch) { try smaller.check(leafHash: hashes[5], index: 5) }
    }

    /// A stored hash the bank edited: a leaf is accepted only where it is
    /// truly in the tree under the root (the edited hash was not needed, a
    /// subtree above it being proven), never a leaf that is not.
    @Test func anEditedStoredHashNeverProvesAFalseLeaf() throws {
        let size = 300
        let hashes = Self.leafHashes(size)
        let stored = Self.store(hashes)
        let root = try MerkleTreeReader(stored).treeHash(size: UInt64(size))
        // The hash of leaves 40..<44, a sibling in the paths of leaves 44..<48.
        let at = Int(StoredHash.index(level: 2, n: 10))
        var tampered = stored.hashes
        var bytes = tampered[at].bytes
        bytes[0] ^= 0x80
        tampered[at] = Hash(bytes)!
        struct Fixed: StoredHashReader {
            let hashes: [Hash]
            func storedHash(at index: UInt64) throws -> Hash { hashes[Int(index)] }
        }
        let tree = MerkleTreeReader(Fixed(hashes: tampered))
        for (order, rejected) in [(Array(0..<size), 0..<0), (Array((0..<size).reversed()), 44..<48)] {
            let checker = InclusionChecker(tree: tree, treeSize: UInt64(size), root: root, capacity: 1 << 15)
            var refused: [Int] = []
            for i in order {
                if (try? checker.check(leafHash: hashes[i], index: UInt64(i))) == nil { refused.append(i) }
                var wrong = hashes[i].bytes
                wrong[31] ^= 1
                #expect(throws: ProofError.self) { try checker.check(leafHash: Hash(wrong)!, index: UInt64(i)) }
            }
            // In leaf order, leaves 40..<44 prove the subtree of 44..<48
            // before those need the edited hash; in reverse, they need it.
            #expect(refused.sorted() == Array(rejected))
        }
    }

    /// The point of it: once the upper subtrees are proven, a leaf's walk
    /// reads only the lowest levels of its path.
    @Test func aWalkStopsAtTheFirstSubtreeProvenBefore() throws {
        let size = 1 << 12
        let hashes = Self.leafHashes(size)
        let counting = CountingReader(Self.store(hashes))
        let tree = MerkleTreeReader(counting)
        let root = try tree.treeHash(size: UInt64(size))
        let checker = InclusionChecker(tree: tree, treeSize: UInt64(size), root: root, capacity: 64)
        counting.reads = 0
        try checker.check(leafHash: hashes[0], index: 0)
        #expect(counting.reads == 12)   // the whole path, once
        for i in stride(from: 64, to: size, by: 64) { try checker.check(leafHash: hashes[i], index: UInt64(i)) }
        counting.reads = 0
        try checker.check(leafHash: hashes[100], index: 100)
        // 4096 leaves, 64 remembered: subtrees of 128 leaves and up; leaf
        // 100's walk reads its siblings up to its 128-leaf subtree.
        #expect(counting.reads == 7)
    }
}

