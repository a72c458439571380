import EvidenceCrypto
import EvidenceSupport

/// The contract index (INDEX-SPEC §1): an authenticated map, committed by
/// every checkpoint, from a contract (the exact UTF-8 bytes of a record's
/// `"contract"`) to what the log holds for it — how many entries, the seq
/// of the last, and a hash chain over their leaf hashes in seq order.
///
/// The map is a compact binary sparse Merkle tree over 256-bit keys (the
/// Jellyfish Merkle tree's design, binary): an empty subtree hashes to 32
/// zero bytes, a subtree holding one leaf to that leaf's hash at any depth,
/// any other to `innerHash` of its halves. A proof is then about
/// log2(contracts) siblings instead of the 256 of a plain sparse Merkle tree
/// with default hashes.
///
/// Every hash is SHA-256 whose first input byte names its domain (0x10 key,
/// 0x11 chain step, 0x12 leaf, 0x13 inner), apart from RFC 9162's 0x00 and
/// 0x01, so no index hash can be passed off as a log hash or the reverse.
public struct ContractIndex {
    public static let keyPrefix: UInt8 = 0x10
    public static let chainPrefix: UInt8 = 0x11
    public static let leafPrefix: UInt8 = 0x12
    public static let innerPrefix: UInt8 = 0x13

    /// The chain of a contract with no entry: 32 zero bytes.
    public static let emptyChain = Hash([UInt8](repeating: 0, count: Hash.size))!
    /// The root of an empty map, and the hash of any empty subtree: 32 zero bytes.
    public static let emptyRoot = Hash([UInt8](repeating: 0, count: Hash.size))!

    /// key(c) = SHA-256(0x10 || UTF-8 bytes of c).
    public static func key(_ contract: String) -> Hash {
        var input: [UInt8] = [keyPrefix]
        input.append(contentsOf: contract.utf8)
        return hashing(input)
    }

    /// h_i = SHA-256(0x11 || h_{i-1} || leaf(e_i)).
    public static func chainStep(_ previous: Hash, leaf: Hash) -> Hash {
        previous.withUnsafeBytes { p in
            leaf.withUnsafeBytes { l in
                finalized { chainStep(previous: p.baseAddress!, leaf: l.baseAddress!, into: $0) }
            }
        }
    }

    /// SHA-256(0x12 || key || count BE64 || last BE64 || chain).
    public static func leafHash(_ leaf: ContractIndexLeaf) -> Hash {
        leaf.key.withUnsafeBytes { k in
            leaf.chain.withUnsafeBytes { c in
                finalized { leafHash(key: k.baseAddress!, count: leaf.count, last: leaf.last, chain: c.baseAddress!, into: $0) }
            }
        }
    }

    /// SHA-256(0x13 || left || right).
    public static func innerHash(_ left: Hash, _ right: Hash) -> Hash {
        left.withUnsafeBytes { l in
            right.withUnsafeBytes { r in
                finalized { innerHash(l.baseAddress!, r.baseAddress!, into: $0) }
            }
        }
    }

    // The same three hashes over raw 32-byte buffers, for the store's hot
    // loops: one stack buffer, one one-shot SHA-256, no allocation.

    @inline(__always)
    public static func chainStep(previous: UnsafeRawPointer, leaf: UnsafeRawPointer, into out: UnsafeMutableRawPointer) {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = chainPrefix
            (buffer.baseAddress! + 1).copyMemory(from: previous, byteCount: 32)
            (buffer.baseAddress! + 33).copyMemory(from: leaf, byteCount: 32)
            OneShotSHA256.hash(UnsafeRawBufferPointer(buffer), into: out)
        }
    }

    @inline(__always)
    public static func leafHash(key: UnsafeRawPointer, count: UInt64, last: UInt64, chain: UnsafeRawPointer,
                                into out: UnsafeMutableRawPointer) {
        withUnsafeTemporaryAllocation(byteCount: 81, alignment: 8) { buffer in
            let base = buffer.baseAddress!
            buffer[0] = leafPrefix
            (base + 1).copyMemory(from: key, byteCount: 32)
            (base + 33).storeBytes(of: count.bigEndian, as: UInt64.self)
            (base + 41).storeBytes(of: last.bigEndian, as: UInt64.self)
            (base + 49).copyMemory(from: chain, byteCount: 32)
            OneShotSHA256.hash(UnsafeRawBufferPointer(buffer), into: out)
        }
    }

    @inline(__always)
    public static func innerHash(_ left: UnsafeRawPointer, _ right: UnsafeRawPointer, into out: UnsafeMutableRawPointer) {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = innerPrefix
            (buffer.baseAddress! + 1).copyMemory(from: left, byteCount: 32)
            (buffer.baseAddress! + 33).copyMemory(from: right, byteCount: 32)
            OneShotSHA256.hash(UnsafeRawBufferPointer(buffer), into: out)
        }
    }

    /// Bit `i` of a key (0 = the most significant bit of byte 0).
    @inline(__always)
    public static func bit(_ key: Hash, _ i: Int) -> Int {
        Int(key[i >> 3] >> (7 - UInt8(i & 7))) & 1
    }

    /// The value the entries of one contract reproduce, from their leaf
    /// hashes in seq order with their seqs; nil when there is none (a
    /// contract with no entry is not in the map).
    public static func value(of contract: String, leaves: [(seq: UInt64, leaf: Hash)]) -> ContractIndexLeaf? {
        guard let lastEntry = leaves.last else { return nil }
        var chain = emptyChain
        for entry in leaves { chain = chainStep(chain, leaf: entry.leaf) }
        return ContractIndexLeaf(key: key(contract), count: UInt64(leaves.count), last: lastEntry.seq, chain: chain)
    }

    /// The root of the map holding `leaves` (in any order; keys distinct),
    /// straight from the definition: the reference the store is tested
    /// against, not the way the store computes it.
    public static func root(of leaves: [ContractIndexLeaf]) -> Hash {
        let sorted = leaves.sorted { $0.key < $1.key }
        precondition(zip(sorted, sorted.dropFirst()).allSatisfy { $0.key != $1.key }, "contract index keys must be distinct")
        return subtreeHash(sorted[...], depth: 0)
    }

    /// The hash of the compact subtree at `depth` holding `leaves` (sorted,
    /// distinct keys sharing their first `depth` bits): also what a reader
    /// of the index tiles recomputes a shard's subtree with.
    public static func subtreeHash(_ leaves: ArraySlice<ContractIndexLeaf>, depth: Int) -> Hash {
        switch leaves.count {
        case 0: return emptyRoot
        case 1: return leafHash(leaves.first!)
        default:
            // Sorted keys: those with bit `depth` = 0 come first.
            let split = leaves.firstIndex { bit($0.key, depth) == 1 } ?? leaves.endIndex
            return innerHash(subtreeHash(leaves[..<split], depth: depth + 1),
                             subtreeHash(leaves[split...], depth: depth + 1))
        }
    }

    private static func hashing(_ input: [UInt8]) -> Hash {
        input.withUnsafeBytes { bytes in finalized { OneShotSHA256.hash(bytes, into: $0) } }
    }

    private static func finalized(_ body: (UnsafeMutableRawPointer) -> Void) -> Hash {
        Hash(filling: { body($0.baseAddress!) })
    }
}

/// A leaf of the contract index: a contract's key and its value.
public struct ContractIndexLeaf: Sendable, Equatable {
    public var key: Hash
    /// How many entries the contract has.
    public var count: UInt64
    /// The seq of its last entry.
    public var last: UInt64
    /// The hash chain over its entries' leaf hashes in seq order.
    public var chain: Hash

    public init(key: Hash, count: UInt64, last: UInt64, chain: Hash) {
        self.key = key; self.count = count; self.last = last; self.chain = chain
    }
}
