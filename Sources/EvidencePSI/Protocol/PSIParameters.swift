import EvidenceCrypto
import EvidenceSupport

/// The parameters that change a protocol's answer without changing any
/// message's shape: the item key fields, the bucket split and its key, the
/// join of a comparison. Each party writes its own into the header of the
/// message it sends, and the receiver compares them with its own, so that a
/// mismatch is refused by name instead of yielding a plausible wrong answer
/// (0 matches, 2 of 5, the wrong contracts compared).
public enum PSIParameters {
    /// Header field → the option that sets it, in the order they are checked.
    static let options: [(field: String, option: String)] = [
        ("key", "\(Setting("key"))"), ("buckets", "\(Setting("buckets"))"), ("bucket", "\(Setting("bucket"))"),
        ("bucket_key", "\(Setting("bucket-key"))"), ("join", "\(Setting("join"))"),
    ]

    /// Refuses a peer header whose parameters differ from `mine`; every
    /// field of `mine` must be present and equal in `peer`.
    public static func check(mine: JSONObject, peer: JSONObject, at location: String) throws {
        for (field, option) in options {
            guard let own = mine[field] else { continue }
            guard let theirs = peer[field] else {
                throw EvidenceError.input("header: expected \"\(field)\" (the peer's \(option)); the peer runs an older evpsi", at: location)
            }
            guard theirs == own else {
                // The bucket key is secret: name it, never show its check value.
                if field == "bucket_key" {
                    throw EvidenceError.input("the peer's \(Setting("bucket-key")) differs from this party's (both need the same key file)", at: location)
                }
                throw EvidenceError.input("the peer's \(option) is \(describe(theirs)), this party's is \(describe(own)); both parties must give the same \(option)", at: location)
            }
        }
    }

    static func describe(_ value: JSONValue) -> String {
        if let list = value.arrayValue { return list.map(describe).joined(separator: ",") }
        if let s = value.stringValue { return s }
        if let i = value.integerValue { return String(i) }
        return value.typeName
    }

    /// `"join": [fields]` for a comparison's header and state.
    public static func join(_ fields: [String]) -> JSONObject {
        ["join": .array(fields.map { .string($0) })]
    }
}

extension PSIItemOptions {
    /// This party's item parameters as header (and state) fields. The bucket
    /// key travels only as a keyed check value: equal keys give equal values,
    /// and the value reveals nothing of the key.
    public var parameters: JSONObject {
        ["key": .array(keyFields.map { .string($0) }), "buckets": .number(Double(buckets)),
         "bucket": .number(Double(bucket)), "bucket_key": .string(bucketKeyCheck)]
    }

    var bucketKeyCheck: String {
        guard !bucketKey.isEmpty else { return "none" }
        let h = HashContext(hmac: .sha256, key: bucketKey)
        h.update(Array("evpsi-v1:bucket-key-check\u{0}".utf8))
        return Hex.encode(Array(h.finalize().prefix(16)))
    }
}
