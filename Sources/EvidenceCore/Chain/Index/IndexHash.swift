import EvidenceLog

/// A 32-byte hash held inline (four words in byte order), for the contract
/// index store's hot loops, written when `Hash` still held a heap array.
/// `Hash` is inline now too; the store keeps its own type (with the bit and
/// hashing helpers it needs) until the two are made one.
struct IndexHash: Equatable {
    var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    static let zero = IndexHash()

    init() {}

    init(_ hash: Hash) {
        self.init()
        hash.withUnsafeBytes { copy(from: $0.baseAddress!) }
    }

    init(at pointer: UnsafeRawPointer) {
        self.init()
        copy(from: pointer)
    }

    private mutating func copy(from pointer: UnsafeRawPointer) {
        withUnsafeMutableBytes(of: &self) { $0.baseAddress!.copyMemory(from: pointer, byteCount: 32) }
    }

    var hash: Hash { withUnsafeBytes(of: self) { Hash($0)! } }

    /// Bit `i`, 0 the most significant bit of byte 0 (INDEX-SPEC §1).
    @inline(__always)
    func bit(_ i: Int) -> Int {
        let word: UInt64
        switch i >> 6 {
        case 0: word = w0
        case 1: word = w1
        case 2: word = w2
        default: word = w3
        }
        return Int(truncatingIfNeeded: UInt64(bigEndian: word) >> UInt64(63 - (i & 63))) & 1
    }

    /// Byte order, as the keys' bits are read.
    @inline(__always)
    static func < (a: IndexHash, b: IndexHash) -> Bool {
        if a.w0 != b.w0 { return UInt64(bigEndian: a.w0) < UInt64(bigEndian: b.w0) }
        if a.w1 != b.w1 { return UInt64(bigEndian: a.w1) < UInt64(bigEndian: b.w1) }
        if a.w2 != b.w2 { return UInt64(bigEndian: a.w2) < UInt64(bigEndian: b.w2) }
        return UInt64(bigEndian: a.w3) < UInt64(bigEndian: b.w3)
    }

    @inline(__always)
    func withPointer<R>(_ body: (UnsafeRawPointer) -> R) -> R {
        withUnsafeBytes(of: self) { body($0.baseAddress!) }
    }

    /// SHA-256(0x13 || a || b).
    @inline(__always)
    static func inner(_ a: IndexHash, _ b: IndexHash) -> IndexHash {
        var out = IndexHash()
        a.withPointer { pa in
            b.withPointer { pb in
                withUnsafeMutableBytes(of: &out) { ContractIndex.innerHash(pa, pb, into: $0.baseAddress!) }
            }
        }
        return out
    }

    /// SHA-256(0x11 || self || leaf).
    @inline(__always)
    func chainStep(_ leaf: UnsafeRawPointer) -> IndexHash {
        var out = IndexHash()
        withPointer { p in withUnsafeMutableBytes(of: &out) { ContractIndex.chainStep(previous: p, leaf: leaf, into: $0.baseAddress!) } }
        return out
    }
}

/// A contract's value in the store's inline form.
struct IndexValue {
    var key: IndexHash
    var count: UInt64
    var last: UInt64
    var chain: IndexHash

    init(key: IndexHash, count: UInt64, last: UInt64, chain: IndexHash) {
        self.key = key; self.count = count; self.last = last; self.chain = chain
    }

    init(_ leaf: ContractIndexLeaf) {
        self.init(key: IndexHash(leaf.key), count: leaf.count, last: leaf.last, chain: IndexHash(leaf.chain))
    }

    var leaf: ContractIndexLeaf { ContractIndexLeaf(key: key.hash, count: count, last: last, chain: chain.hash) }

    /// SHA-256(0x12 || key || count || last || chain).
    var hash: IndexHash {
        var out = IndexHash()
        key.withPointer { k in
            chain.withPointer { c in
                withUnsafeMutableBytes(of: &out) {
                    ContractIndex.leafHash(key: k, count: count, last: last, chain: c, into: $0.baseAddress!)
                }
            }
        }
        return out
    }
}

extension IndexHash: Hashable {
    func hash(into hasher: inout Hasher) { hasher.combine(w0); hasher.combine(w1) }
}

extension IndexValue {
    /// The root of the map holding `values` (sorted by key, keys distinct),
    /// computed without the store: what an audit compares the store with.
    static func root(sorted values: [IndexValue]) -> IndexHash {
        func subtree(_ range: Range<Int>, _ depth: Int) -> IndexHash {
            switch range.count {
            case 0: return .zero
            case 1: return values[range.lowerBound].hash
            default:
                var low = range.lowerBound, high = range.upperBound
                while low < high {
                    let mid = (low + high) / 2
                    if values[mid].key.bit(depth) == 0 { low = mid + 1 } else { high = mid }
                }
                return IndexHash.inner(subtree(range.lowerBound ..< low, depth + 1), subtree(low ..< range.upperBound, depth + 1))
            }
        }
        return subtree(0 ..< values.count, 0)
    }
}
