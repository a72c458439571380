import FuzzSupport
import Testing
@testable import EvidenceSupport
@testable import EvidenceCore

/// `ChainStore.fastRecord` either agrees with the general path
/// (`JSON.parse`, `EvidenceRecord(json:)`, `JCS.canonical`) or declines.
@Suite struct ChainRecordFastPathTests {
    static func general(_ line: [UInt8]) -> (record: EvidenceRecord, canonical: [UInt8])? {
        guard let value = try? JSON.parse(line), case .object(let object) = value,
              let record = try? EvidenceRecord(json: object) else { return nil }
        return (record, JCS.canonical(value))
    }

    static func lines(seed: UInt64, count: Int) -> [[UInt8]] {
        var g = JCSBytesTests.DocumentGenerator(random: FuzzRandom(seed: seed))
        let hex = Array("0123456789abcdef")
        func digest(_ n: Int, _ g: inout JCSBytesTests.DocumentGenerator) -> String {
            String((0..<n).map { _ in hex[g.int(16)] })
        }
        return (0..<count).map { i in
            var members: [String] = []
            func maybe(_ percent: Int, _ member: String) { if g.chance(percent) { members.append(member) } }
            maybe(95, "\"id\":\(g.chance(90) ? "\"C\(i)/esign/doc\(i).pdf\"" : g.quoted(g.text()))")
            maybe(70, "\"contract\":\"C\(i)\"")
            maybe(70, "\"stage\":\(["\"esign\"", "\"Esign\"", "\"face\"", "1"][g.int(4)])")
            maybe(50, "\"name\":\(g.quoted(g.text()))")
            maybe(50, "\"source\":\"esign-platform\"")
            maybe(50, "\"time\":\(["\"2026-11-25T10:00:00Z\"", "\"2026-11-25T18:00:00+08:00\"", "\"x\""][g.int(3)])")
            maybe(50, "\"size\":\(g.chance(70) ? String(g.int(100000)) : g.number())")
            maybe(20, "\"pages\":\(g.number())")
            maybe(20, "\"kind\":\(["\"file\"", "\"data\"", "\"other\""][g.int(3)])")
            let alg = ["sha256", "sha512", "sm3", "hmac-sha256", "md5"][g.int(5)]
            maybe(95, "\"alg\":\"\(alg)\"")
            let size = alg == "sha512" ? 64 : 32
            maybe(95, "\"digest\":\"\(digest(g.chance(95) ? size * 2 : 63, &g))\"")
            maybe(10, "\"keyid\":\"\(digest(16, &g))\"")
            maybe(5, "\"digests\":{\"\(alg)\":\"\(digest(size * 2, &g))\"}")
            maybe(10, "\"path\":\(g.quoted("a/b.pdf"))")
            maybe(3, "\"colour\":1")
            if g.chance(5) && !members.isEmpty { members.append(members[g.int(members.count)]) }
            members.shuffle(using: &g.random)
            return Array(("{" + members.joined(separator: g.whitespace() + "," + g.whitespace()) + "}").utf8)
        }
    }

    @Test func agreesWithTheGeneralPathOrDeclines() {
        var fast = 0, valid = 0
        for line in Self.lines(seed: 9162, count: 4000) {
            let expected = Self.general(line)
            if expected != nil { valid += 1 }
            let text = String(decoding: line, as: UTF8.self)
            guard let got = line.withUnsafeBytes({ ChainStore.fastRecord($0) }) else {
                // It declines a valid record only for an escape or a digests map.
                if expected != nil && !text.contains("\\") && !text.contains("digests") {
                    Issue.record("fast path declined \(text)")
                }
                continue
            }
            fast += 1
            guard let expected else { Issue.record("fast path accepted \(text)"); continue }
            #expect(got.record == expected.record && got.canonical == expected.canonical, "\(text)")
        }
        #expect(valid > 400 && fast > valid / 2)
    }
}
