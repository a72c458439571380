import EvidenceCrypto
import EvidenceSupport

/// The Merkle tree kept on disk as an append-only sequence of "stored hashes",
/// the layout of Go's golang.org/x/mod/sumdb/tlog (our own code): every
/// complete subtree's hash is written once, right after the leaf that
/// completes it. Record n's leaf hash is followed by the hashes of the
/// subtrees it completes (one per trailing 1 bit of n), so the file only ever
/// grows at its end and any subtree hash has a fixed, computable position.
///
/// With it, the root of any tree size, an inclusion proof and a consistency
/// proof each need O(log n) hashes, read with `pread`: a 10-million-entry log
/// is never read whole.
public enum StoredHash {
    /// Position of the hash of the complete subtree at `level` (height, 0 =
    /// leaves) whose leftmost leaf is `n << level`.
    public static func index(level: Int, n: UInt64) -> UInt64 {
        // Level L's n-th hash is written right after level L-1's (2n+1)-th
        // hash: walk down to the leaf that completes it.
        var n = n
        for _ in 0..<level { n = 2 * n + 1 }
        // Before leaf n come n leaf hashes, and n/2 + n/4 + ... parents.
        var i: UInt64 = 0
        var m = n
        while m > 0 { i += m; m >>= 1 }
        return i + UInt64(level)
    }

    /// How many hashes are stored for a tree of `size` leaves.
    public static func count(treeSize size: UInt64) -> UInt64 {
        if size == 0 { return 0 }
        var count = index(level: 0, n: size - 1) + 1
        var i = size - 1
        while i & 1 == 1 { count += 1; i >>= 1 }
        return count
    }
}

/// Random access to stored hashes (a file with pread, or memory in tests).
public protocol StoredHashReader {
    func storedHash(at index: UInt64) throws -> Hash
    /// The hash of the complete subtree at `level` whose leftmost leaf is
    /// `n << level`; by default the stored hash at `StoredHash.index`.
    func hash(level: Int, n: UInt64) throws -> Hash
}

extension StoredHashReader {
    public func hash(level: Int, n: UInt64) throws -> Hash {
        try storedHash(at: StoredHash.index(level: level, n: n))
    }
}

/// Stored hashes in memory: the reference for tests, and small logs.
public struct MemoryHashStore: StoredHashReader {
    public private(set) var hashes: [Hash] = []
    private var frontier = MerkleFrontier()
    public init() {}
    public var treeSize: UInt64 { frontier.size }
    public mutating func append(leafHash: Hash) {
        hashes.append(contentsOf: frontier.append(leafHash: leafHash))
    }
    public func storedHash(at index: UInt64) throws -> Hash {
        guard index < UInt64(hashes.count) else {
            throw EvidenceError.io("stored hash \(index) is beyond the end of the hash store")
        }
        return hashes[Int(index)]
    }
}

/// The right edge of the tree: the roots of its complete subtrees, largest
/// first. Appending a leaf yields exactly the hashes to store, in order.
public struct MerkleFrontier: Sendable {
    /// (level, hash) of each complete subtree, left to right.
    public private(set) var nodes: [(level: Int, hash: Hash)] = []
    public private(set) var size: UInt64 = 0

    public init() {}

    /// The frontier of an existing tree of `size` leaves, from its stored hashes.
    public init(size: UInt64, reader: StoredHashReader) throws {
        var start: UInt64 = 0
        for level in stride(from: 63, through: 0, by: -1) where size & (UInt64(1) << level) != 0 {
            nodes.append((level, try reader.storedHash(at: StoredHash.index(level: level, n: start >> level))))
            start += UInt64(1) << level
        }
        self.size = size
    }

    /// The frontier of a tree of `size` leaves from its complete subtrees'
    /// hashes, largest first (one per bit set in `size`): what a witness is
    /// handed instead of the tree. A wrong count is an input error.
    public init(size: UInt64, hashes: [Hash]) throws {
        guard hashes.count == size.nonzeroBitCount else {
            throw EvidenceError.input("a tree of size \(size) has \(size.nonzeroBitCount) frontier hashes, not \(hashes.count)")
        }
        var levels: [Int] = []
        for level in stride(from: 63, through: 0, by: -1) where size & (UInt64(1) << level) != 0 { levels.append(level) }
        nodes = Array(zip(levels, hashes)).map { (level: $0.0, hash: $0.1) }
        self.size = size
    }

    /// The complete subtrees' hashes, largest first (what `init(size:hashes:)` takes).
    public var hashes: [Hash] { nodes.map(\.hash) }

    /// Adds a leaf; returns the leaf hash followed by every subtree hash it completes.
    public mutating func append(leafHash: Hash, context: HashContext? = nil) -> [Hash] {
        var bytes: [UInt8] = []
        append(leafHash: leafHash, storingInto: &bytes)
        return stride(from: 0, to: bytes.count, by: Hash.size).map { Hash(bytes[$0 ..< $0 + Hash.size])! }
    }

    /// `append`, the stored hashes' bytes appended to `out` (32 each, in
    /// order) instead of returned: no array per leaf in append's loop.
    public mutating func append(leafHash: Hash, storingInto out: inout [UInt8]) {
        leafHash.withUnsafeBytes { out.append(contentsOf: $0) }
        var carry = (level: 0, hash: leafHash)
        while let last = nodes.last, last.level == carry.level {
            nodes.removeLast()
            carry = (carry.level + 1, Merkle.nodeHash(last.hash, carry.hash))
            carry.hash.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        nodes.append(carry)
        size += 1
    }

    /// MTH of the whole tree: the complete subtrees folded right to left.
    public func root(context: HashContext? = nil) -> Hash {
        guard var acc = nodes.last?.hash else { return Merkle.emptyRoot }
        let ctx = context ?? HashContext(.sha256)
        for node in nodes.dropLast().reversed() { acc = Merkle.nodeHash(node.hash, acc, using: ctx) }
        return acc
    }
}

/// Roots and proofs computed from stored hashes: RFC 9162 §2.1 over a
/// `StoredHashReader`, reading only the O(log n) subtree hashes needed.
public struct MerkleTreeReader {
    public let reader: StoredHashReader
    private let context = HashContext(.sha256)
    /// Hashes of ranges that are not complete subtrees (the right edge of a
    /// tree size), computed once: every proof against one tree size needs
    /// the same few of them. Computed from the stored hashes like any other.
    private let partial = PartialSubtrees()
    private final class PartialSubtrees {
        var hashes: [UInt64: [UInt64: Hash]] = [:]
    }

    public init(_ reader: StoredHashReader) { self.reader = reader }

    /// MTH(D[lo:hi]) for a range the §2.1 recursion produces: `lo` is a
    /// multiple of the largest power of two not above hi-lo, so the range is
    /// a complete subtree followed by a (recursively) smaller range.
    public func subtreeHash(_ lo: UInt64, _ hi: UInt64) throws -> Hash {
        let n = hi - lo
        precondition(n > 0)
        if n & (n - 1) == 0 {
            let level = n.trailingZeroBitCount
            return try reader.hash(level: level, n: lo >> level)
        }
        if let known = partial.hashes[hi]?[lo] { return known }
        let k = Merkle.split(n)
        let left = try subtreeHash(lo, lo + k)
        let right = try subtreeHash(lo + k, hi)
        let hash = Merkle.nodeHash(left, right, using: context)
        partial.hashes[hi, default: [:]][lo] = hash
        return hash
    }

    /// The Merkle Tree Hash of the first `size` leaves.
    public func treeHash(size: UInt64) throws -> Hash {
        size == 0 ? Merkle.emptyRoot : try subtreeHash(0, size)
    }

    /// The leaf hash of entry `index`.
    public func leafHash(_ index: UInt64) throws -> Hash {
        try reader.hash(level: 0, n: index)
    }

    /// PATH(m, D[n]) of RFC 9162 §2.1.3.1.
    public func inclusionProof(index: UInt64, treeSize: UInt64) throws -> [Hash] {
        guard index < treeSize else {
            throw EvidenceError.failure("entry \(index) is not in a tree of size \(treeSize)")
        }
        var path: [Hash] = []
        try inclusion(index, 0, treeSize, into: &path)
        return path
    }

    private func inclusion(_ m: UInt64, _ lo: UInt64, _ hi: UInt64, into path: inout [Hash]) throws {
        let n = hi - lo
        if n == 1 { return }
        let k = Merkle.split(n)
        if m < k {
            try inclusion(m, lo, lo + k, into: &path)
            path.append(try subtreeHash(lo + k, hi))
        } else {
            try inclusion(m - k, lo + k, hi, into: &path)
            path.append(try subtreeHash(lo, lo + k))
        }
    }

    /// PROOF(m, D[n]) of RFC 9162 §2.1.4.1.
    public func consistencyProof(oldSize m: UInt64, newSize n: UInt64) throws -> [Hash] {
        guard m <= n else {
            throw EvidenceError.failure("tree size \(m) is larger than \(n): no consistency proof")
        }
        if m == 0 || m == n { return [] }
        var path: [Hash] = []
        try subproof(m, 0, n, complete: true, into: &path)
        return path
    }

    private func subproof(_ m: UInt64, _ lo: UInt64, _ hi: UInt64, complete: Bool, into path: inout [Hash]) throws {
        let n = hi - lo
        if m == n {
            if !complete { path.append(try subtreeHash(lo, hi)) }
            return
        }
        let k = Merkle.split(n)
        if m <= k {
            try subproof(m, lo, lo + k, complete: complete, into: &path)
            path.append(try subtreeHash(lo + k, hi))
        } else {
            try subproof(m - k, lo + k, hi, complete: false, into: &path)
            path.append(try subtreeHash(lo, lo + k))
        }
    }
}
