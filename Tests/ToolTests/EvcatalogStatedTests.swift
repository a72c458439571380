import Foundation
import Testing

/// Issue 18 items 5 and 6: every catalogue row says how much its check
/// covered, no entry is silently dropped, and a custody certificate is
/// named only on the rows it certifies, once checked.
@Suite struct EvcatalogStatedTests {
    typealias Golden = EvcatalogTests

    /// The sample verdicts with weaker checks mixed in: no. 1 record only,
    /// no. 2 no cosignature (--no-witness), no. 3 re-logged with another
    /// digest (--accept-relogged), no. 4 a verdict that states neither.
    static func limitedVerdicts() throws -> String {
        let lines = Golden.verdicts(try Golden.sampleRecords()).split(separator: "\n").map(String.init)
        var edited = lines
        edited[0] = lines[0].replacingOccurrences(of: #""checked":"original""#, with: #""checked":"record""#)
        edited[1] = lines[1].replacingOccurrences(of: #""cosignatures":1"#, with: #""cosignatures":0"#)
        edited[2] = lines[2].replacingOccurrences(
            of: #""cosignatures":1"#,
            with: #""cosignatures":1,"conflicts":[{"seq":40,"logged":"2026-11-30T09:00:00Z","digest":"\#(String(repeating: "d", count: 64))"}]"#)
        edited[3] = lines[3].replacingOccurrences(of: #","checked":"original","cosignatures":1"#, with: "")
        #expect(zip(lines, edited).prefix(4).allSatisfy { $0 != $1 })
        return edited.joined(separator: "\n") + "\n"
    }

    func catalogue(_ format: String, lang: String = "zh", input: String, extra: [String] = []) throws -> ToolResult {
        try Tools.run("evcatalog", ["--format", format, "--lang", lang, "--case", Golden.golden.appendingPathComponent("case.json").path,
                                    "--date", "2026-11-26"] + extra, stdin: input)
    }

    /// Item 5: a pass short of the full check is never a plain "Verified",
    /// and says why, in every format and both languages.
    @Test(arguments: [("jsonl", "zh"), ("csv", "zh"), ("md", "zh"), ("html", "zh"), ("jsonl", "en"), ("csv", "en"), ("md", "en"), ("html", "en")])
    func limitedChecksAreStatedInEveryFormat(format: String, lang: String) throws {
        let r = try catalogue(format, lang: lang, input: try Self.limitedVerdicts())
        #expect(r.status == 0, "\(r.stderr)")
        let zh = lang == "zh"
        let limited = zh ? "核验通过（有限）" : "Verified (limited)"
        let why = zh ? ["仅比对记录，未读原件", "无见证副署，仅存证链自签", "另有不同摘要存证：序号 40", "未说明是否读原件", "未说明见证副署"]
                     : ["record only: original not read", "no witness cosignature: the log's signature only",
                        "also logged with other digests: seq 40", "not stated whether the original was read", "witness cosignatures not stated"]
        for phrase in why {
            let written = format == "html" ? phrase.replacingOccurrences(of: "'", with: "&#39;") : phrase
            #expect(r.out.contains(written), "\(format) \(lang): \(phrase)")
        }
        #expect(r.out.components(separatedBy: limited).count - 1 >= 4, "\(format) \(lang): four rows limited")
        if format == "jsonl" {
            let rows = r.objects
            #expect(rows.filter { $0["check"] as? String == "limited" }.count == 4)
            #expect(rows.filter { $0["check"] as? String == "full" }.count == 6)
            #expect(rows.filter { $0["status_label"] as? String == (zh ? "核验通过" : "Verified") }.count == 6)
            #expect(rows.first { $0["checked"] as? String == "record" } != nil)
            #expect(rows.first { ($0["conflicts"] as? [[String: Any]])?.first?["seq"] as? Int == 40 } != nil)
            #expect(rows.first { $0["cosignatures"] as? Int == 0 } != nil)
        } else if format != "csv" {
            #expect(r.out.contains(zh ? "其中有限核验 4 项" : "(4 limited)"), "\(format) \(lang): the summary counts them")
        }
        let name = "catalogue-limited\(zh ? "" : "-en").\(format)"
        if format == "md" || format == "html" { try EvcatalogTests().expectGolden(r.stdout, name) }
    }

    /// Item 5: an entry of a verdict's id with another digest is evidence
    /// logged again, differently: it stays, as its own (unverified) row.
    @Test func anEntryWithAnotherDigestIsNeverDropped() throws {
        let records = try Golden.sampleRecords()
        let relogged = records[0].replacingOccurrences(of: #""digest":"686e"#, with: #""digest":"0000"#)
            .replacingOccurrences(of: #""sha256":"686e"#, with: #""sha256":"0000"#)
        #expect(relogged != records[0])
        let entries = try Golden.chainEntries(records + [relogged])
        let verdicts = Golden.verdicts(records)
        let r = try catalogue("jsonl", input: entries + verdicts, extra: ["--accept-unverified"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.objects.filter { $0["id"] as? String == "C2025-0001/esign/contract.pdf" }
        #expect(rows.count == 2, "\(rows)")
        #expect(Set(rows.compactMap { $0["status"] as? String }) == ["ok", "not-verified"])
        #expect(rows.contains { ($0["digest"] as? String)?.hasPrefix("0000") == true && $0["seq"] as? Int == 31 })
        // The same evidence as an entry and as a verdict is one row.
        #expect(r.objects.filter { $0["status"] as? String == "ok" }.count == 10)
        #expect(r.objects.count == 11)
    }

    /// Item 6: a certificate is checked, then named only where it certifies
    /// the entry; a serial alone, a certificate that does not hold, and
    /// keys without a certificate are refused (exit 2); another contract's
    /// certificate is named on no row (a warning).
    @Test func aCertificateIsCheckedAndNamedOnlyOnTheRowsItCertifies() throws {
        let f = try VerifyFixture()
        let cert = try f.certify(["--root", f.contracts.path], stdin: try f.originals("C2025-0002"))
        try #require(cert.status == 0, "\(cert.stderr)")
        try f.dir.write("c2.cert.json", cert.stdout)
        let serial = try #require((try JSONSerialization.jsonObject(with: cert.stdout) as? [String: Any])?["serial"] as? String)
        var originals = try f.originals("C2025-0001")
        originals.append(Data("\n".utf8))
        originals.append(try f.originals("C2025-0002"))
        let verdicts = try f.verify([], stdin: originals)
        try #require(verdicts.status == 0, "\(verdicts.stderr)")
        let keys = ["--issuer-key", f.issuerVKey, "--log-key", f.logVKey, "--witness-key", f.notaryVKey]
        func run(_ args: [String]) throws -> ToolResult {
            try Tools.run("evcatalog", args, stdin: verdicts.stdout, directory: f.dir.url)
        }

        let both = try run(["--contract", "C2025-0001", "--contract", "C2025-0002", "--certificate", "c2.cert.json", "--allow-failed"] + keys)
        #expect(both.status == 0, "\(both.stderr)")
        let named = both.objects.filter { $0["certificate"] != nil }
        #expect(!named.isEmpty && named.allSatisfy { $0["contract"] as? String == "C2025-0002" && $0["certificate"] as? String == serial },
                "\(both.out)")
        #expect(named.count == both.objects.filter { $0["contract"] as? String == "C2025-0002" && $0["status"] as? String == "ok" }.count)
        #expect(both.objects.contains { $0["contract"] as? String == "C2025-0001" && $0["certificate"] == nil })
        let md = try run(["--contract", "C2025-0001", "--contract", "C2025-0002", "--certificate", "c2.cert.json", "--format", "md",
                          "--allow-failed"] + keys)
        #expect(md.out.contains("保管单 \(serial)"))

        // Another contract's certificate: checked, holds, certifies none of these rows.
        let other = try run(["--contract", "C2025-0001", "--certificate", "c2.cert.json"] + keys)
        #expect(other.status == 0, "\(other.stderr)")
        #expect(other.objects.allSatisfy { $0["certificate"] == nil })
        #expect(other.stderr.contains("custody certificate \(serial) certifies none of the catalogue's entries"), "\(other.stderr)")

        // A file holding only a serial is no certificate: refused.
        try f.dir.write("serial.json", #"{"serial":"\#(serial)"}"#)
        let bare = try run(["--contract", "C2025-0002", "--certificate", "serial.json"] + keys)
        #expect(bare.status == 2 && bare.stdout.isEmpty, "\(bare.out)")
        #expect(bare.stderr.contains("serial.json: not a custody certificate"), "\(bare.stderr)")
        // Checked with the wrong issuer key, or with no keys at all: refused.
        let wrong = try run(["--contract", "C2025-0002", "--certificate", "c2.cert.json", "--issuer-key", f.notaryVKey,
                             "--log-key", f.logVKey, "--witness-key", f.notaryVKey])
        #expect(wrong.status == 2 && wrong.stdout.isEmpty, "\(wrong.out)")
        #expect(wrong.stderr.contains("does not hold"), "\(wrong.stderr)")
        let unkeyed = try run(["--contract", "C2025-0002", "--certificate", "c2.cert.json"])
        #expect(unkeyed.status == 2 && unkeyed.stderr.contains("--issuer-key"), "\(unkeyed.stderr)")
        let keysAlone = try run(["--contract", "C2025-0002"] + keys)
        #expect(keysAlone.status == 2 && keysAlone.stderr.contains("--certificate"), "\(keysAlone.stderr)")
    }
}
