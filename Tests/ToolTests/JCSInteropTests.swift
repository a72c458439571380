import Foundation
import PythonHelpers
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// Our RFC 8785 output must equal an independent implementation's (Python
/// `rfc8785`) on many generated documents written in non-canonical form:
/// shuffled members, random whitespace, escapes, every number notation.
@Suite struct JCSInteropTests {
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            // splitmix64: reproducible across runs, so a failure can be replayed.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet: [Unicode.Scalar] = ["a", "b", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1f}", "\n", "\t",
        "\u{7f}", "é", "€", "中", "文", "\u{2028}", "\u{fb33}", "\u{e000}", "\u{ffff}", "😀", "𝄞", "\u{10ffff}"]

    func randomString(_ g: inout SeededGenerator) -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...8, using: &g) { s.append(Self.alphabet.randomElement(using: &g)!) }
        return String(s)
    }

    /// Writes `s` as a JSON string with a random mix of literal characters and escapes.
    func writeString(_ s: String, _ g: inout SeededGenerator) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            let escape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\" || Bool.random(using: &g) && Bool.random(using: &g)
            if !escape { out.unicodeScalars.append(scalar); continue }
            for unit in String(scalar).utf16 { out += String(format: Bool.random(using: &g) ? "\\u%04x" : "\\u%04X", unit) }
        }
        return out + "\""
    }

    func randomNumber(_ g: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<5, using: &g) {
        case 0: return String(Int.random(in: -9_007_199_254_740_991...9_007_199_254_740_991, using: &g))
        case 1: return String(Int.random(in: -1000...1000, using: &g))
        case 2:
            var d: Double
            repeat { d = Double(bitPattern: g.next()) } while !d.isFinite
            return "\(d)"  // Swift's shortest form: 1e-07, 1.5e+300, …
        // 15 significant digits always read back as written; 17 often do
        // not, and the number rule refuses those (JSONNumberRuleTests).
        case 3: return String(format: "%.15g", Double.random(in: -1e6...1e6, using: &g))
        default: return "\(Int.random(in: 1...9, using: &g)).\(Int.random(in: 0...999, using: &g))E\(Int.random(in: -30...30, using: &g))"
        }
    }

    func randomValue(_ g: inout SeededGenerator, depth: Int) -> String {
        let ws = [" ", "", "\n", "\t", "  "]
        let choice = depth > 3 ? Int.random(in: 0..<4, using: &g) : Int.random(in: 0..<6, using: &g)
        switch choice {
        case 0: return ["null", "true", "false"].randomElement(using: &g)!
        case 1: return randomNumber(&g)
        case 2, 3: return writeString(randomString(&g), &g)
        case 4:
            let items = (0..<Int.random(in: 0...4, using: &g)).map { _ in randomValue(&g, depth: depth + 1) }
            return "[" + items.joined(separator: "," + ws.randomElement(using: &g)!) + "]"
        default:
            var keys = Set<String>()
            for _ in 0..<Int.random(in: 0...5, using: &g) { keys.insert(randomString(&g)) }
            let members = keys.shuffled(using: &g).map { key in
                writeString(key, &g) + ws.randomElement(using: &g)! + ":" + randomValue(&g, depth: depth + 1)
            }
            return "{" + ws.randomElement(using: &g)! + members.joined(separator: ",") + "}"
        }
    }

    @Test func matchesPythonRFC8785OnGeneratedDocuments() throws {
        var g = SeededGenerator(state: 20261125)
        let documents = (0..<3000).map { _ in randomValue(&g, depth: 0) }
        // One document per line: generated text never holds a raw newline inside a string.
        let input = documents.map { $0.replacingOccurrences(of: "\n", with: " ") }
        let python = try Tools.runPython([Repository.support("jcs_canonical.py")], requires: ["rfc8785"],
                                             stdin: Data(input.joined(separator: "\n").utf8))
        #expect(python.status == 0, "python rfc8785: \(python.stderr)")
        let expected = python.lines.map { String($0.split(separator: "\t")[0]) }
        try #require(expected.count == input.count)
        var mismatches = 0, refused = 0
        for (i, text) in input.enumerated() {
            let ours: String
            do {
                ours = Hex.encode(try JCS.canonicalize(Array(text.utf8)))
            } catch let e as EvidenceError where e.message.contains("the number rule") {
                // Refused only for a whole number from 2^53 to 10^21 spelled
                // with an exponent (8.342E17): its canonical form is an integer
                // beyond ±(2^53 − 1), which RFC 8785 libraries refuse to read.
                refused += 1
                let canonical = String(decoding: Hex.decode(expected[i]) ?? [], as: UTF8.self)
                #expect(Self.hasLongInteger(canonical), "refused \(text): \(e.message)")
                continue
            }
            if ours != expected[i] {
                mismatches += 1
                if mismatches <= 5 { Issue.record("differs on \(text)") }
            }
        }
        #expect(mismatches == 0)
        #expect(refused < input.count / 10)
    }

    /// Whether canonical JSON text holds a number written as 16 or more
    /// integer digits (no fraction, no exponent).
    static func hasLongInteger(_ text: String) -> Bool {
        var run = 0, fraction = false, previous: Character = " "
        for c in text + " " {
            if c.isASCII && c.isNumber {
                if run == 0 { fraction = previous == "." }
                run += 1
            } else {
                if run >= 16 && !fraction && c != "." && c != "e" { return true }
                run = 0
            }
            previous = c
        }
        return false
    }

    /// Keys that differ only in Unicode normalisation are two keys (RFC 8259
    /// compares names code unit by code unit): RFC 8785 libraries accept and
    /// sort them, and so do we, in both readers.
    @Test func normalisationTwinsAreTwoKeys() throws {
        let documents = [#"{"\u00e9":1,"e\u0301":2}"#, #"{"e\u0301":2,"é":1}"#, #"{"K":1,"\u212a":2,"k":3}"#,
                         #"{"a":{"caf\u00e9":"x","cafe\u0301":"y"}}"#, #"{"\u1e9b\u0323":1,"\u1e69":2,"s\u0323\u0307":3}"#]
        let python = try Tools.runPython([Repository.support("jcs_canonical.py")], requires: ["rfc8785"],
                                         stdin: Data(documents.joined(separator: "\n").utf8))
        #expect(python.status == 0, "python rfc8785: \(python.stderr)")
        let expected = python.lines.map { String($0.split(separator: "\t")[0]) }
        try #require(expected.count == documents.count)
        for (i, text) in documents.enumerated() {
            #expect(Hex.encode(try JCS.canonicalize(Array(text.utf8))) == expected[i], "\(text)")
            #expect(JCSBytes.canonical(Array(text.utf8)).map(Hex.encode) == expected[i], "\(text)")
        }
        // A key repeated byte for byte is still a duplicate.
        #expect(throws: EvidenceError.self) { try JSON.parse(#"{"\u00e9":1,"é":2}"#) }
    }
}
