import EvidenceSupport

/// One line of an `evhash` manifest: an artifact to hash, named by its
/// place in a contract's life, either a file (`path`) or an inline
/// structured record (`data`).
public struct ManifestItem: Sendable {
    public enum Content: Sendable {
        case file(path: String)
        case data(JSONValue)
    }

    public var id: String?
    public var contract: String
    public var stage: String
    public var name: String
    public var source: String?
    /// Normalised to RFC 3339 UTC.
    public var time: String?
    public var pages: Int?
    public var content: Content

    public static let fields: Set<String> = ["id", "contract", "stage", "name", "path", "data", "source", "time", "pages"]

    public init(json object: JSONObject) throws {
        let fields = FieldReader(object)
        try fields.refuseUnknown(Self.fields)
        id = try fields.optionalIdentifier("id")
        contract = try fields.requiredIdentifier("contract")
        stage = try fields.requiredStage("stage", missing: "lowercase word such as esign, face, liveness")
        source = try fields.optionalString("source")
        if let t = try fields.optionalString("time", "RFC 3339 time") {
            guard let utc = RFC3339.normalize(t) else {
                throw EvidenceError.input("expected \"time\" (RFC 3339 time such as 2025-04-16T14:02:33Z or 2025-04-16T22:02:33+08:00), found \"\(t)\": \(RFC3339.refusal(t) ?? "refused")")
            }
            time = utc
        }
        pages = try fields.optionalCount("pages")
        let path = try fields.optionalString("path", "path relative to \(Setting("root"))")
        switch (path, object["data"]) {
        case (let p?, nil):
            content = .file(path: p)
        case (nil, let d?):
            content = .data(d)
        case (nil, nil):
            throw EvidenceError.input("missing \"path\" (a file) or \"data\" (an inline record)")
        case (_?, _?):
            throw EvidenceError.input("give either \"path\" or \"data\", not both")
        }
        if let n = try fields.optionalIdentifier("name") {
            name = n
        } else if case .file(let p) = content, let last = Self.lastComponent(p) {
            name = String(last)
        } else {
            throw EvidenceError.input("missing \"name\" (required for an inline \"data\" record)")
        }
    }

    /// The last non-empty component of `path` (what splitting it on "/"
    /// gives last), found on its bytes.
    static func lastComponent(_ path: String) -> Substring? {
        let utf8 = path.utf8
        var end = utf8.endIndex
        while end > utf8.startIndex, utf8[utf8.index(before: end)] == UInt8(ascii: "/") { end = utf8.index(before: end) }
        guard end > utf8.startIndex else { return nil }
        var start = end
        while start > utf8.startIndex, utf8[utf8.index(before: start)] != UInt8(ascii: "/") { start = utf8.index(before: start) }
        return path[start..<end]
    }

    /// `contract/stage/name`, the id later tools look entries up by.
    public var defaultID: String { "\(contract)/\(stage)/\(name)" }
}
