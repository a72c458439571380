import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical text.
@Test(arguments: [
    (0x0000000000000000, "0"), (0x8000000000000000, "0"),
    (0x0000000000000001, "5e-324"), (0x8000000000000001, "-5e-324"),
    (0x7fefffffffffffff, "1.7976931348623157e+308"), (0xffefffffffffffff, "-1.7976931348623157e+308"),
    (0x4340000000000000, "9007199254740992"), (0xc340000000000000, "-9007199254740992"),
    (0x4430000000000000, "295147905179352830000"),
    (0x44b52d02c7e14af5, "9.999999999999997e+22"), (0x44b52d02c7e14af6, "1e+23"),
    (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
    (0x444b1ae4d6e2ef4e, "999999999999999700000"), (0x444b1ae4d6e2ef4f, "999999999999999900000"),
    (0x444b1ae4d6e2ef50, "1e+21"),
    (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"), (0x3eb0c6f7a0b5ed8d, "0.000001"),
    (0x41b3de4355555553, "333333333.3333332"), (0x41b3de4355555554, "333333333.33333325"),
    (0x41b3de4355555555, "333333333.3333333"), (0x41b3de4355555556, "333333333.3333334"),
    (0x41b3de4355555557, "333333333.33333343"),
    (0xbecbf647612f3696, "-0.0000033333333333333333"), (0x43143ff3c1cb0959, "1424953923781206.2"),
] as [(UInt64, String)])
func ecmaScriptNumberFormatting(bits: UInt64, expected: String) {
    #expect(ECMAScriptNumber.string(Double(bitPattern: bits)) == expected)
}

/// RFC 8785 §3.2.2: the worked example, with its first number written as
/// the double holds it. The example's own 333333333.33333329 is not a
/// double (it would read as 333333333.3333333, one digest for two numbers):
/// the number rule refuses it, and says what it would read as.
@Test func canonicalizesTheRFCExample() throws {
    #expect(throws: EvidenceError.self) { try JCS.canonicalize(Array("[333333333.33333329]".utf8)) }
    do {
        _ = try JSON.parse("[333333333.33333329]")
    } catch let e as EvidenceError {
        #expect(e.message.contains("would read as 333333333.3333333"), "\(e.message)")
    }
    let input = #"""
    {
      "numbers": [333333333.3333333, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }
    """#
    let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
    #expect(String(decoding: try JCS.canonicalize(Array(input.utf8)), as: UTF8.self) == expected)
}

/// RFC 8785 §3.2.3: members sorted by UTF-16 code units, not by scalars.
@Test func sortsKeysByUTF16CodeUnits() throws {
    let input = #"""
    {"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",
     "\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}
    """#
    let value = try JSON.parse(input)
    let canonical = String(decoding: JCS.canonical(value), as: UTF8.self)
    let order = ["\r", "1", "\u{80}", "ö", "€", "😀", "\u{fb33}"]
    var position = canonical.startIndex
    for key in order {
        let range = try #require(canonical.range(of: "\"" + (key == "\r" ? "\\r" : key) + "\":", range: position..<canonical.endIndex))
        position = range.upperBound
    }
}

@Test(arguments: [
    ("", "unexpected end of input"),
    ("{", "expected a string key"),
    ("{\"a\":1,}", "expected a string key"),
    ("[1,]", "expected a value"),
    ("{\"a\":1 \"b\":2}", "expected ',' or '}'"),
    ("{\"a\":1,\"a\":2}", "duplicate key \"a\""),
    ("01", "leading zero"),
    ("1.", "expected a digit after '.'"),
    ("1e", "expected a digit in the exponent"),
    ("1e400", "number out of range"),
    ("-", "expected a digit"),
    ("\"abc", "unterminated string"),
    ("\"a\u{01}\"", "control character 0x01"),
    ("\"\\x\"", "invalid escape"),
    ("\"\\ud800\"", "lone high surrogate"),
    ("\"\\udc00\"", "lone low surrogate"),
    ("\"\\ud800\\u0041\"", "not followed by a low surrogate"),
    ("tru", "expected a value"),
    ("NaN", "expected a value"),
    ("{} {}", "after the JSON value"),
    ("[1] x", "after the JSON value"),
])
func rejectsMalformedJSON(text: String, message: String) {
    do {
        _ = try JSON.parse(text)
        Issue.record("accepted \(text)")
    } catch let error as EvidenceError {
        #expect(error.kind == .input)
        #expect(error.message.contains(message), "\(error.message)")
    } catch {
        Issue.record("unexpected error \(error)")
    }
}

@Test func rejectsInvalidUTF8() {
    for bytes: [UInt8] in [[0x22, 0xff, 0x22], [0x22, 0xc0, 0xaf, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22], [0x22, 0xe2, 0x82]] {
        #expect(throws: EvidenceError.self) { try JSON.parse(bytes) }
    }
    #expect(throws: Never.self) { try JSON.parse(Array("\"中文 €😀\"".utf8)) }
}

@Test func refusesDeepNesting() {
    let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
    #expect(throws: EvidenceError.self) { try JSON.parse(deep) }
    let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
    #expect(throws: Never.self) { try JSON.parse(fine) }
}

@Test func roundTripsValuesInInputOrder() throws {
    let text = #"{"b":1,"a":[true,false,null,"x\ty",-0.5,1e-7,123456789012]}"#
    let value = try JSON.parse(text)
    #expect(value.jsonText == text.replacingOccurrences(of: "1e-7", with: "1e-7"))
    #expect(value["a"]?.arrayValue?.count == 7)
    #expect(String(decoding: JCS.canonical(value), as: UTF8.self)
            == #"{"a":[true,false,null,"x\ty",-0.5,1e-7,123456789012],"b":1}"#)
}
