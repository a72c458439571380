/// A blocked Bloom filter (one 64-byte block per key, so one cache miss per
/// lookup) over 64-bit fingerprints, uniform already (hash prefixes), in a
/// fixed number of bytes: more keys than it was sized for raise its false
/// positives (a read of a run or a spill file, never a wrong answer), not
/// its memory. A key inserted is always reported. The id table's spilled
/// ids (evhash, evverify) and the lookup runs' keys (`LookupBuckets`).
struct BloomFilter: Sendable {
    private var words: [UInt64]
    private let blockMask: Int

    /// At most `bytes` (a power of two of 64-byte blocks, at least one).
    init(bytes: Int) {
        self.init(blocks: Self.blocks(atMost: bytes))
    }

    /// Room for `keys` keys at `bitsPerKey` bits each or more.
    init(keys: Int, bitsPerKey: Int) {
        self.init(blocks: Self.blocks(atLeast: keys * bitsPerKey / 8))
    }

    private init(blocks: Int) {
        words = Array(repeating: 0, count: blocks * 8)
        blockMask = blocks - 1
    }

    /// The bytes `init(keys:bitsPerKey:)` takes.
    static func byteCount(keys: Int, bitsPerKey: Int) -> Int { blocks(atLeast: keys * bitsPerKey / 8) * 64 }

    private static func blocks(atMost bytes: Int) -> Int {
        var blocks = 1
        while blocks * 2 * 64 <= max(bytes, 64) { blocks *= 2 }
        return blocks
    }

    private static func blocks(atLeast bytes: Int) -> Int {
        var blocks = 1
        while blocks * 64 < bytes { blocks *= 2 }
        return blocks
    }

    /// The block from the fingerprint's high bits, six bits within it from
    /// its low bits (a second hash derived from the first). The words are
    /// changed in place: a closure over `words` would make the array shared
    /// for the call and copy all of it for each key.
    mutating func insert(_ fingerprint: UInt64) {
        let block = Int(truncatingIfNeeded: fingerprint >> 40) & blockMask
        var h = fingerprint
        words.withUnsafeMutableBufferPointer { words in
            for _ in 0 ..< 6 {
                h = h &* 0x9E37_79B9_7F4A_7C15 &+ 0x632B_E59B_D9B4_E019
                let bit = Int(h >> 55)       // 0 ..< 512
                words[block * 8 + bit >> 6] |= 1 << UInt64(bit & 63)
            }
        }
    }

    func mayContain(_ fingerprint: UInt64) -> Bool {
        let block = Int(truncatingIfNeeded: fingerprint >> 40) & blockMask
        var h = fingerprint
        return words.withUnsafeBufferPointer { words in
            for _ in 0 ..< 6 {
                h = h &* 0x9E37_79B9_7F4A_7C15 &+ 0x632B_E59B_D9B4_E019
                let bit = Int(h >> 55)
                if words[block * 8 + bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
            }
            return true
        }
    }
}
