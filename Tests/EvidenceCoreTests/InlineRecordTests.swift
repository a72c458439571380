import FuzzSupport
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceCore

/// `ManifestHasher.inlineRecord` writes an inline line's record straight
/// from its bytes. For every generated line (seeded, so a failure replays)
/// it either writes exactly the record and id the general path makes of
/// the line, or declines; a line the general path refuses it always
/// declines (one input, one parser: the user always sees the general
/// path's record or error).
@Suite struct InlineRecordTests {
    static func lines(seed: UInt64, count: Int) -> [[UInt8]] {
        var g = JCSBytesTests.DocumentGenerator(random: FuzzRandom(seed: seed))
        let times = ["2026-03-01T08:00:00Z", "2026-03-01T16:00:00+08:00", "2024-02-29T23:59:59Z", "2025-02-29T00:00:00Z",
                     "2026-12-31T23:59:60Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z", "0000-01-01T00:00:00Z",
                     "9999-12-31T23:59:59Z", "2026-03-01t08:00:00Z", "2026-03-01T08:00:00z", "2026-03-01T08:00:00.500Z",
                     "2026-03-01T24:00:00Z", "2026-3-01T08:00:00Z", "2100-02-29T00:00:00Z", "2000-02-29T00:00:00Z"]
        let stages = ["performance", "esign", "face-2", "a_b", "Esign", "", "9x", "x" + String(repeating: "y", count: 32)]
        return (0 ..< count).map { i in
            var members: [String] = []
            if g.chance(95) { members.append("\"contract\":\(g.chance(80) ? "\"C\(i)\"" : g.quoted(g.text()))") }
            if g.chance(95) { members.append("\"stage\":\"\(stages[g.chance(70) ? 0 : g.int(stages.count)])\"") }
            if g.chance(90) { members.append("\"name\":\(g.chance(70) ? "\"r\(i).json\"" : g.quoted(g.text()))") }
            if g.chance(50) { members.append("\"source\":\(g.quoted(g.chance(50) ? "core-banking" : g.text()))") }
            if g.chance(60) { members.append("\"time\":\"\(times[g.chance(50) ? 0 : g.int(times.count)])\"") }
            if g.chance(10) { members.append("\"pages\":\(g.number())") }
            if g.chance(15) { members.append("\"id\":\(g.quoted(g.chance(50) ? "C\(i)/x/\(i)" : g.text()))") }
            if g.chance(5) { members.append("\"path\":\"a/b.pdf\"") }
            if g.chance(3) { members.append("\"colour\":1") }
            if g.chance(3) { members.append(members.isEmpty ? "1" : members[g.int(members.count)]) }
            if g.chance(92) { members.append("\"data\":" + g.value(depth: 1)) }
            members.shuffle(using: &g.random)
            var text = "{" + members.joined(separator: g.whitespace() + "," + g.whitespace()) + "}"
            if g.chance(2) { text += "x" }
            return Array(text.utf8)
        }
    }

    static func hasher(keepName: Bool = true, text: Bool = false, keyed: Bool = false, algorithm: DigestAlgorithm = .sha256) throws -> ManifestHasher {
        let key = keyed ? try HMACKey(bytes: Array(repeating: 7, count: 32)) : nil
        var options = ManifestHasher.Options(
            plain: try DigestPlan(algorithms: [algorithm], key: nil),
            keyed: try key.map { try DigestPlan(algorithms: [algorithm], key: $0) }, root: try RootDirectory("."))
        options.keepName = keepName
        options.text = text
        return ManifestHasher(options: options)
    }

    @Test(arguments: [(true, false, false, DigestAlgorithm.sha256), (false, false, false, .sha256), (true, true, false, .sha256),
                      (true, false, true, .sha256), (false, true, true, .sm3), (true, false, false, .sha512)])
    func writesTheGeneralPathsRecordOrDeclines(keepName: Bool, text: Bool, keyed: Bool, algorithm: DigestAlgorithm) throws {
        let hasher = try Self.hasher(keepName: keepName, text: text, keyed: keyed, algorithm: algorithm)
        let worker = ManifestHasher.Worker(hasher.options)
        var accepted = 0, valid = 0
        for line in Self.lines(seed: 22 + UInt64(keepName ? 1 : 0) + UInt64(text ? 2 : 0), count: 6000) {
            // The general path: parse, `ManifestItem(json:)`, `JCS.canonical`.
            let general: (record: [UInt8], id: [UInt8])? = line.withUnsafeBytes { bytes in
                guard let value = try? JSON.parse(bytes), case .object(let object) = value,
                      let item = try? ManifestItem(json: object), let record = try? hasher.hash(item, worker: worker) else { return nil }
                return (hasher.render(record), Array(record.id.utf8))
            }
            if general != nil { valid += 1 }
            var out: [UInt8] = Array("earlier".utf8), ids: [UInt8] = Array("ids".utf8)
            guard let size = line.withUnsafeBytes({ hasher.inlineRecord($0, worker: worker, out: &out, ids: &ids) }) else {
                #expect(out == Array("earlier".utf8) && ids == Array("ids".utf8), "a declined line left bytes behind")
                continue
            }
            accepted += 1
            let shown = String(decoding: line, as: UTF8.self)
            guard let general else { Issue.record("the fast path accepted what the general path refuses: \(shown)"); continue }
            #expect(String(decoding: out.dropFirst(7), as: UTF8.self) == String(decoding: general.record, as: UTF8.self), "\(shown)")
            #expect(Array(ids.dropFirst(3)) == general.id, "\(shown)")
            #expect(size > 0)
        }
        // Many valid lines take the fast path (the generated escapes, pages
        // and offsets do not): about 40% of them.
        #expect(valid > 1000 && accepted > valid / 4, "\(accepted) of \(valid)")
    }

    /// Its time check is `RFC3339.normalize`'s for the one form it keeps.
    @Test func utcTimesAreThoseNormalizeKeeps() {
        var g = JCSBytesTests.DocumentGenerator(random: FuzzRandom(seed: 5))
        for _ in 0 ..< 20000 {
            let t = String(format4: g.int(10000)) + "-" + String(format2: g.int(15)) + "-" + String(format2: g.int(33))
                + "T" + String(format2: g.int(26)) + ":" + String(format2: g.int(62)) + ":" + String(format2: g.int(62)) + "Z"
            let fast = Array(t.utf8).withUnsafeBytes { ManifestHasher.isUTCTime($0) }
            #expect(fast == (RFC3339.normalize(t) == t), "\(t)")
        }
    }
}

extension String {
    init(format2 v: Int) { self = v < 10 ? "0\(v)" : "\(v)" }
    init(format4 v: Int) { self = String(repeating: "0", count: 4 - String(v).count) + String(v) }
}
