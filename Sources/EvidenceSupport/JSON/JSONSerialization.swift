/// Compact JSON output. Strings are escaped as RFC 8785 §3.2.2.2 requires
/// (the minimal escaping of RFC 8259) and numbers use the ECMAScript form of
/// RFC 8785 §3.2.2.3, so every byte we write is already canonical except
/// member order, which `JCS` sorts.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func write(_ value: JSONValue, sortedKeys: Bool = false) {
        switch value {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let b): bytes.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): writeNumber(n)
        case .string(let s): writeString(s)
        case .array(let a):
            bytes.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(v, sortedKeys: sortedKeys)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let o):
            bytes.append(UInt8(ascii: "{"))
            if sortedKeys {
                // RFC 8785 §3.2.3: order by the keys' UTF-16 code units.
                let sorted = JCS.sortedMembers(o.members)
                for (i, m) in sorted.enumerated() {
                    if i > 0 { bytes.append(UInt8(ascii: ",")) }
                    writeString(m.key)
                    bytes.append(UInt8(ascii: ":"))
                    write(m.value, sortedKeys: true)
                }
            } else {
                for (i, m) in o.members.enumerated() {
                    if i > 0 { bytes.append(UInt8(ascii: ",")) }
                    writeString(m.key)
                    bytes.append(UInt8(ascii: ":"))
                    write(m.value, sortedKeys: false)
                }
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Appends raw bytes already known to be JSON (e.g. a canonical sub-document).
    public mutating func writeRaw<S: Sequence>(_ raw: S) where S.Element == UInt8 {
        bytes.append(contentsOf: raw)
    }

    public mutating func writeRaw(_ raw: String) { bytes.append(contentsOf: raw.utf8) }

    /// Appends a literal known to be valid JSON text, without String overhead.
    public mutating func writeASCII(_ raw: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: raw.utf8Start, count: raw.utf8CodeUnitCount))
    }

    public mutating func writeString(_ string: String) {
        var s = string
        s.withUTF8 { writeString(utf8: $0) }
    }

    /// The decimal digits of a count (a seq, a tree size).
    public mutating func writeDecimal(_ value: UInt64) { bytes.appendDecimal(value) }

    /// Lowercase hex of `raw` (a digest), unquoted.
    public mutating func writeHex(_ raw: UnsafeBufferPointer<UInt8>) { Hex.append(raw, to: &bytes) }

    /// `writeString` of the string whose UTF-8 (valid) is `utf8`, without making the String.
    public mutating func writeString(utf8: UnsafeBufferPointer<UInt8>) {
        do {
            bytes.append(UInt8(ascii: "\""))
            // Most strings need no escaping: copy them whole.
            var plainUpTo = 0
            // Eight bytes at a time: stop at the word holding a quote, a
            // backslash or a control character (classic SWAR zero-byte tests).
            if let base = utf8.baseAddress {
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                while plainUpTo + 8 <= utf8.count {
                    let v = UnsafeRawPointer(base + plainUpTo).loadUnaligned(as: UInt64.self)
                    let quote = v ^ (ones &* 0x22), backslash = v ^ (ones &* 0x5c)
                    let special = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (v &- ones &* 0x20) & ~v) & highs
                    if special != 0 { break }
                    plainUpTo += 8
                }
            }
            while plainUpTo < utf8.count {
                let c = utf8[plainUpTo]
                if c < 0x20 || c == 0x22 || c == 0x5c { break }
                plainUpTo += 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[0..<plainUpTo]))
            for c in utf8[plainUpTo...] {
                switch c {
                case 0x22: bytes.append(0x5c); bytes.append(0x22)
                case 0x5c: bytes.append(0x5c); bytes.append(0x5c)
                case 0x08: bytes.append(0x5c); bytes.append(UInt8(ascii: "b"))
                case 0x0c: bytes.append(0x5c); bytes.append(UInt8(ascii: "f"))
                case 0x0a: bytes.append(0x5c); bytes.append(UInt8(ascii: "n"))
                case 0x0d: bytes.append(0x5c); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(0x5c); bytes.append(UInt8(ascii: "t"))
                case 0x00..<0x20:
                    bytes.append(contentsOf: "\\u00".utf8)
                    bytes.append(contentsOf: Hex.encode([c]).utf8)
                default: bytes.append(c)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    public mutating func writeNumber(_ n: Double) {
        ECMAScriptNumber.append(n, to: &bytes)
    }
}

extension JSONValue {
    /// Compact JSON with members in their stored order.
    public func serialized() -> [UInt8] {
        var w = JSONWriter()
        w.write(self)
        return w.bytes
    }

    /// Compact JSON text with members in their stored order.
    public var jsonText: String { String(decoding: serialized(), as: UTF8.self) }
}

/// RFC 8785 JSON Canonicalization Scheme.
public enum JCS {
    /// The canonical UTF-8 bytes of `value` (RFC 8785 §3).
    public static func canonical(_ value: JSONValue) -> [UInt8] {
        var w = JSONWriter()
        w.write(value, sortedKeys: true)
        return w.bytes
    }

    /// RFC 8785 §3.2.3 order: UTF-16 code units. For ASCII keys that is
    /// byte order, which is much cheaper to compare.
    static func precedes(_ a: String, _ b: String) -> Bool {
        var ca = a, cb = b
        return ca.withUTF8 { ua in
            cb.withUTF8 { ub in
                let n = min(ua.count, ub.count)
                for i in 0..<n where ua[i] != ub[i] {
                    if ua[i] < 0x80 && ub[i] < 0x80 { return ua[i] < ub[i] }
                    // Past ASCII, UTF-8 order is code point order, which differs
                    // from UTF-16 order for supplementary vs U+E000–U+FFFF.
                    return a.utf16.lexicographicallyPrecedes(b.utf16)
                }
                return ua.count < ub.count
            }
        }
    }

    /// Members in RFC 8785 order. Objects are small: insertion sort beats
    /// the general sort's overhead, and already-sorted input costs one pass.
    static func sortedMembers(_ members: [(key: String, value: JSONValue)]) -> [(key: String, value: JSONValue)] {
        if isSorted(members) { return members }
        if members.count > 16 { return members.sorted { precedes($0.key, $1.key) } }
        var out = members
        for i in 1..<out.count {
            let item = out[i]
            var j = i
            while j > 0 && precedes(item.key, out[j - 1].key) {
                out[j] = out[j - 1]
                j -= 1
            }
            out[j] = item
        }
        return out
    }

    static func isSorted(_ members: [(key: String, value: JSONValue)]) -> Bool {
        var i = 1
        while i < members.count {
            if !precedes(members[i - 1].key, members[i].key) { return false }
            i += 1
        }
        return true
    }

    /// Canonicalizes JSON text: parse (strictly, I-JSON) then serialize.
    public static func canonicalize(_ text: [UInt8]) throws -> [UInt8] {
        canonical(try JSON.parse(text))
    }
}

/// ECMAScript's Number.prototype.toString (ECMA-262 §7.1.12.1), which
/// RFC 8785 §3.2.2.3 adopts for serializing numbers.
public enum ECMAScriptNumber {
    public static func string(_ value: Double) -> String {
        var out: [UInt8] = []
        append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func append(_ value: Double, to out: inout [UInt8]) {
        precondition(value.isFinite, "JSON cannot represent \(value)")
        if value == 0 { out.append(UInt8(ascii: "0")); return }  // also -0
        // Integers below 2^53 print exactly as their digits.
        if abs(value) < 9_007_199_254_740_992, value == value.rounded(.towardZero) {
            out.append(contentsOf: String(Int64(value)).utf8)
            return
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        let (digits, n) = shortestDigits(abs(value))
        let k = digits.count
        if k <= n && n <= 21 {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
        } else if 0 < n && n <= 21 {
            out.append(contentsOf: digits[0..<n])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {
            out.append(contentsOf: "0.".utf8)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
            out.append(contentsOf: digits)
        } else {
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            let e = n - 1
            out.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            out.append(contentsOf: String(abs(e)).utf8)
        }
    }

    /// The shortest decimal digits s and exponent n with value = 0.s × 10^n
    /// that round-trip (Swift's `description` yields exactly those digits).
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], exponent: Int) {
        var description = value.description
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        var pointPosition: Int? = nil
        var exponent = 0
        description.withUTF8 { text in
            var i = 0
            while i < text.count {
                let c = text[i]
                if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                    var sign = 1
                    i += 1
                    if text[i] == UInt8(ascii: "-") { sign = -1; i += 1 } else if text[i] == UInt8(ascii: "+") { i += 1 }
                    while i < text.count { exponent = exponent * 10 + Int(text[i] - 0x30); i += 1 }
                    exponent *= sign
                    break
                }
                if c == UInt8(ascii: ".") { pointPosition = digits.count } else { digits.append(c) }
                i += 1
            }
        }
        var n = (pointPosition ?? digits.count) + exponent
        while let first = digits.first, first == UInt8(ascii: "0"), digits.count > 1 {
            digits.removeFirst()
            n -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0"), digits.count > 1 { digits.removeLast() }
        return (digits, n)
    }
}
