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
        case 3: return String(format: "%.17g", Double.random(in: -1e6...1e6, using: &g))
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
        var mismatches = 0
        for (i, text) in input.enumerated() {
            let ours = Hex.encode(try JCS.canonicalize(Array(text.utf8)))
            if ours != expected[i] {
                mismatches += 1
                if mismatches <= 5 { Issue.record("differs on \(text)") }
            }
        }
        #expect(mismatches == 0)
    }
}
