import EvidenceSupport

/// `--format csv`: RFC 4180 — CRLF line ends, a field quoted when it holds a
/// comma, quote, CR or LF, quotes doubled — with a header row of `--lang`
/// labels and, on request, a UTF-8 byte order mark so that spreadsheet
/// programs read the Chinese text as UTF-8.
public enum CatalogueCSV {
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    public static func render(_ catalogue: Catalogue, byteOrderMark bom: Bool = false) -> [UInt8] {
        let labels = CatalogueLabels(catalogue.options.language)
        var out = bom ? byteOrderMark : []
        func line(_ fields: [String]) {
            out.append(contentsOf: fields.map(field).joined(separator: ",").utf8)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        line([labels.number, labels.category, labels.name, labels.source, labels.purpose, labels.extent,
              labels.digest, labels.logEntry, labels.verification, labels.remarks])
        let showContract = catalogue.contracts.count > 1
        for row in catalogue.rows {
            let c = CatalogueCells(row, labels: labels, showContract: showContract, utcOffset: catalogue.options.utcOffset)
            line([c.number, c.category, c.name.joined(separator: "\n"), c.source, c.purpose, c.extent,
                  c.digestLines.joined(separator: "\n"), c.logEntry.joined(separator: "\n"),
                  c.verification.joined(separator: "\n"), c.remarks.joined(separator: "\n")].map(defuse))
        }
        return out
    }

    /// One RFC 4180 field; line breaks inside it become CRLF as well.
    static func field(_ text: String) -> String {
        let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard needsQuotes else { return text }
        return "\"" + text.replacing("\"", with: "\"\"").replacing("\n", with: "\r\n") + "\""
    }

    /// A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a
    /// formula (CSV injection); a leading apostrophe makes it plain text.
    static func defuse(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }
}
