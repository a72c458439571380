/// The one rule by which every reader (`JSON.parse`, `JCSBytes` and the fast
/// paths built on it) accepts a JSON number: it must be a number an IEEE-754
/// double holds as written (I-JSON, RFC 7493 §2.2), however it is spelled,
/// and one every RFC 8785 library reads back from its canonical form.
///
/// - An integer written without fraction or exponent must lie within
///   ±(2^53 − 1), as RFC 8785 libraries require.
/// - Any other number must have exactly the value of its RFC 8785 form (the
///   shortest decimal that reads back as the same double): `0.1`, `1e300`
///   and `4.50` are accepted, `9007199254740993.0`, `9.007199254740993e15`
///   and `1e-400` (which would read as 0) are not.
/// - A whole number from 2^53 up to 10^21, which the RFC 8785 form writes
///   as plain integer digits, is refused however it is spelled
///   (`9007199254740992.0`): read back, it would be an integer beyond
///   ±(2^53 − 1). So what is accepted stays accepted once canonicalized.
///
/// No two different numbers read as one double: the digest, the lookup and
/// the comparison of an item with its entry all see the number written.
public enum JSONNumberRule {
    /// The refusal for a number literal (RFC 8259 grammar, already checked)
    /// that the nearest double `value` (strtod's) does not hold exactly; nil
    /// when it is accepted. `integer`: written without fraction or exponent.
    /// Callers skip integers of at most 15 digits, which are always exact.
    static func refusal(_ literal: UnsafeBufferPointer<UInt8>, value: Double, integer: Bool) -> String? {
        var text: String { String(decoding: literal, as: UTF8.self) }
        guard value.isFinite else {
            return "number out of range: \(text) (I-JSON numbers are IEEE-754 doubles)"
        }
        if integer || (value.magnitude > JSON.maximumExactInteger && value.magnitude < 1e21) {
            guard value.magnitude > JSON.maximumExactInteger else { return nil }
            return "integer \(text) is beyond ±(2^53 − 1), so a double would not hold it exactly (the number rule: "
                + "two numbers would read as one); write it as a string"
        }
        let written = decimal(literal)
        if written.digits.isEmpty {
            if value == 0 { return nil }
        } else if written.digits.count <= 15 && value.magnitude >= Double.leastNormalMagnitude {
            // At most 15 significant digits (DBL_DIG) in the normal range
            // always read back as written: no need to print the double.
            return nil
        } else if value != 0 {
            let held = ECMAScriptNumber.shortestDigits(value.magnitude)
            if written.negative == (value < 0) && written.exponent == held.exponent && written.digits.elementsEqual(held.digits) {
                return nil
            }
        }
        return "number \(text) is not exactly a double: it would read as \(ECMAScriptNumber.string(value)) "
            + "(the number rule: numbers must be exact IEEE-754 doubles, integers within ±(2^53 − 1)); write it as a string"
    }

    /// The significant digits s (no leading or trailing zeros; empty for
    /// zero) and exponent n of a literal whose value is 0.s × 10^n.
    static func decimal(_ literal: UnsafeBufferPointer<UInt8>) -> (negative: Bool, digits: ArraySlice<UInt8>, exponent: Int) {
        var i = 0
        let negative = literal.first == UInt8(ascii: "-")
        if negative { i += 1 }
        var digits: [UInt8] = []
        digits.reserveCapacity(literal.count)
        var point: Int? = nil
        while i < literal.count {
            let c = literal[i]
            if c == UInt8(ascii: ".") { point = digits.count; i += 1; continue }
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { break }
            digits.append(c)
            i += 1
        }
        var exponent = 0
        if i < literal.count {
            i += 1
            var sign = 1
            if literal[i] == UInt8(ascii: "-") { sign = -1; i += 1 } else if literal[i] == UInt8(ascii: "+") { i += 1 }
            while i < literal.count {
                // Saturates: a literal's exponent this large is out of range anyway.
                exponent = min(exponent * 10 + Int(literal[i] - 0x30), 1 << 40)
                i += 1
            }
            exponent *= sign
        }
        guard let first = digits.firstIndex(where: { $0 != UInt8(ascii: "0") }) else { return (negative, [], 0) }
        let last = digits.lastIndex(where: { $0 != UInt8(ascii: "0") })!
        return (negative, digits[first...last], (point ?? digits.count) - first + exponent)
    }
}
