import EvidenceSupport

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
        /// Serial of the checked certificate that covers the row's entry.
        public var certificate: String?
        /// Marked in every format, and makes the tool exit 1 unless allowed.
        public var flagged: Bool
        /// Why a stage is missing, when evverify said (missing-stage rows).
        public var gapReason: String?
        /// The customers' receipts (files) the certificate held the row's
        /// contract against (`evverify certify --receipts`), when it covers the row.
        public var receipts: [String] = []

        public var status: VerificationStatus { item?.status ?? .absent }
        public var record: EvidenceRecord? { item?.record }
    }

    public struct Summary: Equatable, Sendable {
        public var items = 0
        public var verified = 0
        /// Of `verified`: checked less than fully (`CheckStrength.isFull`).
        public var limited = 0
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
        /// The custody certificate given with `--certificate`, checked.
        public var certificate: CatalogueCertificate?
        /// Chain entries and bare records count as acceptable, though still
        /// labelled unverified: the operator says so by choosing this.
        public var acceptUnverified = false
        /// The signature date, `YYYY-MM-DD`; blank when nil, never "today".
        public var date: String?
        /// Minutes east of UTC in which the document formats show times.
        public var utcOffset = 0
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
            case .ok:
                s.verified += 1
                if row.item?.strength?.isFull == false { s.limited += 1 }
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
        var ordered = options.contracts.isEmpty ? options.caseFile?.contracts ?? [] : options.contracts
        var seen = Set(ordered)
        for row in rows { if let c = row.contract, seen.insert(c).inserted { ordered.append(c) } }
        return ordered
    }

    /// Builds the catalogue. The same evidence given more than once (same
    /// id, algorithm and digest, and seq when both have one) keeps only its
    /// most authoritative form (verdict, then entry, then record); identical
    /// repeats collapse. Anything else stays, to be seen: differing items of
    /// equal rank, and an entry or record of the same id with another digest
    /// or seq than the verdict's (evidence logged again, differently).
    /// Stage gaps that evverify found become missing-stage rows, as do the
    /// stages of `requiredStages` of which there is no evidence.
    public init(items: [CatalogueItem], gaps: [StageGap] = [], options: Options) throws {
        self.options = options
        let wanted = options.contracts.isEmpty ? options.caseFile?.contracts ?? [] : options.contracts
        var kept: [CatalogueItem] = []
        var leftOut = 0
        // Ids and contracts are bytes: a look-alike in another Unicode
        // normalisation is another item, never folded into this one.
        let wantedExactly = Set(wanted.map(\.exact))
        let gaps = gaps.filter { wanted.isEmpty || wantedExactly.contains($0.contract.exact) }
        // Items by id (as bytes), so that a long chain stays linear.
        var sameID: [[UInt8]: [Int]] = [:]
        for item in items {
            if !wanted.isEmpty && !wantedExactly.contains((item.record.contract ?? "").exact) {
                leftOut += 1
                continue
            }
            sameID[Array(item.record.id.utf8), default: []].append(kept.count)
            kept.append(item)
        }
        self.leftOut = leftOut
        var unique: [CatalogueItem] = []
        for (i, item) in kept.enumerated() {
            let same = sameID[Array(item.record.id.utf8)]!
            // Outranked by the same evidence in a more authoritative form.
            if same.contains(where: { kept[$0].origin > item.origin && kept[$0].isSameEvidence(as: item) }) { continue }
            // An identical repeat: the first stands.
            if same.first(where: { kept[$0] == item }) != i { continue }
            unique.append(item)
        }

        let unsorted = unique.map { item -> Row in
            let stage = item.record.stage.map(Stage.named) ?? Stage.unnamed
            let certificate = options.certificate.flatMap { !item.status.isFailure && $0.covers(item) ? $0 : nil }
            var row = Row(number: nil, stage: stage, contract: item.record.contract, item: item,
                          purpose: options.purposes.purpose(stage: stage.name, record: item.record)?.text(options.language) ?? "",
                          certificate: certificate?.serial,
                          flagged: item.status.isFailure || (item.status.isUnverified && !options.acceptUnverified),
                          gapReason: nil)
            row.receipts = item.record.contract.map { certificate?.receipts(of: $0) ?? [] } ?? []
            return row
        }
        // Sort indices, not rows: a row is large to move.
        let keys = unsorted.map(SortKey.init)
        let rows = unsorted.indices.sorted { keys[$0] < keys[$1] }.map { unsorted[$0] }

        self.rows = rows
        let contracts = self.contracts
        let covering = contracts.isEmpty ? [nil] : contracts.map(Optional.some)
        let present = Set(rows.map { "\($0.stage.name)\u{0}\($0.contract ?? "")".exact })
        let stagesPresent = Set(rows.map(\.stage.name.exact))
        var missing: [Row] = []
        var listed = Set<ExactString>()
        func addMissing(_ stageName: String, _ contract: String?, reason: String?) {
            let key = "\(stageName)\u{0}\(contract ?? "")".exact
            guard !listed.contains(key),
                  !(contract.map { present.contains("\(stageName)\u{0}\($0)".exact) } ?? stagesPresent.contains(stageName.exact)) else { return }
            listed.insert(key)
            let stage = Stage.named(stageName)
            missing.append(Row(number: nil, stage: stage, contract: contract, item: nil,
                               purpose: options.purposes.purpose(stage: stage.name, record: nil)?.text(options.language) ?? "",
                               certificate: nil, flagged: true, gapReason: reason))
        }
        for gap in gaps { addMissing(gap.stage, gap.contract, reason: gap.reason) }
        for stageName in options.requiredStages {
            for contract in covering { addMissing(stageName, contract, reason: nil) }
        }
        if !missing.isEmpty {
            // Stable by stage alone: a missing row lands after its stage's evidence.
            let all = rows + missing
            let keys = all.map { ($0.stage.order, $0.stage.name) }
            self.rows = all.indices.sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }.map { all[$0] }
        }
        var n = 0
        for i in self.rows.indices where self.rows[i].item != nil {
            n += 1
            self.rows[i].number = n
        }
    }

    /// Stage order, then time (generated, else logged; untimed last), then
    /// contract, id and seq, so that the order never depends on the input's.
    /// Computed once per row: sorting compares each row many times.
    struct SortKey: Comparable {
        var stageOrder: Int
        var stage: String
        var time: RFC3339.Timestamp?
        var contract: String
        var id: String
        var seq: Int

        init(_ row: Row) {
            stageOrder = row.stage.order
            stage = row.stage.name
            time = (row.record?.time ?? row.item?.logged).flatMap(RFC3339.parse)
            contract = row.contract ?? ""
            id = row.record?.id ?? ""
            seq = row.item?.seq ?? -1
        }

        static func < (a: SortKey, b: SortKey) -> Bool {
            if a.stageOrder != b.stageOrder { return a.stageOrder < b.stageOrder }
            if a.stage != b.stage { return a.stage < b.stage }
            switch (a.time, b.time) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: break
            }
            if a.contract != b.contract { return a.contract < b.contract }
            if a.id != b.id { return a.id < b.id }
            return a.seq < b.seq
        }
    }
}
