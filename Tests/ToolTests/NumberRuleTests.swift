import Foundation
import Testing

/// One number rule in every reader (issue 18 item 2): a number a double
/// does not hold as written is refused (exit 2, file:line, naming the rule)
/// by evverify's items and evchain append as by evhash.
@Suite struct NumberRuleTests {
    /// An item 9007199254740993 verified against a logged 9007199254740992.0.
    @Test(arguments: ["9007199254740993", "9007199254740993.0", "9.007199254740993e15"])
    func evverifyRefusesAnItemADoubleRounds(_ number: String) throws {
        let f = try VerifyFixture()
        let item = #"{"contract":"C2025-0001","stage":"performance","name":"n.json","data":{"amount":\#(number)}}"#
        let r = try f.verify([], stdin: Data((item + "\n").utf8))
        #expect(r.status == 2, "\(r.out)")
        #expect(r.stderr.hasPrefix("evverify: stdin:1: ") && r.stderr.contains("the number rule"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test(arguments: ["9007199254740993", "9007199254740992.0", "1.5e300"])
    func evchainAppendRefusesASizeADoubleDoesNotHold(_ number: String) throws {
        let d = try TemporaryDirectory()
        let chain = d.file("c.chain").path
        #expect(try Tools.run("evchain", ["init", chain, "--origin", "n.example/log"]).status == 0)
        let digest = String(repeating: "ab", count: 32)
        let good = #"{"id":"C1/esign/a.pdf","contract":"C1","stage":"esign","alg":"sha256","digest":"\#(digest)","size":1}"#
        let bad = #"{"id":"C1/esign/b.pdf","contract":"C1","stage":"esign","alg":"sha256","digest":"\#(digest)","size":\#(number)}"#
        let r = try Tools.run("evchain", ["append", chain], stdin: good + "\n" + bad + "\n")
        #expect(r.status == 2, "\(r.out)")
        #expect(r.stderr.hasPrefix("evchain: stdin:2: "), "\(r.stderr)")
        if number != "1.5e300" { #expect(r.stderr.contains("the number rule"), "\(r.stderr)") }
        // Nothing is half-done.
        #expect(try Tools.run("evchain", ["show", chain]).stdout.isEmpty)
    }
}
