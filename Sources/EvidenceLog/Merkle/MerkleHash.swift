import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// RFC 9162 §2.1 Merkle Tree Hash over SHA-256 (the same tree as RFC 6962).
///
/// Hashes are `Hash` values, 32 bytes by construction. Every function here names the section it
/// implements; errors say which check failed, so an auditor can tell a proof
/// that is malformed from one that is merely for another tree.
public enum Merkle {
    public static let hashSize = Hash.size

    /// MTH({}) = SHA-256() (§2.1.1): the root of the empty tree.
    public static let emptyRoot = Hash(DigestAlgorithm.sha256.hash([UInt8]()))!

    /// MTH({d}) = SHA-256(0x00 || d) (§2.1.1).
    public static func leafHash(_ entry: [UInt8]) -> Hash {
        entry.withUnsafeBytes { e in Hash { OneShotSHA256.hash(prefix: 0x00, e, into: $0) } }
    }

    /// The leaf hash with a caller's reusable context (hot loops).
    public static func leafHash<Bytes: ContiguousBytes>(_ entry: Bytes, using context: HashContext) -> Hash {
        entry.withUnsafeBytes { e in Hash { OneShotSHA256.hash(prefix: 0x00, e, into: $0) } }
    }

    /// SHA-256(0x01 || left || right) (§2.1.1).
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        left.withUnsafeBytes { l in right.withUnsafeBytes { r in Hash { OneShotSHA256.hash(prefix: 0x01, l, r, into: $0) } } }
    }

    public static func nodeHash(_ left: Hash, _ right: Hash, using context: HashContext) -> Hash {
        nodeHash(left, right)
    }

    /// The largest power of two strictly smaller than `n` (n > 1): the split
    /// point k of §2.1.1.
    @inlinable
    public static func split(_ n: UInt64) -> UInt64 {
        precondition(n > 1)
        return UInt64(1) << (63 - (n - 1).leadingZeroBitCount)
    }

    /// MTH(D[n]) of in-memory leaf hashes by the §2.1.1 recursion: the
    /// reference the stored-hash code is tested against.
    public static func treeHash(leafHashes: ArraySlice<Hash>) -> Hash {
        switch leafHashes.count {
        case 0: return emptyRoot
        case 1: return leafHashes.first!
        default:
            let k = Int(split(UInt64(leafHashes.count)))
            let lo = leafHashes.startIndex
            return nodeHash(treeHash(leafHashes: leafHashes[lo..<lo + k]),
                            treeHash(leafHashes: leafHashes[(lo + k)...]))
        }
    }

    /// PATH(m, D[n]) of §2.1.3.1 over in-memory leaf hashes.
    public static func inclusionPath(_ m: Int, leafHashes: ArraySlice<Hash>) -> [Hash] {
        let n = leafHashes.count
        precondition(m >= 0 && m < n)
        if n == 1 { return [] }
        let k = Int(split(UInt64(n)))
        let lo = leafHashes.startIndex
        if m < k {
            return inclusionPath(m, leafHashes: leafHashes[lo..<lo + k]) + [treeHash(leafHashes: leafHashes[(lo + k)...])]
        }
        return inclusionPath(m - k, leafHashes: leafHashes[(lo + k)...]) + [treeHash(leafHashes: leafHashes[lo..<lo + k])]
    }

    /// PROOF(m, D[n]) of §2.1.4.1 over in-memory leaf hashes.
    public static func consistencyPath(_ m: Int, leafHashes: ArraySlice<Hash>) -> [Hash] {
        precondition(m >= 0 && m <= leafHashes.count)
        if m == 0 { return [] }
        return subproof(m, leafHashes, complete: true)
    }

    private static func subproof(_ m: Int, _ d: ArraySlice<Hash>, complete: Bool) -> [Hash] {
        let n = d.count
        if m == n { return complete ? [] : [treeHash(leafHashes: d)] }
        let k = Int(split(UInt64(n)))
        let lo = d.startIndex
        if m <= k {
            return subproof(m, d[lo..<lo + k], complete: complete) + [treeHash(leafHashes: d[(lo + k)...])]
        }
        return subproof(m - k, d[(lo + k)...], complete: false) + [treeHash(leafHashes: d[lo..<lo + k])]
    }
}

/// Why a proof was rejected.
public enum ProofError: Error, Equatable, CustomStringConvertible, Sendable {
    case indexOutOfRange(index: UInt64, size: UInt64)
    case wrongPathLength
    case badHashSize
    case rootMismatch
    case sizeDecreased(from: UInt64, to: UInt64)
    case nonEmptyPathForEqualSizes
    case emptyPath

    public var description: String {
        switch self {
        case .indexOutOfRange(let i, let n): return "leaf index \(i) is not below tree size \(n)"
        case .wrongPathLength: return "proof has the wrong number of hashes for this index and tree size"
        case .badHashSize: return "proof hash is not 32 bytes"
        case .rootMismatch: return "proof does not lead to the expected root hash"
        case .sizeDecreased(let a, let b): return "tree size decreased from \(a) to \(b)"
        case .nonEmptyPathForEqualSizes: return "proof between equal tree sizes must be empty"
        case .emptyPath: return "consistency proof is empty"
        }
    }
}

extension Merkle {
    /// Verifies an inclusion proof by the algorithm of RFC 9162 §2.1.3.2.
    public static func verifyInclusion(leafHash: Hash, index: UInt64, treeSize: UInt64,
                                       path: [Hash], root: Hash) throws(ProofError) {
        guard index < treeSize else { throw .indexOutOfRange(index: index, size: treeSize) }
        var r = leafHash
        try walk(path, fn: index, sn: treeSize - 1, left: { r = nodeHash($0, r) }, right: { r = nodeHash(r, $0) })
        guard constantTimeEqual(r, root) else { throw .rootMismatch }
    }

    /// Verifies a consistency proof by the algorithm of RFC 9162 §2.1.4.2,
    /// with the trivial cases (size 0, equal sizes) that §2.1.4.1 defines as
    /// empty proofs handled first.
    public static func verifyConsistency(oldSize: UInt64, newSize: UInt64, oldRoot: Hash, newRoot: Hash,
                                         path: [Hash]) throws(ProofError) {
        guard oldSize <= newSize else { throw .sizeDecreased(from: oldSize, to: newSize) }
        if oldSize == newSize {
            guard path.isEmpty else { throw .nonEmptyPathForEqualSizes }
            guard constantTimeEqual(oldRoot, newRoot) else { throw .rootMismatch }
            return
        }
        if oldSize == 0 {
            // Every tree extends the empty one; §2.1.4.1 defines no proof for it.
            guard path.isEmpty else { throw .wrongPathLength }
            guard constantTimeEqual(oldRoot, emptyRoot) else { throw .rootMismatch }
            return
        }
        guard !path.isEmpty else { throw .emptyPath }
        var proof = path
        // Step 2: a power-of-two old tree is itself a node of the new one.
        if oldSize & (oldSize - 1) == 0 { proof.insert(oldRoot, at: 0) }
        var fn = oldSize - 1, sn = newSize - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        var fr = proof[0], sr = proof[0]
        try walk(proof.dropFirst(), fn: fn, sn: sn,
                 left: { fr = nodeHash($0, fr); sr = nodeHash($0, sr) },
                 right: { sr = nodeHash(sr, $0) })
        guard constantTimeEqual(fr, oldRoot), constantTimeEqual(sr, newRoot) else { throw .rootMismatch }
    }

    /// The walk up the tree that both verifications share (§2.1.3.2 step 3,
    /// §2.1.4.2 step 6): for each proof hash, `left` when it is the left
    /// sibling (fn is odd or fn == sn, then skip the levels where fn is a
    /// left child), else `right`; the path must end exactly at the root.
    private static func walk(_ path: some Sequence<Hash>, fn: UInt64, sn: UInt64,
                             left: (Hash) -> Void, right: (Hash) -> Void) throws(ProofError) {
        var fn = fn, sn = sn
        for c in path {
            guard sn != 0 else { throw .wrongPathLength }
            if fn & 1 == 1 || fn == sn {
                left(c)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                right(c)
            }
            fn >>= 1; sn >>= 1
        }
        guard sn == 0 else { throw .wrongPathLength }
    }

    /// `verifyInclusion` of hashes as raw bytes from outside:
    /// `ProofError.badHashSize` when any is not 32 bytes.
    public static func verifyInclusion(leafHash: [UInt8], index: UInt64, treeSize: UInt64,
                                       path: [[UInt8]], root: [UInt8]) throws(ProofError) {
        guard index < treeSize else { throw .indexOutOfRange(index: index, size: treeSize) }
        try verifyInclusion(leafHash: Hash(checking: leafHash), index: index, treeSize: treeSize,
                            path: path.hashes(), root: Hash(checking: root))
    }

    /// `verifyConsistency` of hashes as raw bytes from outside:
    /// `ProofError.badHashSize` when any is not 32 bytes.
    public static func verifyConsistency(oldSize: UInt64, newSize: UInt64, oldRoot: [UInt8], newRoot: [UInt8],
                                         path: [[UInt8]]) throws(ProofError) {
        guard oldSize <= newSize else { throw .sizeDecreased(from: oldSize, to: newSize) }
        try verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: Hash(checking: oldRoot),
                              newRoot: Hash(checking: newRoot), path: path.hashes())
    }
}

extension Array where Element == [UInt8] {
    /// Each element as a `Hash`; `ProofError.badHashSize` when one is not 32 bytes.
    func hashes() throws(ProofError) -> [Hash] {
        var out: [Hash] = []
        out.reserveCapacity(count)
        for bytes in self { out.append(try Hash(checking: bytes)) }
        return out
    }
}

extension JSONValue {
    /// A hash written in JSON as 64 lowercase hex digits (leaves, roots).
    public var merkleHash: Hash? {
        guard case .string(let s) = self else { return nil }
        return Hash(hex: s)
    }

    /// An audit path: an array of such hashes.
    public var merklePath: [Hash]? {
        guard case .array(let items) = self else { return nil }
        var path: [Hash] = []
        for v in items {
            guard let h = v.merkleHash else { return nil }
            path.append(h)
        }
        return path
    }
}
