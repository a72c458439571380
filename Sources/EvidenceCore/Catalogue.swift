/// The evidence catalogue (证据目录): one row per piece of evidence, grouped
/// by lifecycle stage in `Stage` order, in time order within a stage,
/// numbered consecutively; plus a row for each required stage of which
/// there is no evidence. Renderers only format what this model decides.
public struct Catalogue: Sendable {
    public struct Row: Equatable, Sendable {
        /// 序号; nil for a missing-stage row, which is not a piece of evidence.
        public var number: Int?
        public var stage: Stage
        public var contract: String?
        /// The evidence; nil for a missing-stage row.
        public var item: CatalogueItem?
        public var purpose: String
        public var certificate: String?
        /// Marked in every format, and makes the tool exit 1 unless allowed.
        public var flagged: Bool

        public var status: VerificationStatus { item?.status ?? .absent }
        public var record: EvidenceRecord? { item?.record }
    }

    public struct Summary: Equatable, Sendable {
        public var items = 0
        public var verified = 0
        public var failed = 0
        public var unverified = 0
        public var absentStages = 0
        public var flagged = 0
    }

    public struct Options: Sendable {
        public var language: CatalogueLanguage = .zh
        public var caseFile: CaseFile?
        /// Only these contracts' evidence (empty: the case file's, or all).
        public var contracts: [String] = []
        public var requiredStages: [String] = []
        public var purposes = ProofPurposes()
        /// Serial of the custody certificate given with `--certificate`.
        public var certificate: String?
        /// Chain entries and bare records count as acceptable, though still
        /// labelled unverified: the operator says so by choosing this.
        public var acceptUnverified = false
        /// The signature date, `YYYY-MM-DD`; blank when nil, never "today".
        public var date: String?
        public init() {}
    }

    public var options: Options
    public var rows: [Row]
    /// Items of contracts outside the case, left out of the catalogue.
    public var leftOut: Int

    public var summary: Summary {
        var s = Summary()
        for row in rows {
            if row.flagged { s.flagged += 1 }
            switch row.status {
            case .absent: s.absentStages += 1; continue
            case .ok: s.verified += 1
            case .notVerified, .notLogged: s.unverified += 1
            case .mismatch, .missing, .unproven: s.failed += 1
            }
            s.items += 1
        }
        return s
    }

    /// Why the catalogue is not fit to file as it is, for the operator
    /// (empty when it is): each reason makes the tool exit 1.
    public var problems: [String] {
        let s = summary
        var out: [String] = []
        if s.failed > 0 { out.append("\(s.failed) failed verification") }
        if s.absentStages > 0 { out.append("\(s.absentStages) required stage\(s.absentStages == 1 ? "" : "s") missing") }
        if s.unverified > 0 && !options.acceptUnverified { out.append("\(s.unverified) not verified") }
        if s.items == 0 { out.append("no evidence") }
        return out
    }

    /// Contracts the catalogue covers, in the order the case names them,
    /// then in order of first appearance.
    public var contracts: [String] {
        var seen = options.contracts.isEmpty ? options.caseFile?.contracts ?? [] : options.contracts
        for row in rows { if let c = row.contract, !seen.contains(c) { seen.append(c) } }
        return seen
    }

    /// Builds the catalogue. The same id given more than once keeps only its
    /// most authoritative form (verdict, then entry, then record); identical
    /// repeats collapse, differing ones of equal rank all stay, to be seen.
    public init(items: [CatalogueItem], options: Options) throws {
        self.options = options
        let wanted = options.contracts.isEmpty ? options.caseFile?.contracts ?? [] : options.contracts
        var kept: [CatalogueItem] = []
        var leftOut = 0
        var best: [String: CatalogueItem.Origin] = [:]
        for item in items {
            if !wanted.isEmpty && !wanted.contains(item.record.contract ?? "") {
                leftOut += 1
                continue
            }
            best[item.record.id] = max(best[item.record.id] ?? .record, item.origin)
            kept.append(item)
        }
        self.leftOut = leftOut
        // Compared only within one id, so that a long chain stays linear.
        var unique: [CatalogueItem] = []
        var sameID: [String: [Int]] = [:]
        for item in kept where item.origin == best[item.record.id] {
            let id = item.record.id
            if sameID[id, default: []].contains(where: { unique[$0] == item }) { continue }
            sameID[id, default: []].append(unique.count)
            unique.append(item)
        }

        let named = Set(unique.compactMap(\.certificate))
        if let serial = options.certificate, !named.isEmpty, !named.contains(serial) {
            throw EvidenceError.usage("custody certificate \(serial) covers none of the items (their verdicts name \(named.sorted().joined(separator: ", ")))")
        }
        // A certificate no verdict names is taken to cover every item.
        let coverAll = named.isEmpty ? options.certificate : nil

        let rows = unique.map { item -> Row in
            let stage = item.record.stage.map(Stage.named) ?? Stage.unnamed
            return Row(number: nil, stage: stage, contract: item.record.contract, item: item,
                       purpose: options.purposes.purpose(stage: stage.name, record: item.record)?.text(options.language) ?? "",
                       certificate: item.certificate ?? coverAll,
                       flagged: item.status.isFailure || (item.status.isUnverified && !options.acceptUnverified))
        }
        .map { ($0, Self.sortTime($0)) }
        .sorted { Self.precedes($0, $1) }
        .map(\.0)

        self.rows = rows
        for stageName in options.requiredStages {
            let stage = Stage.named(stageName)
            let covering = contracts.isEmpty ? [nil] : contracts.map(Optional.some)
            for contract in covering where !rows.contains(where: { $0.stage == stage && (contract == nil || $0.contract == contract) }) {
                self.rows.append(Row(number: nil, stage: stage, contract: contract, item: nil,
                                     purpose: options.purposes.purpose(stage: stage.name, record: nil)?.text(options.language) ?? "",
                                     certificate: nil, flagged: true))
            }
        }
        // Stable: missing-stage rows land after their stage's evidence, if any.
        self.rows = Self.stableSorted(self.rows) { $0.stage.order != $1.stage.order ? $0.stage.order < $1.stage.order : $0.stage.name < $1.stage.name }
        var n = 0
        for i in self.rows.indices where self.rows[i].item != nil {
            n += 1
            self.rows[i].number = n
        }
    }

    /// When the evidence was generated, else when it was logged.
    static func sortTime(_ row: Row) -> RFC3339.Timestamp? {
        (row.record?.time ?? row.item?.logged).flatMap(RFC3339.parse)
    }

    /// Stage order, then time (see `sortTime`), then contract, id and seq,
    /// so that the order never depends on the input's.
    static func precedes(_ a: (Row, RFC3339.Timestamp?), _ b: (Row, RFC3339.Timestamp?)) -> Bool {
        let (ra, ta) = a, (rb, tb) = b
        if ra.stage.order != rb.stage.order { return ra.stage.order < rb.stage.order }
        if ra.stage.name != rb.stage.name { return ra.stage.name < rb.stage.name }
        switch (ta, tb) {
        case let (x?, y?) where x != y: return x < y
        case (_?, nil): return true
        case (nil, _?): return false
        default: break
        }
        if (ra.contract ?? "") != (rb.contract ?? "") { return (ra.contract ?? "") < (rb.contract ?? "") }
        if let ia = ra.record?.id, let ib = rb.record?.id, ia != ib { return ia < ib }
        return (ra.item?.seq ?? -1) < (rb.item?.seq ?? -1)
    }

    static func stableSorted(_ rows: [Row], by less: (Row, Row) -> Bool) -> [Row] {
        rows.enumerated().sorted { less($0.element, $1.element) || (!less($1.element, $0.element) && $0.offset < $1.offset) }.map(\.element)
    }
}
