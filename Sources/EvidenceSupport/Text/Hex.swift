/// Lowercase hexadecimal, as DESIGN.md requires for digests.
public enum Hex {

    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        // Contiguous bytes (arrays, slices: every caller on a hot path) are
        // written straight into the string's storage.
        if let s = bytes.withContiguousStorageIfAvailable({ encode(contiguous: $0) }) { return s }
        return encode(contiguous: UnsafeBufferPointer(start: nil, count: 0), rest: Array(bytes))
    }

    private static func encode(contiguous bytes: UnsafeBufferPointer<UInt8>, rest: [UInt8] = []) -> String {
        if !rest.isEmpty { return rest.withUnsafeBufferPointer { encode(contiguous: $0) } }
        let table: StaticString = "0123456789abcdef"
        let d = table.utf8Start
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (i, b) in bytes.enumerated() {
                out[2 * i] = d[Int(b >> 4)]
                out[2 * i + 1] = d[Int(b & 0x0f)]
            }
            return bytes.count * 2
        }
    }

    /// Decodes lowercase or uppercase hex; nil on odd length or a non-hex digit.
    public static func decode(_ string: String) -> [UInt8]? {
        let utf8 = Array(string.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = value(utf8[i]), let lo = value(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// True for a string of exactly `byteCount * 2` lowercase hex digits.
    public static func isLowercase(_ string: String, byteCount: Int) -> Bool {
        // Over the contiguous UTF-8 (every native string): no iterator per
        // byte, for the digest of every appended record.
        var s = string
        return s.withUTF8 { utf8 in
            utf8.count == byteCount * 2 && utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
        }
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
