import Foundation
import Testing

/// Hostile names through the built tool, read back by independent parsers:
/// Python's csv module (RFC 4180) and html.parser.
@Suite struct EvcatalogEscapingTests {
    static let hostileName = "<script>alert('x')</script>\"q\", &amp; \u{202E}fdp.exe"
    static let hostileSource = "=cmd|' /C calc'!A0,\nsecond line"

    static func input() throws -> String {
        let record: [String: Any] = ["id": "C1/esign/evil", "contract": "C1", "stage": "esign", "name": hostileName,
                                     "source": hostileSource, "alg": "sha256", "digest": String(repeating: "1f", count: 32)]
        return String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self) + "\n"
    }

    @Test func csvRoundTripsThroughPythonsCSVReader() throws {
        let csv = try Tools.run("evcatalog", ["--format", "csv", "--bom", "--accept-unverified"], stdin: try Self.input())
        #expect(csv.status == 0, "\(csv.stderr)")
        let script = """
            import csv, io, json, sys
            rows = list(csv.reader(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")))
            print(json.dumps(rows))
            """
        let python = try Tools.runPython(["-c", script], stdin: csv.stdout)
        #expect(python.status == 0, "\(python.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: python.stdout) as? [[String]])
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0.count == 10 })
        #expect(rows[0][0] == "序号" && rows[0][2] == "证据名称")
        // The name, its bidi override made visible; the id on a second line.
        #expect(rows[1][2] == "<script>alert('x')</script>\"q\", &amp; [U+202E]fdp.exe\r\nC1/esign/evil")
        // A formula-looking source is defused; its line break survives quoted.
        #expect(rows[1][3] == "'=cmd|' /C calc'!A0,\r\nsecond line")
    }

    @Test func htmlHasNoElementsFromTheInput() throws {
        let html = try Tools.run("evcatalog", ["--format", "html", "--accept-unverified"], stdin: try Self.input())
        #expect(html.status == 0, "\(html.stderr)")
        let script = """
            import html.parser, json, sys
            class P(html.parser.HTMLParser):
                def __init__(self):
                    super().__init__(); self.tags = set(); self.text = []
                def handle_starttag(self, tag, attrs): self.tags.add(tag)
                def handle_data(self, data): self.text.append(data)
            p = P(); p.feed(sys.stdin.read())
            print(json.dumps({"tags": sorted(p.tags), "text": "".join(p.text)}))
            """
        let python = try Tools.runPython(["-c", script], stdin: html.stdout)
        #expect(python.status == 0, "\(python.stderr)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: python.stdout) as? [String: Any])
        let tags = Set(parsed["tags"] as? [String] ?? [])
        #expect(!tags.contains("script"))
        #expect(tags.isSubset(of: ["html", "head", "meta", "title", "style", "body", "header", "h1", "p", "table", "colgroup", "col",
                                   "thead", "tbody", "tr", "th", "td", "div", "bdi", "strong", "br", "section", "span"]), "\(tags.sorted())")
        let text = parsed["text"] as? String ?? ""
        #expect(text.contains("<script>alert('x')</script>\"q\", &amp; [U+202E]fdp.exe"), "the name reads as written")
        #expect(!text.contains("\u{202E}"))
    }
}
