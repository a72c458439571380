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
}

extension Hex {
    /// Appends the lowercase hex of `bytes` to `out`.
    public static func append(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        let d = digits.utf8Start
        for b in bytes {
            out.append(d[Int(b >> 4)])
            out.append(d[Int(b & 0x0f)])
        }
    }
}
