import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

@Suite struct CatalogueTests {
    @Test func groupsByStageOrderThenTimeAndNumbersConsecutively() throws {
        let c = try Fixture.catalogue([
            Fixture.verdict("C1", "default", "notice.pdf", time: "2025-10-10T01:00:00Z", seq: 5),
            Fixture.verdict("C1", "performance", "r2.json", time: "2025-06-05T10:00:00Z", seq: 4),
            Fixture.verdict("C1", "performance", "r1.json", time: "2025-05-05T10:00:00Z", seq: 3),
            Fixture.verdict("C1", "custom", "other.bin", time: "2024-01-01T00:00:00Z", seq: 6),
            Fixture.verdict("C1", "face", "photo.png", time: "2025-04-16T02:01:12Z", seq: 1),
            Fixture.verdict("C1", "esign", "contract.pdf", time: "2025-04-16T02:02:33Z", seq: 2),
            // Fractions sort by value, not as text ("33.5Z" < "33Z" as strings).
            Fixture.verdict("C1", "esign", "cert.pdf", time: "2025-04-16T02:02:33.5Z", seq: 0),
        ])
        #expect(c.rows.map { $0.record?.name } == ["contract.pdf", "cert.pdf", "photo.png", "r1.json", "r2.json", "notice.pdf", "other.bin"])
        #expect(c.rows.map(\.number) == [1, 2, 3, 4, 5, 6, 7])
        #expect(c.summary.items == 7 && c.summary.verified == 7 && c.summary.flagged == 0)
    }

    @Test func orderDoesNotDependOnInputOrder() throws {
        let lines = (0..<12).map { i in
            Fixture.verdict(i % 2 == 0 ? "C1" : "C2", ["esign", "face", "performance"][i % 3], "n\(i)",
                            time: i % 4 == 0 ? nil : "2025-01-0\(1 + i % 5)T00:00:00Z", seq: i)
        }
        let a = try Fixture.catalogue(lines)
        let b = try Fixture.catalogue(lines.reversed())
        #expect(a.rows == b.rows)
    }

    @Test func requiredStagesWithoutEvidenceBecomeFlaggedMissingRowsPerContract() throws {
        let c = try Fixture.catalogue([
            Fixture.verdict("C1", "esign", "contract.pdf"),
            Fixture.verdict("C2", "esign", "contract.pdf"),
            Fixture.verdict("C2", "face", "photo.png"),
        ]) { $0.requiredStages = ["esign", "face", "liveness"] }
        let missing = c.rows.filter { $0.item == nil }
        #expect(missing.map { "\($0.contract!)/\($0.stage.name)" } == ["C1/face", "C1/liveness", "C2/liveness"])
        #expect(missing.allSatisfy { $0.flagged && $0.number == nil && $0.status == .absent })
        // Missing rows sit in their stage's place and take no number.
        #expect(c.rows.map(\.stage.name) == ["esign", "esign", "face", "face", "liveness", "liveness"])
        #expect(c.rows.compactMap(\.number) == [1, 2, 3])
        #expect(c.summary.absentStages == 3 && c.summary.items == 3)
    }

    @Test func evverifysStageGapsBecomeMissingRowsWithTheirReason() throws {
        let c = try Fixture.catalogue([
            Fixture.verdict("C1", "esign", "contract.pdf"),
            #"{"id":"C1/default","contract":"C1","stage":"default","status":"missing","reason":"no default evidence in the log"}"#,
        ]) { $0.requiredStages = ["default", "face"] }
        let missing = c.rows.filter { $0.item == nil }
        // One row per (stage, contract), whether evverify or --require-stages found it.
        #expect(missing.map(\.stage.name) == ["face", "default"])
        #expect(missing.map(\.gapReason) == [nil, "no default evidence in the log"])
        let cells = CatalogueCells(missing[1], labels: CatalogueLabels(.zh), showContract: false)
        #expect(cells.verification == ["【缺失】未提供该类证据", "no default evidence in the log"])
    }

    @Test func failedAndUnverifiedItemsAreFlagged() throws {
        let t = "2025-01-01T00:00:00Z"
        let lines = [
            Fixture.verdict("C1", "esign", "a.pdf", time: t, status: "ok"),
            Fixture.verdict("C1", "esign", "b.pdf", time: t, status: "mismatch"),
            Fixture.verdict("C1", "esign", "c.pdf", time: t, status: "missing"),
            Fixture.verdict("C1", "esign", "d.pdf", time: t, status: "unproven"),
            Fixture.entry("C1", "face", "e.png"),
            Fixture.record("C1", "face", "f.json"),
        ]
        let strict = try Fixture.catalogue(lines)
        #expect(strict.rows.map(\.flagged) == [false, true, true, true, true, true])
        #expect(strict.summary.failed == 3 && strict.summary.unverified == 2 && strict.summary.flagged == 5)
        let lenient = try Fixture.catalogue(lines) { $0.acceptUnverified = true }
        #expect(lenient.rows.map(\.flagged) == [false, true, true, true, false, false])
        #expect(lenient.rows.map(\.status) == [.ok, .mismatch, .missing, .unproven, .notVerified, .notLogged])
    }

    @Test func aVerdictOutranksAnEntryAndARecordOfTheSameID() throws {
        let c = try Fixture.catalogue([
            Fixture.record("C1", "esign", "a.pdf"),
            Fixture.entry("C1", "esign", "a.pdf", seq: 3),
            Fixture.verdict("C1", "esign", "a.pdf", status: "mismatch", seq: 3),
            Fixture.verdict("C1", "esign", "a.pdf", status: "mismatch", seq: 3),
            Fixture.entry("C1", "esign", "b.pdf", seq: 4),
        ])
        #expect(c.rows.map { "\($0.record!.name!):\($0.status.rawValue)" } == ["a.pdf:mismatch", "b.pdf:not-verified"])
    }

    @Test func theCaseFileSelectsItsContracts() throws {
        var file = CaseFile()
        file.contracts = ["C2"]
        let lines = [Fixture.verdict("C1", "esign", "a.pdf"), Fixture.verdict("C2", "esign", "a.pdf")]
        let c = try Fixture.catalogue(lines) { $0.caseFile = file }
        #expect(c.rows.map(\.contract) == ["C2"] && c.leftOut == 1)
        // --contract overrides the case file.
        let d = try Fixture.catalogue(lines) { $0.caseFile = file; $0.contracts = ["C1"] }
        #expect(d.rows.map(\.contract) == ["C1"])
    }

    /// Issue 18 item 6: a row names a certificate only once it is checked
    /// and covers the row's entry (`CatalogueCertificate`; the tool tests
    /// check real certificates). A verdict's own "certificate" is a claim
    /// nobody checked: it is read, never shown.
    @Test func aCertificateAVerdictNamesIsNotShownUnchecked() throws {
        let named = [Fixture.verdict("C1", "esign", "a.pdf", extra: #","certificate":"S-9""#),
                     Fixture.verdict("C1", "face", "b.png")]
        let c = try Fixture.catalogue(named)
        #expect(c.rows.map(\.certificate) == [nil, nil])
        #expect(c.rows.first?.item?.certificate == "S-9")
    }

    @Test func purposesComeFromIDThenNamePatternThenStageThenDefaults() throws {
        let json = try JSON.parse(#"""
            {"ids":{"C1/performance/r1.json":"by id"},
             "names":{"r?.json":{"zh":"按名称","en":"by name"}},
             "stages":{"face":"by stage"}}
            """#)
        let purposes = try ProofPurposes(json: json)
        let lines = [Fixture.verdict("C1", "performance", "r1.json"), Fixture.verdict("C1", "performance", "r2.json"),
                     Fixture.verdict("C1", "face", "p.png"), Fixture.verdict("C1", "esign", "c.pdf"),
                     Fixture.verdict("C1", "custom", "x.bin")]
        let en = try Fixture.catalogue(lines) { $0.purposes = purposes; $0.language = .en }
        #expect(en.rows.map(\.purpose) == [
            ProofPurposes.defaults["esign"]!.en!, "by stage", "by id", "by name", "",
        ])
        let zh = try Fixture.catalogue(lines) { $0.purposes = purposes }
        #expect(zh.rows[3].purpose == "按名称")
        #expect(zh.rows[0].purpose.contains("借款合同"))
    }

    @Test(arguments: [("repayment-01.json", "repayment-*.json", true), ("a.pdf", "*.PDF", false),
                      ("abc", "a?c", true), ("ac", "a?c", false), ("x", "*", true), ("a*b", "a*b", true),
                      ("aXbYb", "a*b", true), ("aXbYc", "a*b", false)])
    func namePatternsAreShellWildcards(name: String, pattern: String, matches: Bool) {
        #expect(ProofPurposes.matches(name, pattern: pattern) == matches)
    }

    @Test func caseFilesAreReadStrictly() throws {
        let c = try CaseFile(json: try JSON.parse(#"{"case":"X-1","applicant":"Bank","respondent":"R","contract":"C1","contracts":["C1","C2"],"claim":"pay"}"#))
        #expect(c.caseNumber == "X-1" && c.contracts == ["C1", "C2"])
        #expect(throws: EvidenceError.self) { try CaseFile(json: try JSON.parse(#"{"case_no":"X-1"}"#)) }
        #expect(throws: EvidenceError.self) { try CaseFile(json: try JSON.parse(#"{"contracts":"C1"}"#)) }
        #expect(throws: EvidenceError.self) { try CaseFile(json: try JSON.parse(#"["X-1"]"#)) }
    }
}

@Suite struct CatalogueEdgeTests {
    @Test func evidenceOfNoStageIsListedLastAsOther() throws {
        let c = try Fixture.catalogue([
            #"{"id":"loose.bin","alg":"sha256","digest":"\#(Fixture.digest)","status":"ok","seq":3}"#,
            Fixture.verdict("C1", "zeta", "z.bin"),
            Fixture.verdict("C1", "esign", "a.pdf"),
        ])
        #expect(c.rows.map(\.stage.name) == ["esign", "zeta", ""])
        #expect(CatalogueLabels(.zh).stage(c.rows[2].stage) == "其他")
    }

    @Test func problemsSayWhyTheCatalogueIsNotFitToFile() throws {
        #expect(try Fixture.catalogue([Fixture.verdict("C1", "esign", "a.pdf")]).problems.isEmpty)
        let c = try Fixture.catalogue([Fixture.verdict("C1", "esign", "a.pdf", status: "unproven"), Fixture.entry("C1", "face", "b.png")]) {
            $0.requiredStages = ["esign", "liveness"]
        }
        #expect(c.problems == ["1 failed verification", "1 required stage missing", "1 not verified"])
        #expect(try Fixture.catalogue([]).problems == ["no evidence"])
    }
}
