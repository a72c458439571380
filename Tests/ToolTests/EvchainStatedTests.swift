import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceLog
@testable import EvidenceCore

/// Issue 18 items 8 and 9, issue 23 item 7: `evchain usage` counts what the
/// log commits to, once, and refuses records that contradict each other;
/// `evchain cosign` does not pass on what it cannot bound.
@Suite struct EvchainStatedTests {
    static let session = String(repeating: "5a", count: 16)

    static func message(_ kind: String, from: String, count: Int, _ fill: Character) -> PrivacyComputation.Message {
        PrivacyComputation.Message(kind: kind, from: from, count: count, sha256: String(repeating: fill, count: 64))
    }

    /// One record line of a DH-PSI step, as `evpsi --record` writes it.
    static func record(step: String, party: String, purpose: String? = "loan-review", session: String = session,
                       sent: [PrivacyComputation.Message], received: [PrivacyComputation.Message],
                       time: String = "2020-01-15T08:00:00Z") -> String {
        let c = PrivacyComputation(protocolName: "dh-psi", mode: "intersection", step: step, party: party, session: session,
                                   purpose: purpose, group: "p256", signer: nil, peer: nil, sent: sent, received: received)
        return String(decoding: JCS.canonical(c.record(time: time).json), as: UTF8.self)
    }

    static let request = message("psi-request", from: "b", count: 3, "1")
    static let response = message("psi-response", from: "a", count: 3, "2")
    static var bankRequest: String { record(step: "request", party: "b", sent: [request], received: []) }
    static var commissionRespond: String { record(step: "respond", party: "a", sent: [response], received: [request]) }

    static func usage(_ args: [String], stdin: String = "", in dir: TemporaryDirectory) throws -> ToolResult {
        try Tools.run("evchain", ["usage"] + args, stdin: stdin, directory: dir.url)
    }

    static func row(_ r: ToolResult, _ by: String) -> [[String: Any]] { r.objects.filter { $0["by"] as? String == by } }

    /// Item 8: the month is the log's entry time (which the leaf covers),
    /// not the record's own `time`, which nothing covers.
    @Test func theMonthIsTheLogsEntryTime() throws {
        let dir = try TemporaryDirectory()
        #expect(try Tools.run("evchain", ["init", "chain", "--origin", "o.example/log"], directory: dir.url).status == 0)
        let append = try Tools.run("evchain", ["append", "chain"], stdin: Self.bankRequest + "\n" + Self.commissionRespond + "\n",
                                   directory: dir.url)
        try #require(append.status == 0, "\(append.stderr)")
        let month = String(RFC3339.now().prefix(7))
        let r = try Self.usage(["chain"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.row(r, "month").map { $0["month"] as? String } == [month], "\(r.out)")

        // The same entries on standard input: the entry time counts, once its leaf holds.
        let show = try Tools.run("evchain", ["show", "chain"], directory: dir.url)
        let viaStdin = try Self.usage(["-"], stdin: show.out, in: dir)
        #expect(viaStdin.status == 0, "\(viaStdin.stderr)")
        #expect(Self.row(viaStdin, "month").map { $0["month"] as? String } == [month], "\(viaStdin.out)")
        // An entry whose time was edited no longer matches its leaf.
        let edited = show.out.replacingOccurrences(of: "\"time\":\"\(month)", with: "\"time\":\"2019-03")
        #expect(edited != show.out)
        let refused = try Self.usage(["-"], stdin: edited, in: dir)
        #expect(refused.status == 2 && refused.stdout.isEmpty, "\(refused.out)")
        #expect(refused.stderr.contains("stdin:1:") && refused.stderr.contains("leaf"), "\(refused.stderr)")

        // Bare records were never logged: no month is claimed for them.
        let bare = try Self.usage(["-"], stdin: Self.bankRequest + "\n", in: dir)
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(Self.row(bare, "month").map { $0["month"] as? String } == ["(not logged)"], "\(bare.out)")
    }

    /// Item 8: one record read twice (given twice, or appended twice) is one record.
    @Test func aRecordReadTwiceCountsOnce() throws {
        let dir = try TemporaryDirectory()
        let twice = Self.bankRequest + "\n" + Self.bankRequest + "\n"
        let r = try Self.usage(["-"], stdin: twice, in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        for row in r.objects { #expect(row["records"] as? Int == 1 && row["requested"] as? Int == 3, "\(r.out)") }

        #expect(try Tools.run("evchain", ["init", "chain", "--origin", "o.example/log"], directory: dir.url).status == 0)
        #expect(try Tools.run("evchain", ["append", "chain"], stdin: Self.bankRequest + "\n", directory: dir.url).status == 0)
        #expect(try Tools.run("evchain", ["append", "chain"], stdin: Self.bankRequest + "\n", directory: dir.url).status == 0)
        let chain = try Self.usage(["chain"], in: dir)
        #expect(chain.status == 0, "\(chain.stderr)")
        for row in chain.objects { #expect(row["records"] as? Int == 1 && row["sessions"] as? Int == 1, "\(chain.out)") }
    }

    /// Issue 23 item 7: two records naming one message with different
    /// counts, or under different purposes, cannot both be true.
    @Test func recordsThatContradictEachOtherAreRefused() throws {
        let dir = try TemporaryDirectory()
        let honest = try Self.usage(["-"], stdin: Self.bankRequest + "\n" + Self.commissionRespond + "\n", in: dir)
        #expect(honest.status == 0, "\(honest.stderr)")
        #expect(Self.row(honest, "purpose").first?["requested"] as? Int == 3)
        let moreCounted = Self.record(step: "respond", party: "a", sent: [Self.response],
                                      received: [Self.message("psi-request", from: "b", count: 300, "1")])
        let otherPurpose = Self.record(step: "respond", party: "a", purpose: "marketing", sent: [Self.response],
                                       received: [Self.request])
        for contradicting in [moreCounted, otherPurpose] {
            let r = try Self.usage(["-"], stdin: Self.bankRequest + "\n" + contradicting + "\n", in: dir)
            #expect(r.status == 2 && r.stdout.isEmpty, "\(r.out)")
            #expect(r.stderr.hasPrefix("evchain: stdin:2: ") && r.stderr.contains("stdin:1") && r.stderr.contains(String(repeating: "1", count: 64)),
                    "\(r.stderr)")
        }
    }

    /// Item 9: a signature line cosign cannot verify is passed on only
    /// within bounds: the size of a signature the toolkit knows, a key
    /// name of at most 256 bytes.
    @Test func cosignDropsUnboundedSignatureLines() throws {
        let f = try VerifyFixture()
        let signed = try String(contentsOfFile: f.signedOnly, encoding: .utf8)
        let huge = "\u{2014} rogue.example/filler " + Data(repeating: 0x41, count: 256 * 1024).base64EncodedString() + "\n"
        let longName = "\u{2014} " + String(repeating: "n", count: 300) + " " + Data(repeating: 7, count: 4 + 72).base64EncodedString() + "\n"
        let otherWitness = "\u{2014} other.example/witness " + Data(repeating: 9, count: 4 + 72).base64EncodedString() + "\n"
        try f.dir.write("padded", signed + huge + longName + otherWitness)
        try FileManager.default.createDirectory(at: f.dir.file("state2"), withIntermediateDirectories: true)
        let r = try Tools.run("evchain", ["cosign", "--witness-key", f.dir.file("notary.key").path, "--log-key", f.logVKey,
                                          "--state", f.dir.file("state2").path, "--init", f.dir.file("padded").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.count < 2048, "cosign copied \(r.stdout.count) bytes")
        #expect(!r.out.contains("rogue.example/filler") && !r.out.contains(String(repeating: "n", count: 300)))
        #expect(r.out.contains("other.example/witness"), "a well-formed cosignature of another witness is kept")
        try f.dir.write("recosigned", r.stdout)
        let v = try f.verify([], stdin: try f.originals("C2025-0001"), checkpoint: f.dir.file("recosigned").path)
        #expect(v.status == 0, "\(v.stderr)")
    }
}
