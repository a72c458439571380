import EvidenceSupport

/// `--format md`: the catalogue as a Markdown document — title, case
/// header, one table per stage, the note and the signature lines. Input text
/// is escaped so that no name can become markup, a link or a table cell.
public enum CatalogueMarkdown {
    public static func render(_ catalogue: Catalogue) -> [UInt8] {
        let labels = CatalogueLabels(catalogue.options.language)
        var out = "# \(labels.title)\n\n"
        for (label, value) in CatalogueHeader.fields(catalogue, labels: labels) {
            out += "- **\(label)**\(labels.language == .zh ? "：" : ": ")\(escape(value))\n"
        }
        out += "\n\(labels.summary(catalogue.summary))\n"
        if let attention = labels.attention(catalogue) { out += "\n**\(escape(attention))**\n" }
        let showContract = catalogue.contracts.count > 1
        for (n, group) in CatalogueHeader.groups(catalogue.rows).enumerated() {
            out += "\n## \(labels.group(n + 1, group.stage))\n\n"
            out += "| \(labels.number) | \(labels.name) | \(labels.source) | \(labels.purpose) | \(labels.extent) | \(labels.digest) | \(labels.logEntry) | \(labels.verification) | \(labels.remarks) |\n"
            out += "| ---: | --- | --- | --- | --- | --- | --- | --- | --- |\n"
            for row in group.rows {
                let c = CatalogueCells(row, labels: labels, showContract: showContract, utcOffset: catalogue.options.utcOffset)
                var status = cell(c.verification)
                if row.flagged { status = "**" + status + "**" }
                let cells = [escape(c.number), cell(c.name), escape(c.source), escape(c.purpose), escape(c.extent),
                             cell(c.digestLines), cell(c.logEntry), status, cell(c.remarks)]
                out += "| " + cells.joined(separator: " | ") + " |\n"
            }
        }
        out += "\n\(escape(labels.note))\n\n"
        out += "\(labels.submittedBy)\(labels.language == .zh ? "：" : ": ")\(catalogue.options.caseFile?.applicant.map(escape) ?? "")\n\n"
        out += "\(labels.dateLine)\(labels.language == .zh ? "：" : ": ")\(CatalogueHeader.date(catalogue, labels: labels))\n"
        return Array(out.utf8)
    }

    static func cell(_ lines: [String]) -> String { lines.map(escape).joined(separator: "<br>") }

    /// Backslash-escapes the punctuation Markdown (CommonMark, GFM tables)
    /// could read as markup; a line break inside a cell becomes `<br>`.
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&", "!", "#", "$", "{", "}":
                out.append("\\"); out.append(ch)
            case "\n":
                out += "<br>"
            default:
                out.append(ch)
            }
        }
        return out
    }
}
