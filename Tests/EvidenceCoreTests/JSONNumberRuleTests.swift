import Testing
@testable import EvidenceSupport

/// One rule for every JSON number, in both readers: a number a double does
/// not hold as written is refused however it is spelled; every exact one is
/// accepted.
@Suite struct JSONNumberRuleTests {
    @Test(arguments: ["9007199254740993", "-9007199254740993", "9007199254740992", "12345678901234567890",
                      "9007199254740993.0", "9.007199254740993e15", "900719925474099.3e1", "0.10000000000000001",
                      "333333333.33333329", "1e-400", "9007199254740992.0", "9.007199254740992e15",
                      "1e20", "100000000000000000000.0", "-123456789012345678e2", "1000000000000000000000", "-1.2345678901234567e+19", "-2.5e-400", "1e400", "4.9406564584124654e-325"])
    func refusesWhatADoubleRounds(_ literal: String) {
        #expect(throws: EvidenceError.self) { try JSON.parse("[\(literal)]") }
        #expect(JCSBytes.canonical(Array("[\(literal)]".utf8)) == nil)
        do {
            _ = try JSON.parse("[\(literal)]")
        } catch let e as EvidenceError {
            #expect(e.message.contains(literal) && e.message.contains("(column 2)"), "\(e.message)")
            #expect(e.message.contains("2^53") || e.message.contains("out of range"), "\(e.message)")
        } catch {}
    }

    @Test(arguments: [
        ("9007199254740991", "9007199254740991"), ("-9007199254740991", "-9007199254740991"),
        ("9007199254740991.0", "9007199254740991"), ("-9.007199254740991e15", "-9007199254740991"),
        ("1e21", "1e+21"), ("-1.5e+25", "-1.5e+25"),
        ("0.1", "0.1"), ("4.50", "4.5"), ("1E30", "1e+30"), ("1e300", "1e+300"), ("2e-3", "0.002"),
        ("-0.0", "0"), ("0e99999999999999999999", "0"), ("5e-324", "5e-324"), ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("123456789012.34567", "123456789012.34567"), ("1000000000000000000000.0", "1e+21"),
    ] as [(String, String)])
    func acceptsWhatADoubleHolds(_ literal: String, _ canonical: String) throws {
        let value = try JSON.parse("[\(literal)]")
        #expect(String(decoding: JCS.canonical(value), as: UTF8.self) == "[\(canonical)]")
        #expect(JCSBytes.canonical(Array("[\(literal)]".utf8)).map { String(decoding: $0, as: UTF8.self) } == "[\(canonical)]")
    }

    /// What is accepted stays accepted once canonicalized: its RFC 8785
    /// form reads back, to the same value.
    @Test func canonicalFormsReadBack() throws {
        for literal in ["1e21", "1.7976931348623157e308", "-9007199254740991", "5e-324", "0.1", "123456789012.34567"] {
            let value = try JSON.parse(literal)
            #expect(try JSON.parse(JCS.canonical(value)) == value, "\(literal)")
        }
    }
}
