import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

@Suite struct CatalogueItemTests {
    @Test func readsVerdictsWithTheirVerificationFields() throws {
        let item = try Fixture.item(Fixture.verdict("C1", "esign", "contract.pdf", status: "unproven", seq: 4,
                                                    extra: #","reason":"bad proof","certificate":"S-1""#))
        #expect(item.origin == .verdict)
        #expect(item.status == .unproven)
        #expect(item.seq == 4 && item.treeSize == 9 && item.logged == "2026-11-25T10:00:00Z")
        #expect(item.reason == "bad proof" && item.certificate == "S-1")
        #expect(item.record.id == "C1/esign/contract.pdf")
    }

    @Test func readsChainEntriesAsNotVerifiedWithTheirLoggedTime() throws {
        let item = try Fixture.item(Fixture.entry("C1", "face", "photo.png", seq: 7))
        #expect(item.origin == .entry && item.status == .notVerified)
        #expect(item.seq == 7 && item.logged == "2026-11-25T10:00:00Z")
        #expect(item.record.stage == "face")
    }

    @Test func readsTheOriginalsDigestOfAMismatch() throws {
        let actual = String(repeating: "cd", count: 32)
        let item = try Fixture.item(Fixture.verdict("C1", "esign", "a.pdf", status: "mismatch", extra: #","actual":"\#(actual)""#))
        #expect(item.actual == actual)
        #expect(throws: EvidenceError.self) {
            try Fixture.item(Fixture.verdict("C1", "esign", "a.pdf", status: "mismatch", extra: #","actual":"cdcd""#))
        }
    }

    @Test func refusesAnEntryWhoseLeafIsNotItsHash() throws {
        let good = Fixture.entry("C1", "face", "photo.png", seq: 7)
        _ = try Fixture.item(good)
        // The same line with the record's name changed: its leaf no longer fits.
        let altered = good.replacingOccurrences(of: #""name":"photo.png""#, with: #""name":"photo2.png""#)
        do {
            _ = try Fixture.item(altered)
            Issue.record("accepted an altered entry")
        } catch let error as EvidenceError {
            #expect(error.message.contains("\"leaf\" does not match the entry"))
        }
    }

    @Test func readsEvverifysStageGapsAsGapsNotItems() throws {
        let line = #"{"id":"C2/default","contract":"C2","stage":"default","status":"missing","reason":"no default evidence"}"#
        guard case .object(let o) = try JSON.parse(line) else { Issue.record("not an object"); return }
        #expect(StageGap.isGap(o))
        #expect(try StageGap(json: o) == StageGap(contract: "C2", stage: "default", reason: "no default evidence"))
        let notMissing = #"{"id":"C2/default","contract":"C2","stage":"default","status":"ok"}"#
        guard case .object(let p) = try JSON.parse(notMissing) else { return }
        #expect(throws: EvidenceError.self) { try StageGap(json: p) }
    }

    @Test func readsBareRecordsAsNotLogged() throws {
        let item = try Fixture.item(Fixture.record("C1", "default", "notice.pdf"))
        #expect(item.origin == .record && item.status == .notLogged && item.seq == nil)
    }

    @Test(arguments: [
        (Fixture.verdict("C1", "esign", "a.pdf", status: "fine"), "unknown \"status\" \"fine\""),
        (Fixture.verdict("C1", "esign", "a.pdf", extra: #","colour":"red""#), "unknown field \"colour\""),
        (Fixture.record("C1", "esign", "a.pdf", extra: #","status":"ok""#), "must give the chain \"seq\""),
        (Fixture.verdict("C1", "esign", "a.pdf", extra: #","seq2":1"#), "unknown field \"seq2\""),
        (#"{"seq":1,"time":"2026-11-25T10:00:00Z","record":{"id":"x","alg":"sha256","digest":"00"},"leaf":"\#(Fixture.digest)"}"#, "in \"record\": expected \"digest\""),
        (String(Fixture.entry("C1", "esign", "a.pdf").dropLast()) + #","extra":1}"#, "unknown field \"extra\""),
        (#"{"seq":-1,"time":"2026-11-25T10:00:00Z","record":\#(Fixture.record("C1", "esign", "a.pdf")),"leaf":"\#(Fixture.digest)"}"#, "\"seq\""),
        (#"{"seq":1,"time":"yesterday","record":\#(Fixture.record("C1", "esign", "a.pdf")),"leaf":"\#(Fixture.digest)"}"#, "\"time\""),
    ])
    func refusesMalformedItemsNamingTheField(line: String, message: String) throws {
        do {
            _ = try Fixture.item(line)
            Issue.record("accepted \(line)")
        } catch let error as EvidenceError {
            #expect(error.exitStatus == 2)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}

/// Sizes a clerk reads at a glance, with the exact count kept beside them
/// (issue 21: the catalogue showed `2000000 字节`).
@Suite struct CatalogueSizeTests {
    @Test(arguments: [
        (0, "0 字节", "0 bytes"),
        (1, "1 字节", "1 byte"),
        (1023, "1,023 字节", "1,023 bytes"),
        (1024, "1.0 KB（1,024 字节）", "1.0 KB (1,024 bytes)"),
        (48213, "47 KB（48,213 字节）", "47 KB (48,213 bytes)"),
        (2_000_000, "1.9 MB（2,000,000 字节）", "1.9 MB (2,000,000 bytes)"),
        (10_484_000, "10 MB（10,484,000 字节）", "10 MB (10,484,000 bytes)"),
        (1 << 40, "1.0 TB（1,099,511,627,776 字节）", "1.0 TB (1,099,511,627,776 bytes)"),
    ])
    func sizesAreShownInUnitsWithTheExactCount(n: Int, zh: String, en: String) {
        #expect(CatalogueLabels(.zh).bytes(n) == zh)
        #expect(CatalogueLabels(.en).bytes(n) == en)
    }
}
