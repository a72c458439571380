import EvidenceSupport

/// What every document format prints around the table.
public enum CatalogueHeader {
    /// The case header fields that are known, in the order a clerk reads them.
    static func fields(_ catalogue: Catalogue, labels: CatalogueLabels) -> [(String, String)] {
        let c = catalogue.options.caseFile
        var out: [(String, String?)] = [
            (labels.commission, c?.commission), (labels.caseNumber, c?.caseNumber),
            (labels.applicant, c?.applicant), (labels.respondent, c?.respondent),
        ]
        let contracts = catalogue.contracts
        out.append((labels.contracts, contracts.isEmpty ? nil : contracts.joined(separator: labels.language == .zh ? "、" : ", ")))
        out.append((labels.claim, c?.claim))
        return out.compactMap { label, value in value.map { (label, DisplayText.visible($0)) } }
    }

    /// Consecutive rows of one stage (the model has already sorted them).
    static func groups(_ rows: [Catalogue.Row]) -> [(stage: Stage, rows: [Catalogue.Row])] {
        var out: [(stage: Stage, rows: [Catalogue.Row])] = []
        for row in rows {
            if let last = out.last, last.stage == row.stage {
                out[out.count - 1].rows.append(row)
            } else {
                out.append((row.stage, [row]))
            }
        }
        return out
    }

    /// True for a real calendar date written `YYYY-MM-DD`.
    public static func isValidDate(_ text: String) -> Bool {
        text.utf8.count == 10 && RFC3339.parse(text + "T00:00:00Z") != nil
    }

    /// The date of signing as given with `--date`, or a blank to fill in.
    static func date(_ catalogue: Catalogue, labels: CatalogueLabels) -> String {
        guard let d = catalogue.options.date else { return labels.blankDate }
        let parts = d.split(separator: "-").compactMap { Int($0) }
        return labels.date(year: parts[0], month: parts[1], day: parts[2])
    }
}
