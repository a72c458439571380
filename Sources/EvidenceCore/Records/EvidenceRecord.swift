import EvidenceCrypto
import EvidenceSupport

/// The evidence record of DESIGN.md: what `evhash` emits, `evchain append`
/// takes, and every later tool reads. Validation is strict — an unknown
/// field is an error, because a misspelt field silently dropped is evidence
/// silently lost.
public struct EvidenceRecord: Equatable, Sendable {
    public var id: String
    public var contract: String?
    public var stage: String?
    public var name: String?
    public var source: String?
    /// When the artifact was generated (RFC 3339 UTC), as the source system says.
    public var time: String?
    public var size: Int?
    public var pages: Int?
    /// `file` (digest of the bytes) or `data` (digest of the JCS form).
    public var kind: Kind?
    public var algorithm: RecordAlgorithm
    public var digest: String
    /// Every algorithm computed in the same read, including `algorithm`.
    public var digests: [RecordAlgorithm: String]?
    /// Identifies the HMAC key of a keyed record without revealing it.
    public var keyID: String?
    /// The path under `--root`; only present when the operator keeps it.
    public var path: String?
    /// What a privacy-computing step did (`evpsi --record`); its digest is `digest`.
    public var computation: PrivacyComputation?

    public enum Kind: String, Sendable { case file, data }

    public static let fields: Set<String> = Set(fieldOrder)
    public static let fieldOrder = [
        "id", "contract", "stage", "name", "source", "time", "size", "pages", "kind",
        "alg", "digest", "digests", "keyid", "path", "computation",
    ]

    public init(id: String, algorithm: RecordAlgorithm, digest: String) {
        self.id = id
        self.algorithm = algorithm
        self.digest = digest
    }

    /// Validates a record read from JSON; errors name the field.
    public init(json object: JSONObject) throws {
        // A manifest line (what evhash reads) where a record is expected:
        // say what to do rather than which record field it lacks.
        if object["digest"] == nil, object["path"] != nil || object["data"] != nil {
            throw EvidenceError.input("a manifest line, not an evidence record (it has \"\(object["data"] != nil ? "data" : "path")\" and no \"digest\"): hash it into a record first (evhash)")
        }
        let fields = FieldReader(object)
        try fields.refuseUnknown(Self.fields)
        id = try fields.requiredIdentifier("id")
        contract = try fields.optionalIdentifier("contract")
        stage = try fields.optionalStage("stage")
        name = try fields.optionalString("name")
        source = try fields.optionalString("source")
        time = try fields.optionalUTCTime("time")
        size = try fields.optionalCount("size")
        pages = try fields.optionalCount("pages")
        if let k = try fields.optionalString("kind") {
            guard let kind = Kind(rawValue: k) else {
                throw EvidenceError.input("expected \"kind\" (\"file\" or \"data\"), found \"\(k)\"")
            }
            self.kind = kind
        }
        let algName = try fields.requiredString("alg", "algorithm name")
        guard let algorithm = RecordAlgorithm(rawValue: algName) else {
            throw EvidenceError.input("unknown \"alg\" \"\(algName)\" (expected one of \(RecordAlgorithm.allNames))")
        }
        self.algorithm = algorithm
        digest = try fields.requiredHex("digest", bytes: algorithm.outputSize)
        if let d = object["digests"] {
            guard case .object(let map) = d else {
                throw EvidenceError.input("expected \"digests\" (object of algorithm → hex digest), found \(d.typeName)")
            }
            var digests: [RecordAlgorithm: String] = [:]
            for (key, value) in map {
                guard let a = RecordAlgorithm(rawValue: key) else {
                    throw EvidenceError.input("unknown algorithm \"\(key)\" in \"digests\"")
                }
                guard case .string(let hex) = value, Hex.isLowercase(hex, byteCount: a.outputSize) else {
                    throw EvidenceError.input("expected \"digests\".\"\(key)\" (string of \(a.outputSize * 2) lowercase hex digits)")
                }
                digests[a] = hex
            }
            guard digests[algorithm] == digest else {
                throw EvidenceError.input("\"digests\" must hold \"\(algorithm.rawValue)\" equal to \"digest\"")
            }
            self.digests = digests
        }
        keyID = try fields.optionalHex("keyid", bytes: 8)
        if keyID != nil && !algorithm.isKeyed {
            throw EvidenceError.input("\"keyid\" belongs only to keyed (hmac-…) records")
        }
        path = try fields.optionalString("path")
        if let c = object["computation"] {
            let computation = try PrivacyComputation(json: c)
            self.computation = computation
            try computation.check(in: self)
        }
    }

    public init(json value: JSONValue) throws {
        guard case .object(let object) = value else {
            throw EvidenceError.input("expected an evidence record (JSON object), found \(value.typeName)")
        }
        try self.init(json: object)
    }

    /// Writes the record as compact JSON, fields in `fieldOrder`, without
    /// building a `JSONValue` first (the hot path of evhash).
    public func write(to w: inout JSONWriter) {
        var first = true
        func key(_ k: StaticString, _ w: inout JSONWriter) {
            if first { w.writeASCII("{\"") } else { w.writeASCII(",\"") }
            first = false
            w.writeRaw(UnsafeRawBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            w.writeASCII("\":")
        }
        key("id", &w); w.writeString(id)
        if let contract { key("contract", &w); w.writeString(contract) }
        if let stage { key("stage", &w); w.writeString(stage) }
        if let name { key("name", &w); w.writeString(name) }
        if let source { key("source", &w); w.writeString(source) }
        if let time { key("time", &w); w.writeString(time) }
        if let size { key("size", &w); w.writeNumber(Double(size)) }
        if let pages { key("pages", &w); w.writeNumber(Double(pages)) }
        if let kind { key("kind", &w); w.writeString(kind.rawValue) }
        key("alg", &w); w.writeString(algorithm.rawValue)
        key("digest", &w); w.writeString(digest)
        if let digests {
            key("digests", &w)
            var d = JSONObject()
            for a in RecordAlgorithm.all where digests[a] != nil { d.appendNew(a.rawValue, .string(digests[a]!)) }
            w.write(.object(d))
        }
        if let keyID { key("keyid", &w); w.writeString(keyID) }
        if let path { key("path", &w); w.writeString(path) }
        if let computation { key("computation", &w); w.write(computation.json) }
        w.writeASCII("}")
    }

    /// The record as a JSON object, fields in `fieldOrder`.
    public var json: JSONValue {
        var o = JSONObject()
        // Each field is set once, in fieldOrder: append without lookups.
        o.appendNew("id", .string(id))
        if let contract { o.appendNew("contract", .string(contract)) }
        if let stage { o.appendNew("stage", .string(stage)) }
        if let name { o.appendNew("name", .string(name)) }
        if let source { o.appendNew("source", .string(source)) }
        if let time { o.appendNew("time", .string(time)) }
        if let size { o.appendNew("size", .number(Double(size))) }
        if let pages { o.appendNew("pages", .number(Double(pages))) }
        if let kind { o.appendNew("kind", .string(kind.rawValue)) }
        o.appendNew("alg", .string(algorithm.rawValue))
        o.appendNew("digest", .string(digest))
        if let digests {
            var d = JSONObject()
            for a in RecordAlgorithm.all where digests[a] != nil { d[a.rawValue] = .string(digests[a]!) }
            o.appendNew("digests", .object(d))
        }
        if let keyID { o.appendNew("keyid", .string(keyID)) }
        if let path { o.appendNew("path", .string(path)) }
        if let computation { o.appendNew("computation", computation.json) }
        return .object(o)
    }
}

/// A record's `alg`: a plain digest (`sha256`) or a keyed one (`hmac-sha256`).
public struct RecordAlgorithm: Hashable, Sendable, CustomStringConvertible {
    public var digest: DigestAlgorithm
    public var isKeyed: Bool

    public init(_ digest: DigestAlgorithm, keyed: Bool = false) {
        self.digest = digest
        self.isKeyed = keyed
    }

    public init?(rawValue: String) {
        if rawValue.hasPrefix("hmac-") {
            guard let d = DigestAlgorithm(rawValue: String(rawValue.dropFirst(5))) else { return nil }
            self.init(d, keyed: true)
        } else {
            guard let d = DigestAlgorithm(rawValue: rawValue) else { return nil }
            self.init(d)
        }
    }

    public var rawValue: String { (isKeyed ? "hmac-" : "") + digest.rawValue }
    public var description: String { rawValue }
    public var outputSize: Int { digest.outputSize }

    static let all: [RecordAlgorithm] = DigestAlgorithm.allCases.map { RecordAlgorithm($0) }
        + DigestAlgorithm.allCases.map { RecordAlgorithm($0, keyed: true) }
    static var allNames: String { all.map(\.rawValue).joined(separator: ", ") }

    /// A fresh context computing this algorithm (keyed ones need `key`).
    public func makeContext(key: [UInt8]?) -> HashContext {
        if isKeyed {
            precondition(key != nil, "keyed algorithm without a key")
            return HashContext(hmac: digest, key: key!)
        }
        return HashContext(digest)
    }
}
