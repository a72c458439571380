import Glibc

/// A strict RFC 8259 parser with the I-JSON (RFC 7493) restrictions that
/// RFC 8785 relies on: valid UTF-8 only, no lone surrogate escapes, no
/// duplicate keys, finite numbers. Errors say what was expected and at
/// which column, so a JSONL reader can prefix `file:line:`.
public enum JSON {
    /// Nesting deeper than this is refused rather than risking the stack.
    public static let maximumDepth = 256

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0) }
    }

    public static func parse(_ string: String) throws -> JSONValue {
        var s = string
        return try s.withUTF8 { try parse(UnsafeRawBufferPointer($0)) }
    }

    public static func parse(_ bytes: ArraySlice<UInt8>) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0) }
    }

    /// The largest integer a double holds exactly, and so the largest an
    /// RFC 8785 (JCS) form reproduces: 2^53 − 1 (I-JSON, RFC 7493 §2.2).
    public static let maximumExactInteger: Double = 9_007_199_254_740_991

    /// Numbers follow `JSONNumberRule` (a number a double does not hold as
    /// written is refused, not rounded), object keys are compared by their
    /// code units (RFC 8259 §4), never as canonically equivalent strings.
    public static func parse(_ buffer: UnsafeRawBufferPointer) throws -> JSONValue {
        if let bad = UTF8Validation.firstInvalidOffset(buffer) {
            throw EvidenceError.input("invalid UTF-8 at byte \(bad + 1)")
        }
        var parser = JSONParser(buffer)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index < parser.end {
            throw parser.error("unexpected \(parser.describeCurrent()) after the JSON value")
        }
        return value
    }
}

struct JSONParser {
    let base: UnsafePointer<UInt8>
    let end: Int
    var index = 0

    init(_ buffer: UnsafeRawBufferPointer) {
        // An empty buffer has no base address; point at a static byte instead.
        base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? JSONParser.emptyBase
        end = buffer.count
    }

    nonisolated(unsafe) private static let emptyBase: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    func error(_ message: String) -> EvidenceError {
        EvidenceError.input("invalid JSON: \(message) (column \(index + 1))")
    }

    func describeCurrent() -> String {
        guard index < end else { return "end of input" }
        let c = base[index]
        if c >= 0x20 && c < 0x7f { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x\(Hex.encode([c]))"
    }

    mutating func skipWhitespace() {
        while index < end {
            switch base[index] {
            case 0x20, 0x09, 0x0a, 0x0d: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard index < end else { throw error("unexpected end of input, expected a value") }
        switch base[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let n = literal.utf8CodeUnitCount
        guard end - index >= n, memcmp(base + index, literal.utf8Start, n) == 0 else {
            throw error("unexpected \(describeCurrent()), expected a value")
        }
        index += n
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        guard depth <= JSON.maximumDepth else { throw error("nesting deeper than \(JSON.maximumDepth)") }
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(8)
        skipWhitespace()
        if index < end && base[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject(uniqueMembers: members))
        }
        var seen: Set<ExactString>? = nil
        while true {
            skipWhitespace()
            guard index < end, base[index] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()), expected a string key")
            }
            let keyStart = index
            let key = try parseString()
            // Linear checks are cheapest for the small objects records are.
            // Keys are equal only byte for byte: "\u00e9" and "e\u0301" are
            // two names (RFC 8259 §8.3), as RFC 8785 libraries hold.
            if members.count < 16 {
                if members.contains(where: { $0.key.sameBytes(as: key) }) {
                    index = keyStart
                    throw error("duplicate key \"\(key)\"")
                }
            } else {
                if seen == nil { seen = Set(members.map(\.key.exact)) }
                if !seen!.insert(key.exact).inserted {
                    index = keyStart
                    throw error("duplicate key \"\(key)\"")
                }
            }
            skipWhitespace()
            guard index < end, base[index] == UInt8(ascii: ":") else {
                throw error("unexpected \(describeCurrent()), expected ':'")
            }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            guard index < end else { throw error("unexpected end of input, expected ',' or '}'") }
            if base[index] == UInt8(ascii: ",") { index += 1; continue }
            if base[index] == UInt8(ascii: "}") { index += 1; break }
            throw error("unexpected \(describeCurrent()), expected ',' or '}'")
        }
        return .object(JSONObject(uniqueMembers: members))
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        guard depth <= JSON.maximumDepth else { throw error("nesting deeper than \(JSON.maximumDepth)") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < end && base[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < end else { throw error("unexpected end of input, expected ',' or ']'") }
            if base[index] == UInt8(ascii: ",") { index += 1; continue }
            if base[index] == UInt8(ascii: "]") { index += 1; break }
            throw error("unexpected \(describeCurrent()), expected ',' or ']'")
        }
        return .array(elements)
    }

    /// Parses a string at `index` (which holds the opening quote). The input
    /// is already known to be valid UTF-8, so unescaped runs are copied as is.
    mutating func parseString() throws -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < end {
            let c = base[index]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
                index += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character 0x\(Hex.encode([c])) in string (must be escaped)") }
            index += 1
        }
        var bytes = [UInt8](UnsafeBufferPointer(start: base + start, count: index - start))
        while index < end {
            let c = base[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: bytes, as: UTF8.self)
            }
            if c < 0x20 { throw error("control character 0x\(Hex.encode([c])) in string (must be escaped)") }
            if c != UInt8(ascii: "\\") {
                bytes.append(c)
                index += 1
                continue
            }
            index += 1
            guard index < end else { break }
            let e = base[index]
            index += 1
            if let byte = JSONEscape.byte(e) {
                bytes.append(byte)
                continue
            }
            switch e {
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard end - index >= 6, base[index] == UInt8(ascii: "\\"), base[index + 1] == UInt8(ascii: "u") else {
                        throw error("lone high surrogate \\u\(String(scalar, radix: 16)) in string")
                    }
                    index += 2
                    let low = try parseHex4()
                    guard low >= 0xDC00 && low <= 0xDFFF else {
                        throw error("high surrogate not followed by a low surrogate in string")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw error("lone low surrogate \\u\(String(scalar, radix: 16)) in string")
                }
                bytes.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default:
                index -= 1
                throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))' in string")
            }
        }
        throw error("unterminated string")
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard end - index >= 4 else { throw error("truncated \\u escape") }
        guard let v = JSONEscape.hex4(base + index) else {
            // The error's column is the first byte that is no hex digit.
            index += (0..<4).first { JSONEscape.hexDigit(base[index + $0]) == nil } ?? 0
            throw error("invalid \\u escape")
        }
        index += 4
        return v
    }

    /// RFC 8259 §6 number grammar; the value is the nearest double (strtod),
    /// refused under `JSONNumberRule` unless it is the number written.
    private mutating func parseNumber() throws -> Double {
        let start = index
        var negative = false
        if base[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        guard index < end, base[index] >= 0x30 && base[index] <= 0x39 else {
            throw error("invalid number: expected a digit")
        }
        var integer: UInt64 = 0
        var digits = 0
        if base[index] == 0x30 {
            index += 1
            if index < end, base[index] >= 0x30 && base[index] <= 0x39 {
                throw error("invalid number: leading zero")
            }
            digits = 1
        } else {
            while index < end, base[index] >= 0x30 && base[index] <= 0x39 {
                if digits < 18 { integer = integer * 10 + UInt64(base[index] - 0x30) }
                digits += 1
                index += 1
            }
        }
        var simple = true
        if index < end, base[index] == UInt8(ascii: ".") {
            simple = false
            index += 1
            guard index < end, base[index] >= 0x30 && base[index] <= 0x39 else {
                throw error("invalid number: expected a digit after '.'")
            }
            while index < end, base[index] >= 0x30 && base[index] <= 0x39 { index += 1 }
        }
        if index < end, base[index] == UInt8(ascii: "e") || base[index] == UInt8(ascii: "E") {
            simple = false
            index += 1
            if index < end, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") { index += 1 }
            guard index < end, base[index] >= 0x30 && base[index] <= 0x39 else {
                throw error("invalid number: expected a digit in the exponent")
            }
            while index < end, base[index] >= 0x30 && base[index] <= 0x39 { index += 1 }
        }
        // Integers below 2^53 convert exactly; everything else goes through strtod.
        if simple && digits <= 15 {
            let value = Double(integer)
            return negative ? -value : value
        }
        let length = index - start
        let value: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for i in 0..<length { buffer[i] = CChar(bitPattern: base[start + i]) }
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        if let refusal = JSONNumberRule.refusal(UnsafeBufferPointer(start: base + start, count: length), value: value, integer: simple) {
            index = start
            throw EvidenceError.input("\(refusal) (column \(index + 1))")
        }
        return value
    }
}

/// UTF-8 validation (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
public enum UTF8Validation {
    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    public static func firstInvalidOffset(_ buffer: UnsafeRawBufferPointer) -> Int? {
        let n = buffer.count
        guard n > 0 else { return nil }
        let p = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var i = 0
        while i < n {
            // Eight ASCII bytes at a time.
            if i + 8 <= n {
                let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
            }
            let c = p[i]
            if c < 0x80 { i += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return i
            }
            guard i + length <= n else { return i }
            let second = p[i + 1]
            guard second >= lower && second <= upper else { return i }
            for k in 2..<max(2, length) where p[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }

    public static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { firstInvalidOffset($0) == nil }
    }
}

/// The two-character escapes of RFC 8259 §7 (`\n`, `\"`, …): the byte each
/// stands for; nil for `\u` (four hex digits follow) and for anything else.
enum JSONEscape {
    static func byte(_ escaped: UInt8) -> UInt8? {
        switch escaped {
        case UInt8(ascii: "\""): 0x22
        case UInt8(ascii: "\\"): 0x5c
        case UInt8(ascii: "/"): 0x2f
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0c
        case UInt8(ascii: "n"): 0x0a
        case UInt8(ascii: "r"): 0x0d
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }

    /// The value of the four hex digits (either case) of a `\uXXXX` escape
    /// at `digits`, which must have four bytes; nil if one is no hex digit.
    static func hex4(_ digits: UnsafePointer<UInt8>) -> UInt32? {
        var v: UInt32 = 0
        for i in 0..<4 {
            guard let d = hexDigit(digits[i]) else { return nil }
            v = v << 4 | d
        }
        return v
    }

    static func hexDigit(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: UInt32(c - 0x30)
        case 0x61...0x66: UInt32(c - 0x61 + 10)
        case 0x41...0x46: UInt32(c - 0x41 + 10)
        default: nil
        }
    }
}
