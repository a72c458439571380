/// SplitMix64 (Steele, Lea & Flood 2014): a tiny generator whose whole state
/// is one word, so an iteration is reproducible from the seed alone.
public struct FuzzRandom: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Deterministic structure-blind mutations of valid inputs, aimed at what
/// parsers get wrong: bit flips, inserted or deleted bytes, truncation,
/// duplicated or spliced chunks, boundary numbers, deep nesting, huge
/// values, invalid UTF-8 and control characters. Shared by the in-process
/// parser targets (EvidenceCoreTests/Fuzz) and the tools' stdin fuzz (ToolTests).
public struct FuzzMutator {
    public var random: FuzzRandom

    public init(seed: UInt64) { random = FuzzRandom(seed: seed) }

    /// One to four mutations of a randomly chosen seed.
    public mutating func mutant(of seeds: [[UInt8]]) -> [UInt8] {
        var bytes = seeds[int(seeds.count)]
        for _ in 0...int(4) { bytes = mutate(bytes, seeds: seeds) }
        return bytes
    }

    mutating func int(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(random.next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    /// Mostly printable ASCII, so that more mutants get past UTF-8 validation.
    mutating func anyByte() -> UInt8 { chance(80) ? UInt8(0x20 + int(0x5f)) : UInt8(truncatingIfNeeded: random.next()) }
    mutating func pick<T>(_ choices: [T]) -> T { choices[int(choices.count)] }

    mutating func mutate(_ input: [UInt8], seeds: [[UInt8]]) -> [UInt8] {
        var b = input
        let at = int(b.count + 1)
        switch int(14) {
        case 0 where !b.isEmpty:  // flip one bit (the top one less often: that is invalid UTF-8 mostly)
            let i = int(b.count)
            b[i] ^= 1 << UInt8(chance(15) ? 7 : int(7))
        case 1 where !b.isEmpty:  // overwrite one byte
            b[int(b.count)] = anyByte()
        case 2:  // insert random bytes
            b.insert(contentsOf: (0..<1 + int(8)).map { _ in anyByte() }, at: at)
        case 3 where !b.isEmpty:  // delete a range
            let start = int(b.count)
            b.removeSubrange(start..<min(b.count, start + 1 + int(16)))
        case 4:  // truncate
            b.removeSubrange(at...)
        case 5 where !b.isEmpty:  // duplicate a chunk somewhere
            let start = int(b.count)
            let chunk = b[start..<min(b.count, start + 1 + int(64))]
            b.insert(contentsOf: chunk, at: int(b.count + 1))
        case 6:  // splice: our head, another seed's tail
            let other = pick(seeds)
            b = Array(b[..<at]) + Array(other[int(other.count + 1)...])
        case 7:  // a boundary number in place of a run of digits
            b = replaceNumber(b)
        case 8:  // a token that means something to one of the formats
            b.insert(contentsOf: Array(pick(Self.tokens).utf8), at: at)
        case 9:  // deep nesting
            let opener = pick(["[", "{\"a\":", "[{\"k\":"])
            b.insert(contentsOf: Array(String(repeating: opener, count: pick([64, 255, 256, 257, 1000])).utf8), at: at)
        case 10:  // a huge value
            let n = chance(10) ? 70_000 : 1 + int(3000)
            b.insert(contentsOf: [UInt8](repeating: pick(Array("a9 \"\\/=+".utf8)), count: n), at: at)
        case 11:  // invalid UTF-8
            b.insert(contentsOf: pick(Self.invalidUTF8), at: at)
        case 12:  // a control character (NUL, CR, DEL, …)
            b.insert(pick(Array(0...0x1f) + [0x7f]), at: at)
        default:  // swap two lines
            var lines = b.split(separator: 0x0a, omittingEmptySubsequences: false)
            if lines.count > 1 {
                lines.swapAt(int(lines.count), int(lines.count))
                b = Array(lines.joined(separator: [0x0a]))
            } else {
                b.append(0x0a)
            }
        }
        return b
    }

    private mutating func replaceNumber(_ b: [UInt8]) -> [UInt8] {
        var runs: [Range<Int>] = []
        var i = 0
        while i < b.count {
            guard b[i] >= 0x30 && b[i] <= 0x39 else { i += 1; continue }
            let start = i
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            runs.append(start..<i)
        }
        let number = Array(pick(Self.boundaryNumbers).utf8)
        guard !runs.isEmpty else { return b + number }
        var out = b
        out.replaceSubrange(pick(runs), with: number)
        return out
    }

    static let boundaryNumbers = [
        "0", "-0", "-1", "1", "00", "01", "1.5", "1e2", "1E+2", "-1e-400", "1e308", "1e309", "-1e309",
        "255", "256", "65535", "65536", "2147483647", "2147483648", "4294967295", "4294967296",
        "9007199254740991", "9007199254740992", "9007199254740993", "9223372036854775807",
        "9223372036854775808", "18446744073709551615", "18446744073709551616",
        "123456789012345678901234567890123456789", "0.1e1", "1.", ".5", "+1", "0x10", "NaN", "Infinity",
        // Spellings a double rounds, which the number rule refuses.
        "9007199254740993.0", "9.007199254740993e15", "9007199254740992.0", "0.10000000000000001", "1e20", "2.5e-324",
    ]

    static let tokens = [
        "\"", "\\", "\\u0000", "\\ud800", "\\udc00", "\\ud800\\u0041", "\\u00e9", "e\\u0301", "\\u212a", "\\x41", "{}", "[]", "null",
        "true", ",", ":", "\n", "\r\n", "\n\n", "\u{2014} ", "\u{2014}", "+", "=", "==", "PRIVATE+KEY+",
        "{\"end\":{}}", "\"end\":", "\"sha256\":\"\"", "\"seq\":-1", "\"id\":\"\"", "证据", "\u{feff}",
        "\u{2028}", " ", "\t", "{\"a\":1,\"a\":2}", "\"\":0",
    ]

    static let invalidUTF8: [[UInt8]] = [
        [0xff], [0xfe], [0x80], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe4, 0xb8], [0xf0, 0x9f, 0x98],
    ]
}
