import Testing
@testable import EvidenceSupport

/// Identities compare as bytes, where Swift's `String` compares canonical
/// equivalence.
@Suite struct ExactStringTests {
    static let twins: [(String, String)] = [("caf\u{E9}", "cafe\u{301}"), ("K", "\u{212A}"), ("\u{1E69}", "s\u{323}\u{307}"),
                                            ("\u{1E9B}\u{323}", "\u{17F}\u{323}\u{307}")]

    @Test func canonicallyEquivalentStringsAreTwoIdentities() {
        for (a, b) in Self.twins {
            #expect(a == b, "the premise: Swift merges \(a) and \(b)")
            #expect(!a.sameBytes(as: b) && a.differsOnlyInNormalisation(from: b))
            #expect(a.exact != b.exact)
            #expect(Set([a.exact, b.exact]).count == 2)
            #expect([a.exact: 1, b.exact: 2].count == 2)
            #expect(a.exact == ExactString(a) && a.sameBytes(as: String(a)) && !a.differsOnlyInNormalisation(from: a))
        }
    }

    @Test func jsonValuesAndObjectKeysCompareAsBytes() throws {
        for (a, b) in Self.twins {
            #expect(JSONValue.string(a) != JSONValue.string(b))
            #expect(JSONValue.array([.string(a)]) != JSONValue.array([.string(b)]))
            var o = JSONObject()
            o[a] = 1
            #expect(o[b] == nil && o[a] == 1)
            o[b] = 2
            #expect(o.count == 2)
            let parsed = try JSON.parse(JCS.canonical(.object(o)))
            #expect(parsed.objectValue?.count == 2 && parsed[a] == 1 && parsed[b] == 2)
        }
    }
}
