import EvidenceSupport

/// One piece of evidence as the catalogue receives it: an evverify verdict,
/// an evchain entry, or a bare evidence record. Each is read strictly — an
/// unknown field is an error — so that a catalogue never quietly drops what
/// the verifier said.
public struct CatalogueItem: Equatable, Sendable {
    /// How much the input vouches for the item; a verdict outranks an entry,
    /// which outranks a bare record, when the same id comes from several.
    public enum Origin: Int, Comparable, Sendable {
        case record, entry, verdict
        public static func < (a: Origin, b: Origin) -> Bool { a.rawValue < b.rawValue }
    }

    public var record: EvidenceRecord
    public var origin: Origin
    public var status: VerificationStatus
    /// Chain sequence number, when the item was found in the chain.
    public var seq: Int?
    /// When the entry was appended to the log (RFC 3339 UTC), by the
    /// bank's clock: the bank's claim.
    public var logged: String?
    /// When someone independent dated the entry (evverify's `attested`):
    /// the earliest timestamped or witness-cosigned checkpoint holding it,
    /// and which of the two (`attested_by`).
    public var attested: String?
    public var attestedBy: String?
    public var attestedTreeSize: Int?
    /// Size of the checkpoint the verdict was proven against.
    public var treeSize: Int?
    /// The verifier's explanation when the status is not `ok`.
    public var reason: String?
    /// With `mismatch`: the digest of the original as it is now.
    public var actual: String?
    /// Serial of a custody certificate the verdict names: read, never
    /// shown — a row names only a certificate checked with `--certificate`
    /// that covers its entry (`CatalogueCertificate`).
    public var certificate: String?
    /// What an `ok` verdict checked (nil for entries and records).
    public var strength: CheckStrength?

    public init(record: EvidenceRecord, origin: Origin, status: VerificationStatus) {
        self.record = record
        self.origin = origin
        self.status = status
    }

    /// The same piece of evidence as `other`: same id (bytes), algorithm
    /// and digest, and the same seq when both were found in the log.
    public func isSameEvidence(as other: CatalogueItem) -> Bool {
        Array(record.id.utf8) == Array(other.record.id.utf8) && record.algorithm == other.record.algorithm
            && record.digest == other.record.digest && (seq == nil || other.seq == nil || seq == other.seq)
    }

    static let verdictFields: Set<String> = ["status", "seq", "logged", "tree_size", "actual", "reason", "certificate",
                                             "checked", "cosignatures", "conflicts", "attested", "attested_by",
                                             "attested_tree_size", "index_vouched_by"]
    static let entryFields: Set<String> = ["seq", "time", "record", "leaf"]

    /// Reads a verdict (has `status`), an entry (has `record`) or a record.
    public init(json object: JSONObject) throws {
        if object["record"] != nil {
            try self.init(entry: object)
        } else if object["status"] != nil {
            try self.init(verdict: object)
        } else {
            self.init(record: try EvidenceRecord(json: object), origin: .record, status: .notLogged)
        }
    }

    private init(entry object: JSONObject) throws {
        let fields = FieldReader(object)
        try fields.refuseUnknown(Self.entryFields)
        guard case .object(let record)? = object["record"] else {
            throw EvidenceError.input("expected \"record\" (evidence record object), found \(object["record"]!.typeName)")
        }
        do {
            self.init(record: try EvidenceRecord(json: record), origin: .entry, status: .notVerified)
        } catch let error as EvidenceError {
            throw EvidenceError.input("in \"record\": \(error.message)")
        }
        let seq = try fields.requiredCount("seq"), time = try fields.requiredUTCTime("time")
        self.seq = seq
        logged = time
        let leaf = try fields.requiredHex("leaf", bytes: 32)
        // A leaf that is not the hash of its entry means the line was
        // altered after evchain wrote it (or was never an entry at all).
        let recomputed = ChainEntry(seq: UInt64(seq), time: time, canonicalRecord: JCS.canonical(.object(record))).leaf
        guard Hex.encode(recomputed) == leaf else {
            throw EvidenceError.input("\"leaf\" does not match the entry (recomputed \(Hex.encode(recomputed))): the line was altered")
        }
    }

    private init(verdict object: JSONObject) throws {
        var recordPart = JSONObject()
        for (key, value) in object where !Self.verdictFields.contains(key) { recordPart.appendNew(key, value) }
        let fields = FieldReader(object)
        let statusName = try fields.requiredString("status", "verification status")
        // What evverify writes (Verdict.Status) is what a verdict may say.
        guard let verdict = Verdict.Status(rawValue: statusName), let status = VerificationStatus(rawValue: verdict.rawValue) else {
            throw EvidenceError.input("unknown \"status\" \"\(statusName)\" (expected ok, mismatch, missing or unproven)")
        }
        self.init(record: try EvidenceRecord(json: recordPart), origin: .verdict, status: status)
        seq = try fields.optionalCount("seq")
        logged = try fields.optionalUTCTime("logged")
        treeSize = try fields.optionalCount("tree_size")
        attested = try fields.optionalUTCTime("attested")
        attestedBy = try fields.optionalString("attested_by")
        if let by = attestedBy, Attestation.Basis(rawValue: by) == nil {
            throw EvidenceError.input("unknown \"attested_by\" \"\(by)\" (expected timestamp or cosignatures)")
        }
        attestedTreeSize = try fields.optionalCount("attested_tree_size")
        actual = try fields.optionalHex("actual", bytes: record.algorithm.outputSize)
        reason = try fields.optionalString("reason")
        certificate = try fields.optionalIdentifier("certificate")
        strength = try CheckStrength(verdict: fields, object: object)
        if status == .ok && seq == nil {
            throw EvidenceError.input("a verdict with \"status\" \"ok\" must give the chain \"seq\"")
        }
    }
}

extension FieldReader {
    func requiredCount(_ field: String) throws -> Int {
        guard let n = try optionalCount(field) else {
            throw EvidenceError.input("missing \"\(prefix)\(field)\" (non-negative integer)")
        }
        return n
    }

    func requiredUTCTime(_ field: String) throws -> String {
        guard let t = try optionalUTCTime(field) else {
            throw EvidenceError.input("missing \"\(field)\" (RFC 3339 UTC time)")
        }
        return t
    }
}
