import EvidenceSupport

/// The human-readable cells of a catalogue row, shared by the CSV, Markdown
/// and HTML renderers so that they never disagree. Each cell is a list of
/// lines; a renderer joins them its own way. Text from the input is made
/// visible (`DisplayText.visible`) here, once; renderers still escape it
/// for their syntax.
public struct CatalogueCells: Sendable {
    public var number: String
    public var category: String
    /// First line: the evidence name; then its id, its contract if the
    /// catalogue spans several.
    public var name: [String]
    public var source: String
    public var purpose: String
    public var extent: String
    /// (algorithm, hex value) pairs: the record's own first, then the others.
    public var digest: [(algorithm: String, value: String)]
    public var logEntry: [String]
    public var verification: [String]
    public var remarks: [String]

    /// The digests as `SHA-256: 686e…` lines.
    public var digestLines: [String] { digest.map { "\($0.algorithm): \($0.value)" } }

    /// `utcOffset`: minutes east of UTC in which times are shown.
    public init(_ row: Catalogue.Row, labels: CatalogueLabels, showContract: Bool, utcOffset: Int = 0) {
        let v = { (s: String) in DisplayText.visible(s) }
        number = row.number.map(String.init) ?? "—"
        category = labels.stage(row.stage)
        purpose = v(row.purpose)
        guard let item = row.item else {
            name = [labels.stage(row.stage)] + (row.contract.map { [v(labels.contract($0))] } ?? [])
            source = ""
            extent = ""
            digest = []
            logEntry = []
            verification = [labels.status(.absent)] + (row.gapReason.map { [v($0)] } ?? [])
            remarks = []
            return
        }
        let r = item.record
        name = [v(r.name ?? r.id)]
        if r.name != nil && r.name != r.id { name.append(v(r.id)) }
        if showContract, let c = r.contract, !r.id.hasPrefix(c + "/") { name.append(v(labels.contract(c))) }
        source = v(r.source ?? "")
        extent = r.pages.map(labels.pages) ?? r.size.map(labels.bytes) ?? ""

        var primary = DisplayText.algorithm(r.algorithm)
        if let k = r.keyID { primary += " (\(labels.keyID(k)))" }
        digest = [(primary, r.digest)]
        for a in RecordAlgorithm.all where a != r.algorithm {
            if let d = r.digests?[a] { digest.append((DisplayText.algorithm(a), d)) }
        }
        // What the original hashes to now, beside what was logged.
        if let actual = item.actual { digest.append((labels.actualDigest(DisplayText.algorithm(r.algorithm)), actual)) }

        logEntry = (item.seq.map { [labels.seq($0)] } ?? [])
            + (item.logged.map { [labels.loggedClaim(DisplayText.time($0, offsetMinutes: utcOffset))] } ?? [])
            + (item.attested.map { [labels.attested(DisplayText.time($0, offsetMinutes: utcOffset), by: item.attestedBy ?? "")] } ?? [])
        verification = [labels.status(of: row)]
        if item.status != .ok, let reason = item.reason { verification.append(v(reason)) }
        if item.status == .ok, let strength = item.strength { verification += labels.strength(strength) }
        if let n = item.treeSize { verification.append(labels.treeSize(n)) }

        remarks = [labels.kind(r.kind)]
        if let t = r.time { remarks.append(labels.generated(DisplayText.time(t, offsetMinutes: utcOffset))) }
        if let c = row.certificate { remarks.append(v(labels.certificate(c))) }
        if !row.receipts.isEmpty { remarks.append(v(labels.receiptsChecked(row.receipts))) }
    }
}
