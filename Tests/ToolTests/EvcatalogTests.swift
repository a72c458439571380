import Foundation
import Testing

/// evcatalog run as an operator runs it: on the sample contracts' records
/// (turned into verdicts), against golden files, and on bad input.
@Suite struct EvcatalogTests {
    static let golden = Repository.root.appendingPathComponent("Tests/Golden/evcatalog")
    static let requiredStages = "esign,face,liveness,performance,default"

    /// The sample contracts' evidence records, as evhash makes them.
    static func sampleRecords() throws -> [String] {
        let contracts = Repository.root.appendingPathComponent("examples/contracts")
        let result = try Tools.run("evhash", ["--root", contracts.path, "--alg", "sha256,sm3"],
                                   stdin: try Data(contentsOf: contracts.appendingPathComponent("manifest.jsonl")))
        #expect(result.status == 0, "\(result.stderr)")
        return result.lines
    }

    /// The custody certificate the golden catalogues attach (make-certificate.sh
    /// made it: the sample records appended to a log in one batch, sealed,
    /// cosigned, certified for C2025-0001), and the keys that check it.
    static let certificate = (try? Data(contentsOf: golden.appendingPathComponent("certificate.json"))) ?? Data()
    static var certificateSerial: String {
        ((try? JSONSerialization.jsonObject(with: certificate) as? [String: Any])?["serial"] as? String) ?? "?"
    }
    /// The log time of the certified entries (one batch: one time).
    static var certifiedLogged: String {
        let doc = try? JSONSerialization.jsonObject(with: certificate) as? [String: Any]
        return ((doc?["items"] as? [[String: Any]])?.first?["logged"] as? String) ?? "?"
    }
    static func key(_ name: String) -> String { golden.appendingPathComponent(name).path }
    static let certificateKeys = ["--issuer-key", key("issuer.vkey"), "--log-key", key("log.vkey"), "--witness-key", key("notary.vkey")]

    /// Verdicts as evverify reports them: every item found at its position
    /// in the certified log, its original read, one cosignature checked.
    static func verdicts(_ records: [String], status: (Int) -> String = { _ in "ok" }) -> String {
        records.enumerated().map { i, line in
            let s = status(i)
            let found = s == "missing" ? "" : #","seq":\#(i),"logged":"\#(certifiedLogged)","tree_size":\#(records.count)"#
                + (s == "ok" ? #","checked":"original","cosignatures":1"# : "")
            let reason = s == "ok" ? "" : #","reason":"\#(s) (test)""#
            // What someone independent attests, beside the bank's clock.
            let by = i == 1 ? "timestamp" : "cosignatures"
            let attested = s == "ok" ? #","attested":"\#(certifiedLogged)","attested_by":"\#(by)","attested_tree_size":\#(records.count)"# : ""
            return String(line.dropLast()) + #","status":"\#(s)""# + found + attested + reason + "}"
        }.joined(separator: "\n") + "\n"
    }

    /// The records appended to a fresh chain by evchain, as `evchain show` prints them.
    static func chainEntries(_ records: [String]) throws -> String {
        let dir = try TemporaryDirectory()
        #expect(try Tools.run("evchain", ["init", "test.chain", "--origin", "test.example/log"], directory: dir.url).status == 0)
        let append = try Tools.run("evchain", ["append", "test.chain"], stdin: records.joined(separator: "\n") + "\n", directory: dir.url)
        #expect(append.status == 0, "\(append.stderr)")
        let show = try Tools.run("evchain", ["show", "test.chain"], directory: dir.url)
        #expect(show.status == 0 && show.lines.count == records.count, "\(show.stderr)")
        return show.out
    }

    func catalogue(_ format: String, lang: String = "zh", input: String, extra: [String] = []) throws -> ToolResult {
        let args = ["--format", format, "--lang", lang,
                    "--case", Self.golden.appendingPathComponent("case.json").path,
                    "--certificate", Self.golden.appendingPathComponent("certificate.json").path] + Self.certificateKeys + [
                    "--date", "2026-11-26", "--require-stages", Self.requiredStages] + extra
        return try Tools.run("evcatalog", args, stdin: input)
    }

    /// Compares with the golden file; EVIDENCE_UPDATE_GOLDEN=1 rewrites it.
    func expectGolden(_ output: Data, _ name: String) throws {
        let url = Self.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["EVIDENCE_UPDATE_GOLDEN"] == "1" {
            try output.write(to: url)
            return
        }
        let expected = try Data(contentsOf: url)
        if output != expected {
            let got = String(decoding: output, as: UTF8.self).components(separatedBy: "\n")
            let want = String(decoding: expected, as: UTF8.self).components(separatedBy: "\n")
            let line = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
            Issue.record("""
                \(name) differs from the golden file at line \(line + 1) (EVIDENCE_UPDATE_GOLDEN=1 to accept):
                  want: \(line < want.count ? want[line] : "<end>")
                  got:  \(line < got.count ? got[line] : "<end>")
                """)
        }
    }

    @Test(arguments: [("jsonl", "zh"), ("csv", "zh"), ("md", "zh"), ("html", "zh"), ("md", "en"), ("html", "en")])
    func sampleContractMatchesGoldenFile(format: String, lang: String) throws {
        let result = try catalogue(format, lang: lang, input: Self.verdicts(try Self.sampleRecords()))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("left out 21 items of other contracts"))
        try expectGolden(result.stdout, "catalogue\(lang == "zh" ? "" : "-" + lang).\(format)")
    }

    /// A failed catalogue, pinned: a mismatch (with the original's digest
    /// now), an item missing from the log, and evverify's stage gap.
    @Test func failedCatalogueMatchesGoldenFile() throws {
        let records = try Self.sampleRecords()
        var input = Self.verdicts(records) { $0 == 0 ? "mismatch" : $0 == 9 ? "missing" : "ok" }
        input = input.replacingOccurrences(of: #""status":"mismatch""#,
                                           with: #""status":"mismatch","actual":"\#(String(repeating: "e", count: 64))""#)
        input += #"{"id":"C2025-0001/execution","contract":"C2025-0001","stage":"execution","status":"missing","reason":"no execution (执行) evidence for contract C2025-0001 in the log"}"# + "\n"
        let result = try catalogue("md", input: input)
        #expect(result.status == 1)
        #expect(result.stderr.contains("catalogue: 2 failed verification, 1 required stage missing"), "\(result.stderr)")
        try expectGolden(result.stdout, "catalogue-failed.md")
    }

    @Test func rowsFollowTheLifecycleAndAreNumberedConsecutively() throws {
        let result = try catalogue("jsonl", input: Self.verdicts(try Self.sampleRecords()))
        let rows = result.objects
        #expect(rows.count == 10)
        #expect(rows.map { $0["no"] as? Int } == Array(1...10))
        #expect(rows.map { $0["stage"] as! String } == ["esign", "esign", "face", "face", "liveness",
                                                        "performance", "performance", "performance", "performance", "default"])
        #expect(rows.allSatisfy { $0["certificate"] as? String == Self.certificateSerial && $0["flagged"] as? Bool == false })
        // Time order within a stage (the face photo was taken before the face result).
        for (a, b) in zip(rows, rows.dropFirst()) where a["stage"] as? String == b["stage"] as? String {
            #expect((a["time"] as! String) <= (b["time"] as! String))
        }
    }

    @Test func failedVerificationIsMarkedAndExitsOneUnlessAllowed() throws {
        let records = try Self.sampleRecords()
        let input = Self.verdicts(records) { $0 == 7 ? "mismatch" : $0 == 2 ? "missing" : "ok" }
        for format in ["jsonl", "csv", "md", "html"] {
            let failed = try catalogue(format, input: input)
            #expect(failed.status == 1, "\(format): \(failed.stderr)")
            #expect(failed.stderr.contains("evcatalog: catalogue: 2 failed verification; --allow-failed to file it anyway"))
            #expect(failed.out.contains("【未通过】摘要不一致") && failed.out.contains("【未通过】存证链中无此记录"))
            let allowed = try catalogue(format, input: input, extra: ["--allow-failed"])
            #expect(allowed.status == 0)
            #expect(allowed.stdout == failed.stdout, "the catalogue is the same; only the exit status differs")
        }
        let rows = try catalogue("jsonl", input: input).objects
        #expect(rows.filter { $0["flagged"] as? Bool == true }.map { $0["name"] as! String } == ["face-photo.png", "repayment-03.json"])
    }

    @Test func chainEntriesAloneAreNotVerifiedUntilAccepted() throws {
        let input = try Self.chainEntries(try Self.sampleRecords())
        let strict = try catalogue("md", input: input)
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("10 not verified"))
        #expect(strict.out.contains("**【未核验】仅有存证记录"))
        let accepted = try catalogue("jsonl", input: input, extra: ["--accept-unverified"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.objects.allSatisfy { $0["status"] as? String == "not-verified" && $0["flagged"] as? Bool == false })
        // Bare records (evhash output) likewise.
        let records = try catalogue("jsonl", input: try Self.sampleRecords().joined(separator: "\n"), extra: ["--accept-unverified"])
        #expect(records.status == 0)
        #expect(records.objects.allSatisfy { $0["status"] as? String == "not-logged" })
    }

    @Test func aVerdictOutranksTheEntryForTheSameItem() throws {
        let records = try Self.sampleRecords()
        let input = try Self.chainEntries(records) + Self.verdicts(records)
        let result = try catalogue("jsonl", input: input)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.objects.count == 10 && result.objects.allSatisfy { $0["status"] as? String == "ok" })
    }

    @Test func missingRequiredStagesAreListedAndExitOne() throws {
        let records = try Self.sampleRecords().filter { !$0.contains(#""stage":"liveness""#) }
        let result = try catalogue("jsonl", input: Self.verdicts(records), extra: ["--require-stages", "esign,liveness,execution"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("2 required stages missing"))
        let missing = result.objects.filter { $0["status"] as? String == "absent" }
        #expect(missing.map { $0["stage"] as! String } == ["liveness", "execution"])
        #expect(missing.allSatisfy { $0["no"] == nil && $0["contract"] as? String == "C2025-0001" })
    }

    @Test func badInputLinesExitTwoNamingFileAndLineAndWriteNothing() throws {
        let records = try Self.sampleRecords()
        let cases: [(String, String)] = [
            (records[0] + "\n{\"id\":\"x\"\n", "stdin:2: "),
            (records[0] + "\n" + records[1].replacingOccurrences(of: "\"alg\"", with: "\"algo\"") + "\n", "stdin:2: unknown field \"algo\""),
            (#"{"id":"a","alg":"sha256","digest":"\#(String(repeating: "0", count: 64))","status":"great","seq":1}"# + "\n", "stdin:1: unknown \"status\""),
            ("[1,2]\n", "stdin:1: expected a JSON object"),
        ]
        for (input, message) in cases {
            let result = try Tools.run("evcatalog", [], stdin: input)
            #expect(result.status == 2)
            #expect(result.stderr.hasPrefix("evcatalog: " + message), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func badOptionsAndDocumentsExitTwoMissingFilesThree() throws {
        let dir = try TemporaryDirectory()
        let input = Self.verdicts(try Self.sampleRecords())
        let badCase = try dir.write("case.json", #"{"case":"X","plaintiff":"Bank"}"#)
        let badCert = try dir.write("cert.json", #"{"id":"no serial here"}"#)
        let keys = Self.certificateKeys
        let notJSON = try dir.write("purposes.json", "stages: esign")
        let usage: [([String], String)] = [
            (["--format", "pdf"], "--format takes jsonl, csv, md or html"),
            (["--lang", "fr"], "--lang takes zh or en"),
            (["--format", "html", "--bom"], "--bom applies to --format csv only"),
            (["--date", "2026-02-30"], "--date takes a date as YYYY-MM-DD"),
            (["--utc-offset", "+8"], "--utc-offset takes an offset such as +08:00"),
            (["--require-stages", "esign,Face"], "\"Face\" is not a stage name"),
            (["--case", badCase.path], "\(badCase.path): unknown field \"plaintiff\""),
            (["--certificate", badCert.path] + keys, "\(badCert.path): not a custody certificate"),
            (["--purposes", notJSON.path], "\(notJSON.path): "),
        ]
        for (args, message) in usage {
            let result = try Tools.run("evcatalog", args, stdin: input)
            #expect(result.status == 2, "\(args)")
            #expect(result.stderr.contains(message), "\(args): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        for args in [[dir.file("absent.jsonl").path], ["--case", dir.file("absent.json").path]] {
            let result = try Tools.run("evcatalog", args, stdin: input)
            #expect(result.status == 3, "\(args)")
            #expect(result.stderr.contains("cannot open"))
        }
    }

    @Test func emptyInputIsNoCatalogueToFile() throws {
        let result = try Tools.run("evcatalog", ["--format", "md"], stdin: "\n")
        #expect(result.status == 1)
        #expect(result.stderr.contains("no evidence"))
    }

    @Test func beijingTimeOnRequestInTheDocumentFormatsOnly() throws {
        let input = Self.verdicts(try Self.sampleRecords())
        let md = try catalogue("md", input: input, extra: ["--utc-offset", "+08:00"])
        // The contract was signed at 10:02:33 Beijing time (02:02:33Z).
        #expect(md.out.contains("生成于 2025-04-16 10:02:33 UTC+08:00"))
        #expect(!md.out.contains(" UTC<br>") && !md.out.contains(" UTC |"))
        let jsonl = try catalogue("jsonl", input: input, extra: ["--utc-offset", "+08:00"])
        #expect(jsonl.objects.first?["time"] as? String == "2025-04-16T02:02:33Z", "machine fields stay RFC 3339 UTC")
    }

    @Test func csvByteOrderMarkForSpreadsheets() throws {
        let input = Self.verdicts(try Self.sampleRecords())
        let plain = try catalogue("csv", input: input)
        let bom = try catalogue("csv", input: input, extra: ["--bom"])
        #expect(Array(bom.stdout.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(bom.stdout.dropFirst(3) == plain.stdout)
    }

    @Test func contractOptionOverridesTheCaseFile() throws {
        let input = Self.verdicts(try Self.sampleRecords())
        let result = try catalogue("jsonl", input: input, extra: ["--contract", "C2025-0002", "--contract", "C2025-0003"])
        #expect(result.status == 1, "C2025-0002 has no default notice, a required stage")
        #expect(Set(result.objects.compactMap { $0["contract"] as? String }) == ["C2025-0002", "C2025-0003"])
        #expect(result.objects.filter { $0["status"] as? String == "absent" }.map { "\($0["contract"]!)/\($0["stage"]!)" } == ["C2025-0002/default"])
    }
}
