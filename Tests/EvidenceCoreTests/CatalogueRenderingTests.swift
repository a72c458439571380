import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// What the renderers do with text that tries to be something else.
@Suite struct CatalogueRenderingTests {
    static let hostile = "<script>alert(1)</script>\"evil\" & 'co' \u{202E}fdp.exe"

    func hostileCatalogue(_ format: CatalogueFormat) throws -> String {
        let line = Fixture.verdict("C1", "esign", Self.hostile, extra: #","source":"a,b \"q\"\nline2""#)
        var caseFile = CaseFile()
        caseFile.caseNumber = "</style><script>x()</script>\u{202E}"
        caseFile.applicant = "Bank & <Co>"
        return Fixture.text(format.render(try Fixture.catalogue([line]) { $0.caseFile = caseFile }))
    }

    @Test func htmlEscapesMarkupAndNeutralisesBidiControls() throws {
        let html = try hostileCatalogue(.html)
        #expect(!html.contains("<script"))
        #expect(!html.contains("\u{202E}"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;evil&quot; &amp; &#39;co&#39; [U+202E]fdp.exe"))
        #expect(html.contains("<bdi>&lt;script&gt;"))
        #expect(html.contains("Bank &amp; &lt;Co&gt;"))
        // Only our own style element: the case number cannot close it.
        #expect(html.components(separatedBy: "</style>").count == 2)
        #expect(html.contains(#"\3c \2f style\3e "#))
    }

    @Test func markdownEscapesEverythingThatCouldBecomeMarkup() throws {
        let md = try hostileCatalogue(.md)
        #expect(md.contains(#"\<script\>alert(1)\</script\>"evil" \& 'co' \[U+202E\]fdp.exe"#))
        #expect(!md.contains("\u{202E}"))
        // The source's line break stays inside its cell.
        #expect(md.contains("a,b \"q\"<br>line2"))
        let tableLines = md.split(separator: "\n").filter { $0.hasPrefix("| 1 |") }
        #expect(tableLines.count == 1)
    }

    @Test func csvQuotesCommasQuotesAndLineBreaks() throws {
        let csv = try hostileCatalogue(.csv)
        #expect(csv.contains(#","a,b ""q""\#r\#nline2","#))
        #expect(!csv.contains("\u{202E}"))
        #expect(csv.hasSuffix("\r\n"))
        #expect(CatalogueCSV.field("plain") == "plain")
        #expect(CatalogueCSV.field("a,b") == "\"a,b\"")
        #expect(CatalogueCSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CatalogueCSV.field("1\n2") == "\"1\r\n2\"")
    }

    @Test func csvDefusesFormulas() throws {
        for cell in ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)"] {
            #expect(CatalogueCSV.defuse(cell) == "'" + cell)
        }
        #expect(CatalogueCSV.defuse("contract.pdf") == "contract.pdf")
    }

    @Test func csvByteOrderMarkOnlyWhenAsked() throws {
        let c = try Fixture.catalogue([Fixture.verdict("C1", "esign", "a.pdf")])
        #expect(Array(CatalogueCSV.render(c, byteOrderMark: true).prefix(3)) == CatalogueCSV.byteOrderMark)
        #expect(Fixture.text(CatalogueCSV.render(c)).hasPrefix("序号,证据类别,"))
    }

    @Test func jsonlKeepsTheInputValuesExactly() throws {
        let c = try Fixture.catalogue([Fixture.verdict("C1", "esign", Self.hostile)])
        let line = try JSON.parse(Fixture.text(CatalogueJSONL.render(c)).split(separator: "\n")[0].description)
        #expect(line["name"]?.stringValue == Self.hostile)
        #expect(line["no"] == 1 && line["status"] == "ok" && line["flagged"] == false)
    }

    @Test(arguments: CatalogueFormat.allCases)
    func failedRowsAreMarkedInEveryFormat(format: CatalogueFormat) throws {
        let c = try Fixture.catalogue([Fixture.verdict("C1", "esign", "good.pdf"),
                                       Fixture.verdict("C1", "esign", "bad.pdf", status: "mismatch", seq: 1)])
        let text = Fixture.text(format.render(c))
        switch format {
        case .jsonl: #expect(text.contains(#""status":"mismatch","status_label":"【未通过】摘要不一致","flagged":true"#))
        case .csv: #expect(text.contains("【未通过】摘要不一致"))
        case .md: #expect(text.contains("**【未通过】摘要不一致"))
        case .html:
            #expect(text.contains(#"<tr class="row status-mismatch flagged">"#))
            #expect(text.contains("<strong>【未通过】摘要不一致</strong>"))
        }
        #expect(text.components(separatedBy: "【未通过】").count == 2 + (format == .md || format == .html ? 1 : 0))
    }

    @Test func displayTextMakesHiddenCharactersVisible() {
        #expect(DisplayText.visible("a\u{202E}b\u{200B}c\u{2067}d\u{0007}e") == "a[U+202E]b[U+200B]c[U+2067]d[U+0007]e")
        #expect(DisplayText.visible("x\r\ny\rz") == "x\ny\nz")
        #expect(DisplayText.visible("x\ny", keepingLines: false) == "x y")
        #expect(DisplayText.visible("مرحبا 合同") == "مرحبا 合同")
    }

    @Test func timesAreShownInUTCOrAtAGivenOffsetAlwaysNamed() {
        #expect(DisplayText.time("2025-04-16T02:02:33Z") == "2025-04-16 02:02:33 UTC")
        #expect(DisplayText.time("2025-04-16T20:02:33.5Z", offsetMinutes: 480) == "2025-04-17 04:02:33.5 UTC+08:00")
        #expect(DisplayText.time("2025-04-16T02:02:33Z", offsetMinutes: -330) == "2025-04-15 20:32:33 UTC-05:30")
        #expect(["+08:00", "-05:30", "UTC", "Z", "+8:00", "+08", "+15:00", "08:00"].map(DisplayText.parseOffset)
                == [480, -330, 0, 0, nil, nil, nil, nil])
    }

    @Test func chineseNumeralsForStageGroups() {
        #expect([1, 9, 10, 11, 20, 21, 99].map(CatalogueLabels.chineseNumeral) == ["一", "九", "十", "十一", "二十", "二十一", "九十九"])
    }
}

@Suite struct CatalogueAttentionTests {
    @Test func markedRowsAreNamedAboveTheTable() throws {
        let c = try Fixture.catalogue([
            Fixture.verdict("C1", "esign", "a.pdf", time: "2025-01-01T00:00:00Z"),
            Fixture.verdict("C1", "esign", "b.pdf", time: "2025-01-02T00:00:00Z", status: "mismatch"),
            Fixture.entry("C1", "face", "c.png"),
        ]) { $0.requiredStages = ["liveness"] }
        #expect(CatalogueLabels(.zh).attention(c) == "请注意：第 2、3 号证据核验未通过或未核验；缺少以下类别的证据：活体检测。")
        #expect(CatalogueLabels(.en).attention(c) == "Attention: evidence no. 2, 3 failed or was not verified; no evidence of: Liveness check.")
        let html = Fixture.text(CatalogueHTML.render(c))
        #expect(html.contains(#"<p class="attention">请注意：第 2、3 号"#))
        #expect(CatalogueLabels(.zh).attention(try Fixture.catalogue([Fixture.verdict("C1", "esign", "a.pdf")])) == nil)
    }
}
