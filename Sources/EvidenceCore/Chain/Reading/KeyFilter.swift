/// A blocked Bloom filter of lookup keys: whether a run may hold a key, in
/// one cache line, so that a lookup skips the runs that do not (as an LSM
/// tree's reads skip its tables). Ten bits a key and seven probes: about
/// one key in a hundred that is absent is still looked for. Never wrong
/// the other way: a key inserted is always reported.
///
/// Keys are the first 8 bytes of SHA-256, uniform already: the block comes
/// from their high half, the probes from their low half multiplied by an
/// odd constant.
struct KeyFilter: Sendable {
    private var words: [UInt64]
    private let blocks: UInt64

    static let bitsPerKey = 10
    private static let wordsPerBlock = 8   // 512 bits: one cache line
    private static let probes = 7

    init(capacity: Int) {
        let bits = max(capacity, 1) * Self.bitsPerKey
        blocks = UInt64((bits + 511) / 512)
        words = [UInt64](repeating: 0, count: Int(blocks) * Self.wordsPerBlock)
    }

    /// Bytes the filter of `capacity` keys takes.
    static func size(capacity: Int) -> Int { (max(capacity, 1) * bitsPerKey + 511) / 512 * 64 }

    mutating func insert(_ key: UInt64) {
        let base = block(key)
        var h = key &* 0x9E37_79B9_7F4A_7C15
        for _ in 0..<Self.probes {
            let bit = Int(h & 511)
            words[base + bit >> 6] |= 1 << UInt64(bit & 63)
            h >>= 9
        }
    }

    func mayContain(_ key: UInt64) -> Bool {
        let base = block(key)
        var h = key &* 0x9E37_79B9_7F4A_7C15
        for _ in 0..<Self.probes {
            let bit = Int(h & 511)
            if words[base + bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
            h >>= 9
        }
        return true
    }

    private func block(_ key: UInt64) -> Int {
        Int(((key >> 32) &* blocks) >> 32) * Self.wordsPerBlock
    }
}
