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
        var unique: [CatalogueItem] = []
        for item in kept where item.origin == best[item.record.id] && !unique.contains(item) {
            unique.append(item)
        }

        if let serial = options.certificate {
            let named = unique.compactMap(\.certificate)
            if !named.isEmpty && !named.contains(serial) {
                throw EvidenceError.usage("custody certificate \(serial) covers none of the items (their verdicts name \(Set(named).sorted().joined(separator: ", ")))")
            }
        }

        var rows = unique.map { item -> Row in
            let stage = Stage.named(item.record.stage ?? "")
            var row = Row(number: nil, stage: stage, contract: item.record.contract, item: item,
                          purpose: options.purposes.purpose(stage: stage.name, record: item.record)?.text(options.language) ?? "",
                          certificate: item.certificate, flagged: false)
            // A certificate no verdict names is taken to cover every item.
            if row.certificate == nil, let serial = options.certificate, !unique.contains(where: { $0.certificate != nil }) {
                row.certificate = serial
            }
            row.flagged = item.status.isFailure || (item.status.isUnverified && !options.acceptUnverified)
            return row
        }
        rows.sort(by: Self.precedes)

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

    /// Stage order, then time of generation (or of logging), then contract,
    /// id and seq, so that the order never depends on the input's.
    static func precedes(_ a: Row, _ b: Row) -> Bool {
        if a.stage.order != b.stage.order { return a.stage.order < b.stage.order }
        if a.stage.name != b.stage.name { return a.stage.name < b.stage.name }
        let ta = a.record.flatMap { $0.time ?? a.item?.logged }.flatMap(RFC3339.parse)
        let tb = b.record.flatMap { $0.time ?? b.item?.logged }.flatMap(RFC3339.parse)
        switch (ta, tb) {
        case let (x?, y?) where x != y: return x < y
        case (_?, nil): return true
        case (nil, _?): return false
        default: break
        }
        if (a.contract ?? "") != (b.contract ?? "") { return (a.contract ?? "") < (b.contract ?? "") }
        if let ia = a.record?.id, let ib = b.record?.id, ia != ib { return ia < ib }
        return (a.item?.seq ?? -1) < (b.item?.seq ?? -1)
    }

    static func stableSorted(_ rows: [Row], by less: (Row, Row) -> Bool) -> [Row] {
        rows.enumerated().sorted { less($0.element, $1.element) || (!less($1.element, $0.element) && $0.offset < $1.offset) }.map(\.element)
    }
}
