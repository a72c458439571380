import EvidenceSupport

/// `--format html`: a self-contained print view — one file, inline CSS, no
/// scripts, no fetched resources — that headless Chromium prints to an A4
/// PDF a commission can file: running header with the case number, page
/// numbers, the table header repeated on every page, signature and date
/// lines at the end.
///
/// All input text passes `DisplayText.visible` (hidden bidi and control
/// characters become `[U+…]`), is HTML-escaped, and names sit in `<bdi>` so
/// that right-to-left text cannot reorder the cells around it.
public enum CatalogueHTML {
    public static func render(_ catalogue: Catalogue) -> [UInt8] {
        let labels = CatalogueLabels(catalogue.options.language)
        let caseNumber = catalogue.options.caseFile?.caseNumber.map { DisplayText.visible($0, keepingLines: false) }
        var h = "<!DOCTYPE html>\n<html lang=\"\(labels.language == .zh ? "zh-CN" : "en")\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<title>\(escape(labels.title + (caseNumber.map { " — " + $0 } ?? "")))</title>\n"
        h += "<style>\n\(CatalogueStyle.css(labels: labels, caseNumber: caseNumber))</style>\n</head>\n<body>\n"

        h += "<header class=\"head\">\n"
        if let commission = catalogue.options.caseFile?.commission {
            h += "<p class=\"commission\">\(text(commission))</p>\n"
        }
        h += "<h1>\(escape(labels.title))</h1>\n"
        let fields = CatalogueHeader.fields(catalogue, labels: labels).filter { $0.0 != labels.commission }
        if !fields.isEmpty {
            h += "<table class=\"case\">\n"
            for (label, value) in fields {
                h += "<tr><th scope=\"row\">\(escape(label))</th><td>\(text(value))</td></tr>\n"
            }
            h += "</table>\n"
        }
        let summary = catalogue.summary
        h += "<p class=\"summary\">\(escape(labels.summary(summary)))</p>\n"
        if let attention = labels.attention(catalogue) {
            h += "<p class=\"attention\">\(escape(attention))</p>\n"
        }
        h += "</header>\n"

        h += "<table class=\"catalogue\">\n<colgroup>"
        for c in ["no", "name", "source", "purpose", "extent", "digest", "log", "status", "remarks"] {
            h += "<col class=\"c-\(c)\">"
        }
        h += "</colgroup>\n<thead><tr>"
        for label in [labels.number, labels.name, labels.source, labels.purpose, labels.extent,
                      labels.digest, labels.logEntry, labels.verification, labels.remarks] {
            h += "<th scope=\"col\">\(escape(label))</th>"
        }
        h += "</tr></thead>\n"
        let showContract = catalogue.contracts.count > 1
        for (n, group) in CatalogueHeader.groups(catalogue.rows).enumerated() {
            h += "<tbody>\n<tr class=\"group\"><th colspan=\"9\" scope=\"rowgroup\">\(escape(labels.group(n + 1, group.stage)))</th></tr>\n"
            for row in group.rows {
                h += self.row(row, labels: labels, showContract: showContract, utcOffset: catalogue.options.utcOffset)
            }
            h += "</tbody>\n"
        }
        if catalogue.rows.isEmpty {
            h += "<tbody><tr><td colspan=\"9\" class=\"empty\">—</td></tr></tbody>\n"
        }
        h += "</table>\n"

        h += "<p class=\"note\">\(escape(labels.note))</p>\n"
        let colon = labels.language == .zh ? "：" : ": "
        h += "<section class=\"sign\">\n"
        h += "<p><span class=\"label\">\(escape(labels.submittedBy + colon))</span><span class=\"line\">\(catalogue.options.caseFile?.applicant.map(text) ?? "")</span></p>\n"
        h += "<p><span class=\"label\">\(escape(labels.dateLine + colon))</span><span class=\"line\">\(escape(CatalogueHeader.date(catalogue, labels: labels)))</span></p>\n"
        h += "</section>\n</body>\n</html>\n"
        return Array(h.utf8)
    }

    static func row(_ row: Catalogue.Row, labels: CatalogueLabels, showContract: Bool, utcOffset: Int) -> String {
        let c = CatalogueCells(row, labels: labels, showContract: showContract, utcOffset: utcOffset)
        var classes = ["row", "status-\(row.status.rawValue)"]
        if row.flagged { classes.append("flagged") }
        if row.status == .ok && row.item?.strength?.isFull == false { classes.append("limited") }
        var h = "<tr class=\"\(classes.joined(separator: " "))\">"
        h += "<td class=\"no\">\(escape(c.number))</td>"
        h += "<td class=\"name\"><bdi>\(escape(c.name[0]))</bdi>"
        for extra in c.name.dropFirst() { h += "<div class=\"id\"><bdi>\(escape(extra))</bdi></div>" }
        h += "</td>"
        h += "<td class=\"source\"><bdi>\(escape(c.source))</bdi></td>"
        h += "<td class=\"purpose\">\(escape(c.purpose))</td>"
        h += "<td class=\"extent\">\(escape(c.extent))</td>"
        h += "<td class=\"digest\">"
        for (algorithm, value) in c.digest {
            h += "<div class=\"alg\">\(escape(algorithm))</div><div class=\"hex\">\(escape(value))</div>"
        }
        h += "</td>"
        h += "<td class=\"log\">\(lines(c.logEntry))</td>"
        h += "<td class=\"status\">"
        if let first = c.verification.first {
            h += row.flagged ? "<strong>\(escape(first))</strong>" : escape(first)
        }
        for more in c.verification.dropFirst() { h += "<div><bdi>\(escape(more))</bdi></div>" }
        h += "</td>"
        h += "<td class=\"remarks\">\(lines(c.remarks))</td>"
        return h + "</tr>\n"
    }

    /// Cell lines as blocks, each isolated so that one cannot reorder another.
    static func lines(_ lines: [String]) -> String {
        lines.map { "<div><bdi>\(escape($0))</bdi></div>" }.joined()
    }

    /// Input text for an element's content: made visible, then escaped.
    static func text(_ s: String) -> String { "<bdi>" + escape(DisplayText.visible(s)) + "</bdi>" }

    /// Escapes for element content and quoted attribute values alike;
    /// line breaks become `<br>`. Works on bytes: the characters it replaces
    /// are ASCII, and no byte of a multi-byte UTF-8 sequence is.
    static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 || $0 == 0x0A }) else {
            return s
        }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 32)
        for byte in s.utf8 {
            switch byte {
            case 0x26: out += "&amp;".utf8
            case 0x3C: out += "&lt;".utf8
            case 0x3E: out += "&gt;".utf8
            case 0x22: out += "&quot;".utf8
            case 0x27: out += "&#39;".utf8
            case 0x0A: out += "<br>".utf8
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
