import EvidenceSupport

/// Checks that many leaves are in one tree (a size and a root already
/// trusted), reading each audit path from the stored hashes as it goes,
/// and remembers the subtrees it has proven: a leaf's walk up the tree
/// stops at the first subtree proven before, the rest of its path being
/// hashes already checked against the root. For a stream of items whose
/// proofs are not kept (only their verdicts), each reads and hashes the
/// ten or so lowest levels of its path instead of all of them.
///
/// The answer is the one `Merkle.verifyInclusion` gives the path
/// `MerkleTreeReader.inclusionProof` reads (RFC 9162 §2.1.3): the same
/// siblings, combined in the same order. A subtree is remembered only once
/// a walk through it reached the root (or a subtree proven before) with
/// the same hashes, so a walk meeting it with another hash cannot lead to
/// the root either, short of a SHA-256 collision.
///
/// One per worker: not to be shared between threads.
public final class InclusionChecker {
    public let treeSize: UInt64
    public let root: Hash
    private let tree: MerkleTreeReader
    private var proven: [LeafRange: Hash] = [:]
    /// Subtrees of fewer leaves are not remembered: about `capacity` are.
    private let smallestRemembered: UInt64
    private let capacity: Int

    private struct LeafRange: Hashable {
        let lo: UInt64, hi: UInt64
        var count: UInt64 { hi - lo }
    }

    public init(tree: MerkleTreeReader, treeSize: UInt64, root: Hash, capacity: Int = 1 << 15) {
        self.tree = tree
        self.treeSize = treeSize
        self.root = root
        self.capacity = capacity
        // A tree has about 2·size/s subtrees of s leaves or more.
        var s: UInt64 = 1
        while s < treeSize && 2 * (treeSize / s) > UInt64(capacity) { s <<= 1 }
        smallestRemembered = s
    }

    /// Throws `ProofError` when leaf `index` of hash `leafHash` is not in
    /// the tree, and the stored hashes' errors when a hash cannot be read.
    public func check(leafHash: Hash, index: UInt64) throws {
        guard index < treeSize else { throw ProofError.indexOutOfRange(index: index, size: treeSize) }
        // At most 64 levels: the path and its siblings' hashes on the stack.
        try withUnsafeTemporaryAllocation(of: (node: LeafRange, sibling: LeafRange).self, capacity: 64) { path in
            try withUnsafeTemporaryAllocation(of: Hash.self, capacity: 64) { siblings in
                try check(leafHash: leafHash, index: index, path: path.baseAddress!, siblings: siblings.baseAddress!)
            }
        }
    }

    private func check(leafHash: Hash, index: UInt64, path: UnsafeMutablePointer<(node: LeafRange, sibling: LeafRange)>,
                       siblings: UnsafeMutablePointer<Hash>) throws {
        // The subtrees holding the leaf, from the root's children down, and
        // each one's sibling (§2.1.3.1's recursion).
        var depth = 0
        var (lo, hi) = (UInt64(0), treeSize)
        while hi - lo > 1 {
            let k = Merkle.split(hi - lo)
            if index < lo + k {
                path[depth] = (LeafRange(lo: lo, hi: lo + k), LeafRange(lo: lo + k, hi: hi))
                hi = lo + k
            } else {
                path[depth] = (LeafRange(lo: lo + k, hi: hi), LeafRange(lo: lo, hi: lo + k))
                lo += k
            }
            depth += 1
        }
        // The siblings below the smallest subtree remembered are always
        // needed: read first, in one loop, so that their cache misses
        // overlap instead of waiting each behind a hash.
        var low = depth
        while low > 0 && path[low - 1].node.count < smallestRemembered { low -= 1 }
        for j in low..<depth { (siblings + j).initialize(to: try tree.subtreeHash(path[j].sibling.lo, path[j].sibling.hi)) }
        defer { (siblings + low).deinitialize(count: depth - low) }
        var hash = leafHash
        for j in stride(from: depth - 1, through: low, by: -1) {
            let (node, sibling) = path[j]
            hash = sibling.lo < node.lo ? Merkle.nodeHash(siblings[j], hash) : Merkle.nodeHash(hash, siblings[j])
        }
        // Above them, the walk stops at the first subtree proven before.
        var learned: [(LeafRange, Hash)] = []
        for j in stride(from: low - 1, through: 0, by: -1) {
            let (node, sibling) = path[j]
            if let known = proven[node] {
                guard constantTimeEqual(known, hash) else { throw ProofError.rootMismatch }
                remember(learned)
                return
            }
            let siblingHash = try tree.subtreeHash(sibling.lo, sibling.hi)
            learned.append((node, hash))
            if sibling.count >= smallestRemembered { learned.append((sibling, siblingHash)) }
            hash = sibling.lo < node.lo ? Merkle.nodeHash(siblingHash, hash) : Merkle.nodeHash(hash, siblingHash)
        }
        guard constantTimeEqual(hash, root) else { throw ProofError.rootMismatch }
        remember(learned)
    }

    private func remember(_ learned: [(LeafRange, Hash)]) {
        for (range, hash) in learned where proven.count < capacity { proven[range] = hash }
    }
}
