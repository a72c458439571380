/// Appending text to byte buffers by memcpy: `bytes += string.utf8` goes
/// through the generic sequence path, a measurable cost in the append loop.
extension Array where Element == UInt8 {
    @inlinable
    public mutating func appendUTF8(_ literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    @inlinable
    public mutating func appendUTF8(_ string: String) {
        var s = string
        s.withUTF8 { append(contentsOf: $0) }
    }

    /// The decimal digits of `value` (what `String(value)` spells), without making the String.
    @inlinable
    public mutating func appendDecimal(_ value: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 20 digits at most
        Swift.withUnsafeMutableBytes(of: &digits) { buffer in
            var v = value, i = 24
            repeat {
                i -= 1
                buffer[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
            } while v > 0
            append(contentsOf: UnsafeMutableRawBufferPointer(rebasing: buffer[i...]))
        }
    }
}

extension Hex {
    /// Appends the lowercase hex of `bytes` to `out`.
    public static func append(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        let d = digits.utf8Start
        // Written in place past the end: two appends per byte, each with
        // its capacity check, cost more than the conversion.
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bytes.count * 2))
        out.withUnsafeMutableBufferPointer { o in
            for (i, b) in bytes.enumerated() {
                o[start + 2 * i] = d[Int(b >> 4)]
                o[start + 2 * i + 1] = d[Int(b & 0x0f)]
            }
        }
    }
}
