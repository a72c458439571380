import FuzzSupport
import Testing
@testable import EvidenceSupport
@testable import EvidenceCore

/// `ManifestHasher.fastItem` either agrees with the general path (parse,
/// `ManifestItem(json:)`, `JCS.canonical` of `data`) or declines.
@Suite struct ManifestFastPathTests {
    static func general(_ line: [UInt8]) -> (item: ManifestItem, canonical: [UInt8]?)? {
        guard let value = try? line.withUnsafeBytes({ try JSON.parse($0) }),
              case .object(let object) = value, let item = try? ManifestItem(json: object) else { return nil }
        if case .data(let d) = item.content { return (item, JCS.canonical(d)) }
        return (item, nil)
    }

    static func same(_ a: ManifestItem, _ b: ManifestItem) -> Bool {
        guard a.id?.exact == b.id?.exact, a.contract.sameBytes(as: b.contract), a.stage.sameBytes(as: b.stage),
              a.name.sameBytes(as: b.name), a.source == b.source,
              a.time == b.time, a.pages == b.pages else { return false }
        switch (a.content, b.content) {
        case (.file(let p), .file(let q)): return p == q
        case (.data, .data): return true
        default: return false
        }
    }

    static func lines(seed: UInt64, count: Int) -> [[UInt8]] {
        var g = JCSBytesTests.DocumentGenerator(random: FuzzRandom(seed: seed))
        return (0..<count).map { i in
            var members = ["\"contract\":\"C\(i)\"", "\"stage\":\"performance\"", "\"name\":\"r\(i).json\""]
            if g.chance(50) { members.append("\"source\":\(g.quoted("core-banking"))") }
            if g.chance(50) { members.append("\"time\":\"2026-03-01T16:00:00+08:00\"") }
            if g.chance(20) { members.append("\"pages\":\(g.number())") }
            if g.chance(10) { members.append("\"id\":\(g.quoted(g.text()))") }
            if g.chance(5) { members.append("\"path\":\"a/b.pdf\"") }
            if g.chance(5) { members.append("\"colour\":1") }
            if g.chance(5) { members.append(members[g.int(members.count)]) }
            if g.chance(90) { members.append("\"data\":" + g.value(depth: 1)) }
            members.shuffle(using: &g.random)
            return Array(("{" + members.joined(separator: g.whitespace() + "," + g.whitespace()) + "}").utf8)
        }
    }

    @Test func agreesWithTheGeneralPathOrDeclines() {
        var fast = 0, valid = 0
        for line in Self.lines(seed: 12, count: 3000) {
            let expected = Self.general(line)
            if expected != nil { valid += 1 }
            guard let got = line.withUnsafeBytes({ ManifestHasher.fastItem($0) }) else {
                // It declines a valid line only for an escape in a string field.
                if expected != nil && !line.contains(UInt8(ascii: "\\")) {
                    Issue.record("fast path declined \(String(decoding: line, as: UTF8.self))")
                }
                continue
            }
            fast += 1
            guard let expected else { Issue.record("fast path accepted \(String(decoding: line, as: UTF8.self))"); continue }
            #expect(Self.same(got.item, expected.item) && got.canonicalData == expected.canonical,
                    "\(String(decoding: line, as: UTF8.self))")
        }
        #expect(valid > 1000 && fast > valid * 3 / 4)
    }
}
