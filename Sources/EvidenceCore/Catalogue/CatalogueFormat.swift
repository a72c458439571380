import EvidenceSupport

/// The output formats of `evcatalog --format`.
public enum CatalogueFormat: String, CaseIterable, Sendable {
    case jsonl, csv, md, html

    public func render(_ catalogue: Catalogue, byteOrderMark: Bool = false) -> [UInt8] {
        switch self {
        case .jsonl: return CatalogueJSONL.render(catalogue)
        case .csv: return CatalogueCSV.render(catalogue, byteOrderMark: byteOrderMark)
        case .md: return CatalogueMarkdown.render(catalogue)
        case .html: return CatalogueHTML.render(catalogue)
        }
    }
}
