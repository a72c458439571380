import EvidenceSupport

/// How much an `ok` verdict checked, as evverify states it: whether the
/// original's digest was recomputed or only the record's compared, how many
/// witness cosignatures were checked, and whether the id was also logged
/// with other digests (`--accept-relogged`). A catalogue shows a plain
/// "verified" only for the full check; any other is marked limited and says
/// why, so that a row never claims more than was checked.
public struct CheckStrength: Equatable, Sendable {
    /// What the compared digest came from; `unstated` when the verdict does
    /// not say (then nobody can tell that the original was read).
    public enum Digest: String, Sendable {
        case original, record, unstated
    }

    /// An entry of the same id with another digest (verdict `conflicts`).
    public struct Relogged: Equatable, Sendable {
        public var seq: Int
        public var logged: String
        public var digest: String
    }

    public var digest: Digest
    /// Valid witness cosignatures checked; nil when the verdict does not say.
    public var cosignatures: Int?
    public var relogged: [Relogged]

    /// The original recomputed, at least one cosignature, no other digest logged.
    public var isFull: Bool { digest == .original && (cosignatures ?? 0) > 0 && relogged.isEmpty }

    /// Reads the verdict's `checked`, `cosignatures` and `conflicts`.
    init(verdict fields: FieldReader, object: JSONObject) throws {
        switch try fields.optionalString("checked") {
        case nil: digest = .unstated
        case "original"?: digest = .original
        case "record"?: digest = .record
        case let other?: throw EvidenceError.input("expected \"checked\" (\"original\" or \"record\"), found \"\(other)\"")
        }
        cosignatures = try fields.optionalCount("cosignatures")
        relogged = []
        guard let list = object["conflicts"] else { return }
        guard case .array(let values) = list else {
            throw EvidenceError.input("expected \"conflicts\" (array of {\"seq\",\"logged\",\"digest\"}), found \(list.typeName)")
        }
        for value in values {
            guard case .object(let o) = value else {
                throw EvidenceError.input("expected \"conflicts\" (array of {\"seq\",\"logged\",\"digest\"}), found \(value.typeName) in it")
            }
            let f = FieldReader(o, prefix: "conflicts[].")
            try f.refuseUnknown(["seq", "logged", "digest"])
            relogged.append(Relogged(seq: try f.requiredCount("seq"), logged: try f.requiredUTCTime("logged"),
                                     digest: try f.requiredString("digest", "hex digest")))
        }
    }
}
