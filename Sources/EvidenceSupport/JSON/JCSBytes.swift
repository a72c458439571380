import Glibc

/// RFC 8785 (JCS) straight from JSON text to canonical bytes, with no
/// `JSONValue` in between: the fast path for the records every tool hashes.
///
/// It is as strict as `JSON.parse` (I-JSON: valid UTF-8, no lone
/// surrogates, no duplicate keys compared byte for byte, numbers under
/// `JSONNumberRule`, the same depth limit), but it says nothing
/// about what is wrong: it either succeeds, with exactly the bytes of
/// `JCS.canonical(JSON.parse(text))`, or declines, and the caller takes the
/// general path, which produces the result or the located error message.
/// A differential test on generated documents holds the two paths equal.
public enum JCSBytes {
    /// The canonical form of the one JSON value in `text` (whitespace around
    /// it allowed), or nil where `JSON.parse` would refuse it or where this
    /// path declines.
    public static func canonical(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        return canonical(text, into: &out) ? out : nil
    }

    public static func canonical(_ text: [UInt8]) -> [UInt8]? {
        text.withUnsafeBytes { canonical($0) }
    }

    /// Appends the canonical form of the value in `text` to `out`; false
    /// (with `out` in an unspecified state) where `canonical` gives nil.
    public static func canonical(_ text: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        guard UTF8Validation.firstInvalidOffset(text) == nil else { return false }
        var scanner = JCSScanner(text)
        scanner.skipWhitespace()
        guard scanner.value(depth: 0, into: &out) else { return false }
        scanner.skipWhitespace()
        return scanner.index == scanner.end
    }
}

/// The scanner behind `JCSBytes`. Its input must already be valid UTF-8.
/// Every method returns false where `JSONParser` would throw (or where
/// it declines), leaving `index` wherever it stopped.
package struct JCSScanner {
    package let base: UnsafePointer<UInt8>
    package let end: Int
    package var index = 0
    /// Members of the objects being canonicalized, innermost last: one
    /// array for the whole document instead of one per object.
    private var members: [Member] = []
    /// Where an object's members are put in order before replacing it.
    private var spare: [UInt8] = []

    /// One member already written to the output: its bytes there, and its
    /// key's bytes there (between the quotes, as canonically escaped).
    private struct Member {
        var start: Int
        var keyEnd: Int
        var end: Int
        var keyEscaped: Bool
    }

    package init(_ buffer: UnsafeRawBufferPointer) {
        base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? JCSScanner.emptyBase
        end = buffer.count
    }

    nonisolated(unsafe) private static let emptyBase: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    package mutating func skipWhitespace() {
        while index < end {
            switch base[index] {
            case 0x20, 0x09, 0x0a, 0x0d: index += 1
            default: return
            }
        }
    }

    /// Walks a whole text that is one JSON object, member by member: `key`
    /// is called with the scanner on a key's opening quote and must read the
    /// key; `value` is called on the first byte of its value and must read
    /// it. False when either declines, or the text is not one object with
    /// nothing but white space around it.
    package mutating func topLevelObject(key: (inout JCSScanner) -> Bool,
                                         value: (inout JCSScanner) -> Bool) -> Bool {
        skipWhitespace()
        guard index < end, base[index] == UInt8(ascii: "{") else { return false }
        index += 1
        skipWhitespace()
        if index < end && base[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                guard index < end, base[index] == UInt8(ascii: "\""), key(&self) else { return false }
                skipWhitespace()
                guard index < end, base[index] == UInt8(ascii: ":") else { return false }
                index += 1
                skipWhitespace()
                guard index < end, value(&self) else { return false }
                skipWhitespace()
                guard index < end else { return false }
                if base[index] == UInt8(ascii: ",") { index += 1; continue }
                if base[index] == UInt8(ascii: "}") { index += 1; break }
                return false
            }
        }
        skipWhitespace()
        return index == end
    }

    /// Canonicalizes the value at `index` (depth counted as `JSONParser` does).
    package mutating func value(depth: Int, into out: inout [UInt8]) -> Bool {
        guard index < end else { return false }
        switch base[index] {
        case UInt8(ascii: "{"): return object(depth: depth + 1, into: &out)
        case UInt8(ascii: "["): return array(depth: depth + 1, into: &out)
        case UInt8(ascii: "\""): return string(into: &out) != nil
        case UInt8(ascii: "t"): return literal("true", into: &out)
        case UInt8(ascii: "f"): return literal("false", into: &out)
        case UInt8(ascii: "n"): return literal("null", into: &out)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number(into: &out)
        default: return false
        }
    }

    private mutating func literal(_ literal: StaticString, into out: inout [UInt8]) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard end - index >= n, memcmp(base + index, literal.utf8Start, n) == 0 else { return false }
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: n))
        index += n
        return true
    }

    private mutating func array(depth: Int, into out: inout [UInt8]) -> Bool {
        guard depth <= JSON.maximumDepth else { return false }
        index += 1
        out.append(UInt8(ascii: "["))
        skipWhitespace()
        if index < end && base[index] == UInt8(ascii: "]") {
            index += 1
            out.append(UInt8(ascii: "]"))
            return true
        }
        while true {
            skipWhitespace()
            guard value(depth: depth, into: &out) else { return false }
            skipWhitespace()
            guard index < end else { return false }
            if base[index] == UInt8(ascii: ",") { index += 1; out.append(UInt8(ascii: ",")); continue }
            if base[index] == UInt8(ascii: "]") { index += 1; out.append(UInt8(ascii: "]")); return true }
            return false
        }
    }

    /// Writes the members in input order, then puts them in RFC 8785 §3.2.3
    /// order (UTF-16 code units of the keys) if they are not already;
    /// equal neighbours after sorting are duplicate keys.
    private mutating func object(depth: Int, into out: inout [UInt8]) -> Bool {
        guard depth <= JSON.maximumDepth else { return false }
        index += 1
        out.append(UInt8(ascii: "{"))
        skipWhitespace()
        if index < end && base[index] == UInt8(ascii: "}") {
            index += 1
            out.append(UInt8(ascii: "}"))
            return true
        }
        let first = members.count
        let objectStart = out.count
        var sorted = true
        while true {
            skipWhitespace()
            guard index < end, base[index] == UInt8(ascii: "\"") else { return false }
            let start = out.count
            guard let keyEscaped = string(into: &out) else { return false }
            let keyEnd = out.count
            skipWhitespace()
            guard index < end, base[index] == UInt8(ascii: ":") else { return false }
            index += 1
            out.append(UInt8(ascii: ":"))
            skipWhitespace()
            guard value(depth: depth, into: &out) else { return false }
            let member = Member(start: start, keyEnd: keyEnd, end: out.count, keyEscaped: keyEscaped)
            if sorted && members.count > first {
                let previous = members[members.count - 1]
                let order = out.withUnsafeBufferPointer { compareKeys(previous, member, in: $0) }
                if order == 0 { return false }
                if order > 0 { sorted = false }
            }
            members.append(member)
            skipWhitespace()
            guard index < end else { return false }
            if base[index] == UInt8(ascii: ",") { index += 1; out.append(UInt8(ascii: ",")); continue }
            if base[index] == UInt8(ascii: "}") { index += 1; break }
            return false
        }
        defer { members.removeSubrange(first...) }
        if !sorted {
            let ok = out.withUnsafeBufferPointer { written -> Bool in
                // Insertion sort: objects are small and mostly nearly sorted.
                var i = first + 1
                while i < members.count {
                    let item = members[i]
                    var j = i
                    while j > first {
                        let order = compareKeys(members[j - 1], item, in: written)
                        // Sorted below j: an equal key would be met before a smaller one.
                        if order == 0 { return false }
                        if order < 0 { break }
                        members[j] = members[j - 1]
                        j -= 1
                    }
                    members[j] = item
                    i += 1
                }
                // The object's members in their new order.
                spare.removeAll(keepingCapacity: true)
                for k in first ..< members.count {
                    if k > first { spare.append(UInt8(ascii: ",")) }
                    spare.append(contentsOf: UnsafeBufferPointer(rebasing: written[members[k].start ..< members[k].end]))
                }
                return true
            }
            guard ok else { return false }
            out.removeLast(out.count - objectStart)
            out.append(contentsOf: spare)
        }
        out.append(UInt8(ascii: "}"))
        return true
    }

    /// Compares two keys by their UTF-16 code units: < 0, 0 (equal), > 0.
    private func compareKeys(_ a: Member, _ b: Member, in out: UnsafeBufferPointer<UInt8>) -> Int {
        // Key bytes in the output, between the quotes.
        let ra = (a.start + 1) ..< (a.keyEnd - 1), rb = (b.start + 1) ..< (b.keyEnd - 1)
        if a.keyEscaped || b.keyEscaped {
            let ka = JCSScanner.unescape(out[ra]), kb = JCSScanner.unescape(out[rb])
            return ka.withUnsafeBufferPointer { pa in kb.withUnsafeBufferPointer { pb in JCSScanner.compareUTF16(pa, pb) } }
        }
        return JCSScanner.compareUTF16(UnsafeBufferPointer(rebasing: out[ra]), UnsafeBufferPointer(rebasing: out[rb]))
    }

    /// UTF-16 order of two UTF-8 strings. UTF-8 byte order is code point
    /// order, which is UTF-16 order except for U+E000–U+FFFF against
    /// supplementary characters (whose UTF-16 surrogates sort lower).
    static func compareUTF16(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        var i = 0, j = 0
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x != y {
                // Lead bytes of U+E000–U+FFFF are 0xEE–0xEF, of U+10000 and up
                // 0xF0–0xF4; anything else keeps byte order.
                let xs = x >= 0xF0, ys = y >= 0xF0, xe = x >= 0xEE && x <= 0xEF, ye = y >= 0xEE && y <= 0xEF
                if xs && ye { return -1 }
                if xe && ys { return 1 }
                return x < y ? -1 : 1
            }
            i += 1
            j += 1
        }
        let na = a.count - i, nb = b.count - j
        return na == nb ? 0 : (na < nb ? -1 : 1)
    }

    /// The UTF-8 bytes of a key from its canonical escaped form.
    static func unescape(_ escaped: Slice<UnsafeBufferPointer<UInt8>>) -> [UInt8] {
        var bytes: [UInt8] = []
        var i = escaped.startIndex
        while i < escaped.endIndex {
            let c = escaped[i]
            i += 1
            guard c == UInt8(ascii: "\\") else { bytes.append(c); continue }
            let e = escaped[i]
            i += 1
            if let byte = JSONEscape.byte(e) {
                bytes.append(byte)
            } else {
                // Only \u00XX, for the other control characters.
                bytes.append(hexValue(escaped[i + 2]) << 4 | hexValue(escaped[i + 3]))
                i += 4
            }
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8 {
        c <= 0x39 ? c - 0x30 : c - 0x61 + 10
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Steps over the string at `index` (its opening quote) when its text is
    /// its own canonical form: no escape, no control character. False
    /// otherwise (`index` wherever it stopped), for the caller to decline;
    /// evhash's inline fast path takes such strings as they are in the line.
    package mutating func skipPlainString() -> Bool {
        index += 1
        while index < end {
            let c = base[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                return true
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { return false }
            index += 1
        }
        return false
    }

    /// Writes the string at `index` (its opening quote) canonically escaped,
    /// quotes included (RFC 8785 §3.2.2.2). Returns whether the output holds
    /// an escape, or nil where the parser would refuse the string.
    package mutating func string(into out: inout [UInt8]) -> Bool? {
        let quote = index
        index += 1
        // Most strings hold no escape: their text, quotes included, is
        // their canonical form, copied in one go.
        while index < end {
            let c = base[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                out.append(contentsOf: UnsafeBufferPointer(start: base + quote, count: index - quote))
                return false
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { break }
            index += 1
        }
        out.append(UInt8(ascii: "\""))
        var escaped = false
        var runStart = quote + 1
        while index < end {
            let c = base[index]
            if c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") && c >= 0x20 {
                index += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
            if c == UInt8(ascii: "\"") {
                index += 1
                out.append(UInt8(ascii: "\""))
                return escaped
            }
            guard c == UInt8(ascii: "\\"), end - index >= 2 else { return nil }
            let e = base[index + 1]
            index += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                out.append(UInt8(ascii: "\\"))
                out.append(e)
                escaped = true
            case UInt8(ascii: "/"):
                out.append(e)
            case UInt8(ascii: "u"):
                guard var scalar = hex4() else { return nil }
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard end - index >= 6, base[index] == UInt8(ascii: "\\"), base[index + 1] == UInt8(ascii: "u") else {
                        return nil
                    }
                    index += 2
                    guard let low = hex4(), low >= 0xDC00 && low <= 0xDFFF else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    return nil
                }
                if scalar < 0x20 || scalar == 0x22 || scalar == 0x5c {
                    escaped = true
                    JCSScanner.appendEscaped(UInt8(scalar), to: &out)
                } else {
                    JCSScanner.appendUTF8(scalar, to: &out)
                }
            default:
                return nil
            }
            runStart = index
        }
        return nil
    }

    /// The minimal escape RFC 8785 §3.2.2.2 prescribes for a control
    /// character, a quote or a backslash.
    static func appendEscaped(_ c: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch c {
        case 0x22, 0x5c: out.append(c)
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0c: out.append(UInt8(ascii: "f"))
        case 0x0a: out.append(UInt8(ascii: "n"))
        case 0x0d: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                    hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xf)]])
        }
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            out.append(UInt8(scalar))
        case ..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    private mutating func hex4() -> UInt32? {
        guard end - index >= 4, let v = JSONEscape.hex4(base + index) else { return nil }
        index += 4
        return v
    }

    /// A decimal fraction without exponent and with at most 15 significant
    /// digits (amounts such as 182907.89) written without strtod and the
    /// shortest-digits search: 15 digits survive the round trip through a
    /// double (DBL_DIG), so no shorter or other 15-digit decimal names the
    /// same double, and the shortest form is the literal's own significant
    /// digits. Written as ECMAScript does for exponents from -6 to 21
    /// (ECMA-262 §7.1.12.1 steps 6–8); false for anything else.
    private func appendShortDecimal(_ start: Int, into out: inout [UInt8]) -> Bool {
        var i = start
        let negative = base[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        // Significant digits of the literal (leading and trailing zeros
        // dropped) and n, the position of the decimal point after the first.
        var firstSignificant = -1, lastSignificant = -1, pointAt = -1
        var position = 0                      // digits seen, point excluded
        var scan = i
        while scan < index {
            let c = base[scan]
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { return false }
            if c == UInt8(ascii: ".") { pointAt = position; scan += 1; continue }
            if c != 0x30 {
                if firstSignificant < 0 { firstSignificant = position }
                lastSignificant = position
            }
            position += 1
            scan += 1
        }
        guard pointAt >= 0 else { return false }
        if firstSignificant < 0 { out.append(0x30); return true }   // 0.000 and -0.0 are 0
        let k = lastSignificant - firstSignificant + 1
        guard k <= 15 else { return false }
        let n = pointAt - firstSignificant
        guard n > -6 && n <= 21 else { return false }
        // A whole number of 16 digits or more may be beyond ±(2^53 − 1):
        // `JSONNumberRule` decides.
        if k <= n && n > 15 { return false }
        /// Appends the literal's digits at positions `from..<to` (point excluded).
        func digits(_ from: Int, _ to: Int, _ out: inout [UInt8]) {
            var position = 0, scan = i
            while scan < index && position < to {
                let c = base[scan]
                scan += 1
                if c == UInt8(ascii: ".") { continue }
                if position >= from { out.append(c) }
                position += 1
            }
        }
        let first = firstSignificant, last = lastSignificant + 1
        if negative { out.append(UInt8(ascii: "-")) }
        if k <= n {
            digits(first, last, &out)
            for _ in 0 ..< (n - k) { out.append(0x30) }
        } else if n > 0 {
            digits(first, first + n, &out)
            out.append(UInt8(ascii: "."))
            digits(first + n, last, &out)
        } else {
            out.append(0x30)
            out.append(UInt8(ascii: "."))
            for _ in 0 ..< -n { out.append(0x30) }
            digits(first, last, &out)
        }
        return true
    }

    /// RFC 8259 §6 numbers, valued as `JSONParser` values them and written
    /// as ECMAScript does (RFC 8785 §3.2.2.3). A plain integer of at most 15
    /// digits is its own canonical form (but -0 is 0).
    private mutating func number(into out: inout [UInt8]) -> Bool {
        let start = index
        if base[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end, base[index] >= 0x30 && base[index] <= 0x39 else { return false }
        var digits = 0
        if base[index] == 0x30 {
            index += 1
            if index < end, base[index] >= 0x30 && base[index] <= 0x39 { return false }
            digits = 1
        } else {
            while index < end, base[index] >= 0x30 && base[index] <= 0x39 { digits += 1; index += 1 }
        }
        var simple = true
        if index < end, base[index] == UInt8(ascii: ".") {
            simple = false
            index += 1
            guard index < end, base[index] >= 0x30 && base[index] <= 0x39 else { return false }
            while index < end, base[index] >= 0x30 && base[index] <= 0x39 { index += 1 }
        }
        if index < end, base[index] == UInt8(ascii: "e") || base[index] == UInt8(ascii: "E") {
            simple = false
            index += 1
            if index < end, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") { index += 1 }
            guard index < end, base[index] >= 0x30 && base[index] <= 0x39 else { return false }
            while index < end, base[index] >= 0x30 && base[index] <= 0x39 { index += 1 }
        }
        let length = index - start
        if simple && digits <= 15 {
            if length == 2 && base[start] == UInt8(ascii: "-") && base[start + 1] == 0x30 {
                out.append(0x30)
            } else {
                out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: length))
            }
            return true
        }
        if !simple && appendShortDecimal(start, into: &out) { return true }
        let value: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for i in 0..<length { buffer[i] = CChar(bitPattern: base[start + i]) }
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        guard JSONNumberRule.refusal(UnsafeBufferPointer(start: base + start, count: length), value: value, integer: simple) == nil
        else { return false }
        ECMAScriptNumber.append(value, to: &out)
        return true
    }
}
