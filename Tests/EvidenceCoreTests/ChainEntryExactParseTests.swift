import FuzzSupport
import Testing
@testable import EvidenceSupport
@testable import EvidenceLog
@testable import EvidenceCore

/// `ChainEntry.parseExact` either agrees with the general path (the whole
/// line through `JSONValue`) or declines, on chain lines as a log writes
/// them and on every kind of damage to them; and it takes the lines a log
/// writes (those whose record needs no escape).
@Suite struct ChainEntryExactParseTests {
    static func general(_ line: [UInt8], _ expectedSeq: UInt64?) -> ChainEntry? {
        line.withUnsafeBytes { try? ChainEntry.parseGeneral(line: $0, expectedSeq: expectedSeq, context: nil) }
    }

    static func exact(_ line: [UInt8], _ expectedSeq: UInt64?) -> ChainEntry? {
        line.withUnsafeBytes { ChainEntry.parseExact(line: $0, expectedSeq: expectedSeq) }
    }

    /// Chain lines (without their newline) of the generated records the
    /// general path takes, at assorted seqs and times.
    static func validLines(seed: UInt64, count: Int) -> [(line: [UInt8], seq: UInt64)] {
        var random = FuzzRandom(seed: seed)
        let seqs: [UInt64] = [0, 1, 9, 10, 99, 12345, 999_999_999_999_999]
        let times = ["2026-11-25T10:00:00Z", "1999-01-01T00:00:00Z", "2026-12-06T23:59:59Z"]
        return ChainRecordFastPathTests.lines(seed: seed, count: count).compactMap { text in
            guard let value = try? JSON.parse(text), case .object = value else { return nil }
            let seq = seqs[Int(random.next() % UInt64(seqs.count))]
            let entry = ChainEntry(seq: seq, time: times[Int(random.next() % 3)], canonicalRecord: JCS.canonical(value))
            return (Array(entry.line.dropLast()), seq)
        }
    }

    /// One random edit: a byte changed, inserted or removed, or a piece of
    /// the exact spelling swapped for another spelling of the same meaning.
    static func damaged(_ line: [UInt8], _ random: inout FuzzRandom) -> [UInt8] {
        var out = line
        let at = Int(random.next() % UInt64(out.count))
        let bytes = Array(#" 0123456789abcdefABCDEF"{}[],:.\-+eEuZT/"#.utf8) + [0x00, 0x7F, 0xC3, 0xA9, 0xFF]
        let pick = bytes[Int(random.next() % UInt64(bytes.count))]
        func replace(_ a: String, _ b: String) {
            let text = String(decoding: out, as: UTF8.self)
            if let r = text.range(of: a) { out = Array(text.replacingCharacters(in: r, with: b).utf8) }
        }
        switch random.next() % 10 {
        case 0: out[at] = pick
        case 1: out.insert(pick, at: at)
        case 2: out.remove(at: at)
        case 3: replace(#"{"seq":"#, #"{"seq":0"#)
        case 4: replace(#"{"seq":"#, #"{ "seq":"#)
        case 5: replace(#","leaf":""#, #","leaf": ""#)
        case 6: replace("Z\",\"record\"", "+00:00\",\"record\"")
        case 7: replace(#""seq":"#, #""seq":1e"#)
        case 8: replace(#"","record":{"#, #"","record":{"x":1,"#)
        default: out.swapAt(at, Int(random.next() % UInt64(out.count)))
        }
        return out
    }

    static func expectAgreement(_ line: [UInt8], _ expectedSeq: UInt64?) {
        guard let fast = exact(line, expectedSeq) else { return }
        let text = String(decoding: line, as: UTF8.self)
        guard let slow = general(line, expectedSeq) else {
            Issue.record("exact parse took a line the general path refuses: \(text)")
            return
        }
        #expect(fast == slow, "\(text)")
        #expect(fast.record == slow.record, "\(text)")
        #expect((try? fast.evidenceRecord()) == (try? EvidenceRecord(json: slow.record)), "\(text)")
        #expect(fast.recordString(.id) == slow.record["id"]?.stringValue)
        #expect(fast.recordString(.contract) == slow.record["contract"]?.stringValue)
    }

    @Test func agreesWithTheGeneralPathOrDeclines() {
        var random = FuzzRandom(seed: 6962)
        var taken = 0, damagedTaken = 0, total = 0
        for (line, seq) in Self.validLines(seed: 8785, count: 3000) {
            let text = String(decoding: line, as: UTF8.self)
            for expected in [nil, seq, seq + 1] {
                Self.expectAgreement(line, expected)
            }
            // A record `EvidenceRecord(json:)` refuses is the general path's
            // to judge (the verifier then refuses it).
            if let slow = Self.general(line, seq), (try? EvidenceRecord(json: slow.record)) != nil {
                total += 1
                if Self.exact(line, seq) != nil {
                    taken += 1
                } else if !text.contains("\\") && !text.contains("digests") {
                    Issue.record("exact parse declined a line as a log writes it: \(text)")
                }
            }
            for _ in 0..<4 {
                var bad = line
                for _ in 0..<(1 + Int(random.next() % 3)) { bad = Self.damaged(bad, &random) }
                Self.expectAgreement(bad, nil)
                Self.expectAgreement(bad, seq)
            }
            // The record spelled another way, the leaf left that of its
            // canonical form: what a line must never be taken with.
            if let slow = Self.general(line, seq) {
                let text = String(decoding: line, as: UTF8.self)
                let record = String(decoding: slow.canonicalRecord, as: UTF8.self)
                for respelled in [record.replacingOccurrences(of: "{\"", with: "{ \""),
                                  record.replacingOccurrences(of: "\",\"", with: "\", \""),
                                  record.replacingOccurrences(of: "\"id\":\"C", with: "\"id\":\"\\u0043"),
                                  record.replacingOccurrences(of: "\"alg\"", with: "\"\\u0061lg\"")] where respelled != record {
                    let bad = Array(text.replacingOccurrences(of: record, with: respelled).utf8)
                    #expect(Self.exact(bad, seq) == nil && Self.general(bad, seq) == nil, "\(respelled)")
                }
            }
            // The record's bytes edited and the leaf recomputed over them:
            // the line is then refused for its record alone (not canonical,
            // not JSON, not an object), or taken where the edit kept it all.
            guard let slow = Self.general(line, seq) else { continue }
            for _ in 0..<4 {
                var record = slow.canonicalRecord
                record = Self.damaged(record, &random)
                let relogged = Array(ChainEntry(seq: seq, time: slow.time, canonicalRecord: record).line.dropLast())
                Self.expectAgreement(relogged, seq)
                if record != slow.canonicalRecord && Self.exact(relogged, seq) != nil { damagedTaken += 1 }
            }
        }
        // The generator must reach both sides: most lines taken, edits that
        // keep a line valid (a name's text) taken too, and many refused.
        #expect(total > 300 && taken * 10 > total * 7, "\(taken) of \(total)")
        #expect(damagedTaken > 0)
    }

    /// `parse` gives the general path's errors, word for word.
    @Test func refusalsSayWhatTheGeneralPathSays() throws {
        let entry = ChainEntry(seq: 7, time: "2026-11-25T10:00:00Z",
                               canonicalRecord: Array(#"{"alg":"sha256","digest":"\#(String(repeating: "ab", count: 32))","id":"C1/esign/a.pdf"}"#.utf8))
        let line = Array(entry.line.dropLast())
        let cases: [([UInt8], UInt64?, String)] = [
            (line, 8, "entry has seq 7 where 8 belongs"),
            (Array(String(decoding: line, as: UTF8.self).replacingOccurrences(of: "\"seq\":7", with: "\"seq\":07").utf8), nil, "leading zero"),
            (Array(line.dropLast(66)) + Array((String(repeating: "0", count: 64) + "\"}").utf8), nil, "\"leaf\" does not match"),
        ]
        for (bad, expected, message) in cases {
            var generalError = "", error = ""
            do { _ = try bad.withUnsafeBytes { try ChainEntry.parseGeneral(line: $0, expectedSeq: expected, context: nil) } } catch { generalError = "\(error)" }
            do { _ = try bad.withUnsafeBytes { try ChainEntry.parse(line: $0, expectedSeq: expected) } } catch let e { error = "\(e)" }
            #expect(!error.isEmpty && error == generalError && error.contains(message), "\(error)")
        }
        #expect(try line.withUnsafeBytes { try ChainEntry.parse(line: $0, expectedSeq: 7) } == entry)
    }
}
