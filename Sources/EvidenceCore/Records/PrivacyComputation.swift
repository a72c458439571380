import EvidenceCrypto
import EvidenceSupport

/// What one step of a privacy computation (`evpsi`) did, as the party that
/// ran it saw it: the `"computation"` of an evidence record of stage
/// `privacy-computing`. It holds no item, label or value — only the
/// protocol, the session, the purpose, the keys, counts and the SHA-256 of
/// each message read and written — so that a party can log it beside its
/// other evidence and both parties' views of one session can be matched by
/// session id and message digests.
///
/// The record around it: `id` = `<session>/privacy-computing/<protocol>-<step>`,
/// `contract` = the session id, `stage` = `privacy-computing`, `name` =
/// `<protocol>-<step>`, `source` = `evpsi`, `kind` = `data`, `alg` = `sha256`,
/// and `digest` = SHA-256 of the RFC 8785 form of `computation`, as for any
/// inline record: the log commits to the description, and a record whose
/// description was edited after the fact no longer matches its digest.
public struct PrivacyComputation: Equatable, Sendable {
    public static let stage = "privacy-computing"
    public static let source = "evpsi"

    /// One message the step wrote or read.
    public struct Message: Equatable, Sendable {
        /// The message kind (`psi-request`, `sum-1`, …).
        public var kind: String
        /// The party that wrote it, `a` or `b`.
        public var from: String
        /// Its body lines (elements, ciphertexts, comparisons).
        public var count: Int
        /// SHA-256 of the message file's bytes, as `sha256sum` prints it.
        public var sha256: String

        public init(kind: String, from: String, count: Int, sha256: String) {
            self.kind = kind; self.from = from; self.count = count; self.sha256 = sha256
        }

        static let fields: Set<String> = ["kind", "from", "count", "sha256"]

        init(json value: JSONValue, field: String) throws {
            guard case .object(let o) = value else {
                throw EvidenceError.input("expected \"computation\".\"\(field)\" (array of message objects), found \(value.typeName)")
            }
            let f = FieldReader(o, prefix: "computation.\(field)[].")
            try f.refuseUnknown(Self.fields)
            kind = try f.requiredWord("kind")
            from = try f.requiredParty("from")
            count = try f.requiredCount("count")
            sha256 = try f.requiredHex("sha256", bytes: 32)
        }

        var json: JSONValue {
            .object(["kind": .string(kind), "from": .string(from), "count": .number(Double(count)), "sha256": .string(sha256)])
        }
    }

    /// `dh-psi`, `intersection-sum` or `comparison`.
    public var protocolName: String
    /// What the protocol computes: a DH-PSI mode, `sum`, `eq` or `ge`.
    public var mode: String
    /// The step this party ran (`request`, `respond`, `finish`, `start`, `reply`, `result`).
    public var step: String
    /// The party that ran it: `a` (holds the reference set) or `b`.
    public var party: String
    /// 32 lowercase hex digits, the same in both parties' records.
    public var session: String
    /// The purpose the requester stated, as its first message carries it.
    public var purpose: String?
    /// The group (`p256`, `ffdhe2048`, …) or `paillier`.
    public var group: String
    /// This party's signing key, `name+keyid` as in a signed note (none when unsigned).
    public var signer: String?
    /// The peer's key, `name+keyid` (none when unsigned).
    public var peer: String?
    public var sent: [Message]
    public var received: [Message]

    public static let protocols: Set<String> = ["dh-psi", "intersection-sum", "comparison"]
    static let fields: Set<String> = ["protocol", "mode", "step", "party", "session", "purpose", "group",
                                      "signer", "peer", "sent", "received"]

    public init(protocolName: String, mode: String, step: String, party: String, session: String, purpose: String?,
                group: String, signer: String?, peer: String?, sent: [Message], received: [Message]) {
        self.protocolName = protocolName; self.mode = mode; self.step = step; self.party = party
        self.session = session; self.purpose = purpose; self.group = group
        self.signer = signer; self.peer = peer; self.sent = sent; self.received = received
    }

    /// Validates a `"computation"` read from JSON: unknown or mistyped
    /// fields are refused (errors name the field, the caller the line).
    public init(json value: JSONValue) throws {
        guard case .object(let o) = value else {
            throw EvidenceError.input("expected \"computation\" (object), found \(value.typeName)")
        }
        let f = FieldReader(o, prefix: "computation.")
        try f.refuseUnknown(Self.fields)
        protocolName = try f.requiredWord("protocol")
        guard Self.protocols.contains(protocolName) else {
            throw EvidenceError.input("expected \"computation.protocol\" (one of \(Self.protocols.sorted().joined(separator: ", "))), found \"\(protocolName)\"")
        }
        mode = try f.requiredWord("mode")
        step = try f.requiredWord("step")
        party = try f.requiredParty("party")
        session = try f.requiredHex("session", bytes: 16)
        purpose = try f.optionalString("purpose")
        group = try f.requiredWord("group")
        signer = try f.optionalIdentifier("signer")
        peer = try f.optionalIdentifier("peer")
        func messages(_ field: String) throws -> [Message] {
            guard let v = o[field] else { throw EvidenceError.input("missing \"computation.\(field)\" (array of message objects)") }
            guard case .array(let list) = v else {
                throw EvidenceError.input("expected \"computation.\(field)\" (array of message objects), found \(v.typeName)")
            }
            return try list.map { try Message(json: $0, field: field) }
        }
        sent = try messages("sent")
        received = try messages("received")
    }

    public var json: JSONValue {
        var o: JSONObject = ["protocol": .string(protocolName), "mode": .string(mode), "step": .string(step),
                             "party": .string(party), "session": .string(session), "group": .string(group),
                             "sent": .array(sent.map(\.json)), "received": .array(received.map(\.json))]
        if let purpose { o["purpose"] = .string(purpose) }
        if let signer { o["signer"] = .string(signer) }
        if let peer { o["peer"] = .string(peer) }
        return .object(o)
    }

    /// SHA-256 (hex) of the RFC 8785 form: the record's `digest`.
    public var digest: String { Hex.encode(DigestAlgorithm.sha256.hash(JCS.canonical(json))) }

    /// `<protocol>-<step>`, the record's `name`.
    public var name: String { "\(protocolName)-\(step)" }

    /// The evidence record `evchain append` takes, made at `time` (RFC 3339 UTC).
    public func record(time: String) -> EvidenceRecord {
        var r = EvidenceRecord(id: "\(session)/\(Self.stage)/\(name)", algorithm: RecordAlgorithm(.sha256), digest: digest)
        r.contract = session
        r.stage = Self.stage
        r.name = name
        r.source = Self.source
        r.time = time
        r.kind = .data
        r.computation = self
        return r
    }

    /// The checks a record holding a computation must pass beyond its fields'.
    func check(in record: EvidenceRecord) throws {
        guard record.stage == Self.stage else {
            throw EvidenceError.input("a record with \"computation\" must have \"stage\":\"\(Self.stage)\"")
        }
        guard record.kind == .data, record.algorithm == RecordAlgorithm(.sha256) else {
            throw EvidenceError.input("a record with \"computation\" must have \"kind\":\"data\" and \"alg\":\"sha256\"")
        }
        guard record.contract == session else {
            throw EvidenceError.input("\"contract\" must be the computation's session \(session)")
        }
        guard record.digest == digest else {
            throw EvidenceError.input("\"digest\" is not the SHA-256 of the canonical \"computation\": the record was altered")
        }
    }
}
