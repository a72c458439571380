import Foundation
import FuzzSupport
import Testing
@testable import EvidenceSupport
@testable import EvidenceCore

/// The byte-level canonicalizer against the general path
/// (`JCS.canonical(JSON.parse(…))`): the same bytes for every document the
/// parser accepts, a refusal for every one it refuses, on thousands of
/// generated documents (seeded, so a failure replays) and their mutants.
@Suite struct JCSBytesTests {
    /// Generates JSON text in deliberately non-canonical form.
    struct DocumentGenerator {
        var random: FuzzRandom

        mutating func int(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { int(100) < percent }

        static let scalars: [Unicode.Scalar] = ["a", "b", "z", "A", "K", "0", "_", " ", "\"", "\\", "/", "\u{0}",
            "\u{8}", "\u{c}", "\u{1f}", "\n", "\r", "\t", "\u{7f}", "\u{80}", "é", "e", "\u{301}", "\u{212a}", "€",
            "中", "逾", "期", "\u{2028}", "\u{d7ff}", "\u{e000}", "\u{fb33}", "\u{ffff}", "😀", "𝄞", "\u{10000}",
            "\u{10ffff}"]

        mutating func text() -> String {
            var s = String.UnicodeScalarView()
            for _ in 0..<int(7) { s.append(Self.scalars[int(Self.scalars.count)]) }
            return String(s)
        }

        /// A JSON string for `s`: characters literal or escaped (\uXXXX in
        /// either case, surrogate pairs for astral ones, the short forms).
        mutating func quoted(_ s: String) -> String {
            var out = "\""
            for scalar in s.unicodeScalars {
                let must = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
                if !must && !chance(25) { out.unicodeScalars.append(scalar); continue }
                switch scalar {
                case "\"" where chance(50): out += "\\\""
                case "\\" where chance(50): out += "\\\\"
                case "\n" where chance(50): out += "\\n"
                case "\t" where chance(50): out += "\\t"
                case "\u{8}" where chance(50): out += "\\b"
                case "/" where chance(50): out += "\\/"
                default:
                    for unit in String(scalar).utf16 {
                        out += String(format: chance(50) ? "\\u%04x" : "\\u%04X", unit)
                    }
                }
            }
            return out + "\""
        }

        mutating func number() -> String {
            switch int(10) {
            case 0: return String(Int.random(in: -1000...1000, using: &random))
            case 1: return String(Int64.random(in: -9_007_199_254_740_991...9_007_199_254_740_991, using: &random))
            case 2: return ["9007199254740991", "-9007199254740991", "9007199254740992", "-9007199254740993",
                            "123456789012345678901234567890", "-0", "0", "-0.0", "0e0", "1E400", "-1e-400",
                            "1e21", "1e20", "999999999999999999999", "0.000001", "0.0000001", "1.5e-7",
                            "100000000000000000000", "4.35", "0.1", "1e+2", "1E-2",
                            // Spellings that a double rounds (the number rule refuses them).
                            "9007199254740993.0", "9.007199254740993e15", "0.10000000000000001", "1e-400",
                            "9007199254740992.0", "2.5e-324"].randomElement(using: &random)!
            case 3:
                var d: Double
                repeat { d = Double(bitPattern: random.next()) } while !d.isFinite
                return "\(d)"
            case 4: return String(format: "%.17g", Double.random(in: -1e6...1e6, using: &random))
            case 5: return "\(int(10))\(chance(50) ? "." : "")\(int(1000))\(chance(50) ? "e" : "E")\(["", "+", "-"][int(3)])\(int(330))"
            case 6: return String(format: "%.2f", Double.random(in: 100...500000, using: &random))
            case 7: return String(UInt64.random(in: 0...UInt64.max, using: &random))
            default: return String(Int.random(in: 0...99_999_999_999_999, using: &random))
            }
        }

        mutating func whitespace() -> String { ["", "", " ", "\n", "\t ", "\r\n"][int(6)] }

        mutating func value(depth: Int) -> String {
            switch depth > 4 ? int(4) : int(7) {
            case 0: return ["null", "true", "false"][int(3)]
            case 1: return number()
            case 2, 3: return quoted(text())
            case 4:
                let items = (0..<int(5)).map { _ in whitespace() + value(depth: depth + 1) + whitespace() }
                return "[" + items.joined(separator: ",") + "]"
            default:
                var keys: [String] = []
                for _ in 0..<int(depth == 0 ? 12 : 6) {
                    // Sometimes a duplicate, or a key equal to another only
                    // after normalisation ("K" and KELVIN SIGN, é and e + U+0301).
                    if !keys.isEmpty && chance(4) { keys.append(keys[int(keys.count)]); continue }
                    if chance(3) { keys.append(["K", "\u{212a}", "é", "e\u{301}"][int(4)]); continue }
                    keys.append(text())
                }
                let members = keys.map { key in
                    whitespace() + quoted(key) + whitespace() + ":" + whitespace() + value(depth: depth + 1) + whitespace()
                }
                return "{" + members.joined(separator: ",") + "}"
            }
        }
    }

    /// General path; nil where it refuses.
    static func general(_ bytes: [UInt8]) -> [UInt8]? {
        bytes.withUnsafeBytes { buffer in
            (try? JSON.parse(buffer)).map(JCS.canonical)
        }
    }

    static func fast(_ bytes: [UInt8]) -> [UInt8]? {
        bytes.withUnsafeBytes { JCSBytes.canonical($0) }
    }

    static func mismatches(_ documents: [[UInt8]]) -> (accepted: Int, refused: Int, failures: [String]) {
        var accepted = 0, refused = 0, failures: [String] = []
        for document in documents {
            let expected = general(document)
            let got = fast(document)
            if expected == nil { refused += 1 } else { accepted += 1 }
            if expected != got {
                failures.append("\(Hex.encode(document)): expected "
                                + "\(expected.map { String(decoding: $0, as: UTF8.self) } ?? "refusal"), got "
                                + "\(got.map { String(decoding: $0, as: UTF8.self) } ?? "refusal")")
            }
        }
        return (accepted, refused, failures)
    }

    static func generated(seed: UInt64, count: Int) -> [[UInt8]] {
        var generator = DocumentGenerator(random: FuzzRandom(seed: seed))
        return (0..<count).map { _ in Array(generator.value(depth: 0).utf8) }
    }

    @Test func equalsTheGeneralPathOnGeneratedDocuments() {
        let documents = Self.generated(seed: 20261202, count: 5000)
        let result = Self.mismatches(documents)
        for failure in result.failures.prefix(5) { Issue.record("\(failure)") }
        #expect(result.failures.isEmpty)
        // The generator must exercise both outcomes.
        #expect(result.accepted > 3000 && result.refused > 300)
    }

    @Test func refusesWhatTheGeneralPathRefusesOnMutants() {
        var mutator = FuzzMutator(seed: 8785)
        let seeds = Self.generated(seed: 77, count: 200).filter { $0.count < 4000 }
        let mutants = (0..<5000).map { _ in mutator.mutant(of: seeds) }
        let result = Self.mismatches(mutants)
        for failure in result.failures.prefix(5) { Issue.record("\(failure)") }
        #expect(result.failures.isEmpty)
    }

    @Test(arguments: [
        "{\"b\":1,\"a\":2}", "[1,\"x\",null,true,false,{}]", "  {\"\\u00e9\":\"\\ud83d\\ude00\"}\n",
        "{\"\u{e000}\":1,\"😀\":2}", "{\"a\":{\"d\":1,\"c\":[{\"f\":1,\"e\":2}]},\"0\":-0}",
        "{\"\\n\":1,\"\\u0001\":2,\"\\\"\":3,\"A\":4}", "1E400", "\"\\ud800\"", "\"\\udc00x\"", "{\"a\":1,\"a\":2}",
        "{\"K\":1,\"\u{212a}\":2}", "{\"e\\u0301\":1,\"é\":2}", "01", "1.", "-", "[1,]", "{\"a\":1,}", "\"\u{1}\"",
        "tru", "nul", "[", "", " ", "1 2", "9007199254740993", "-9007199254740992", "9007199254740991.0",
        String(repeating: "[", count: 256) + String(repeating: "]", count: 256),
        String(repeating: "[", count: 257) + String(repeating: "]", count: 257),
    ])
    func edgeCase(_ text: String) {
        let result = Self.mismatches([Array(text.utf8)])
        #expect(result.failures.isEmpty, "\(result.failures)")
    }

    @Test func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x22, 0xff, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22], [0x22, 0xc0, 0xaf, 0x22]] {
            #expect(JCSBytes.canonical(bytes) == nil)
        }
    }

    /// A sample against an independent implementation (Python `rfc8785`).
    @Test func matchesPythonRFC8785OnASample() throws {
        let documents = Self.generated(seed: 31337, count: 600).filter { Self.general($0) != nil }
        // One per line: a raw newline only ever occurs as whitespace.
        let lines = documents.map { String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\r\n", with: " ")
            .replacingOccurrences(of: "\n", with: " ") }
        #expect(lines.count > 200)
        let output = try IndependentCheck.run("../Support/jcs_canonical.py", input: Data(lines.joined(separator: "\n").utf8),
                                              requires: ["rfc8785"])
        let expected = output.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
        try #require(expected.count == lines.count)
        var differing = 0
        for (i, line) in lines.enumerated() {
            let ours = JCSBytes.canonical(Array(line.utf8)).map(Hex.encode)
            if ours != expected[i] {
                differing += 1
                if differing <= 5 { Issue.record("differs on \(line)") }
            }
        }
        #expect(differing == 0)
    }
}
