import FoundationEssentials
import EvidenceSupport

/// What a responder allows (a JSON file, see evpsi(1) POLICY FILES):
///   {"purposes":["…"],"peers":["name+keyid"],"max_items":100000,"expires":"2027-01-01T00:00:00Z"}
/// Every field is required; unknown fields are refused, so that a misspelt
/// rule cannot silently allow everything.
public struct PSIPolicy: Sendable {
    public var purposes: [String]
    public var peers: [String]
    public var maxItems: Int
    public var expires: String
    public var path: String

    static let fields: Set<String> = ["purposes", "peers", "max_items", "expires"]

    public static func load(_ path: String) throws -> PSIPolicy {
        try JSONDocumentFile.read(path) { value in
            guard case .object(let o) = value else { throw EvidenceError.input("policy: expected a JSON object", at: path) }
            for k in o.keys where !fields.contains(k) {
                throw EvidenceError.input("policy: unknown field \"\(k)\"", at: path)
            }
            func strings(_ k: String) throws -> [String] {
                guard let a = o[k]?.arrayValue else { throw EvidenceError.input("policy: expected \"\(k)\" (array of strings)", at: path) }
                return try a.map {
                    guard let s = $0.stringValue else { throw EvidenceError.input("policy: expected \"\(k)\" (array of strings)", at: path) }
                    return s
                }
            }
            guard let max = o["max_items"]?.integerValue, max >= 0 else {
                throw EvidenceError.input("policy: expected \"max_items\" (non-negative integer)", at: path)
            }
            guard let expires = o["expires"]?.stringValue, RFC3339.parse(expires) != nil else {
                throw EvidenceError.input("policy: expected \"expires\" (RFC 3339 time)", at: path)
            }
            return PSIPolicy(purposes: try strings("purposes"), peers: try strings("peers"), maxItems: max,
                             expires: expires, path: path)
        }
    }

    /// Checks an opening message before any of it is used; the error names
    /// the rule that refused it.
    func check(purpose: String?, signer: String?, count: Int, now: Date, at location: String) throws {
        let nowStamp = RFC3339.parse(RFC3339.format(epochSeconds: Int64(now.timeIntervalSince1970)))!
        guard let end = RFC3339.parse(expires), nowStamp < end else {
            throw EvidenceError.input("refused by policy \(path): rule \"expires\": the policy expired at \(expires)", at: location)
        }
        // An entry is `name+keyid` or a whole verifier key (`name+keyid+base64`).
        // Peers and purposes are compared as bytes (evpsi(1)): a look-alike in
        // another Unicode normalisation is another peer, another purpose.
        let allowed = Set(peers.map { $0.split(separator: "+", maxSplits: 2).prefix(2).joined(separator: "+").exact })
        guard let signer, allowed.contains(signer.exact) else {
            throw EvidenceError.input("refused by policy \(path): rule \"peers\": key \(signer ?? "(unsigned)") may not ask", at: location)
        }
        guard let purpose, purposes.contains(where: { $0.sameBytes(as: purpose) }) else {
            throw EvidenceError.input("refused by policy \(path): rule \"purposes\": purpose \(purpose.map { "\"\($0)\"" } ?? "(none)") is not allowed", at: location)
        }
        guard count <= maxItems else {
            throw EvidenceError.input("refused by policy \(path): rule \"max_items\": the request has \(count) items, at most \(maxItems) allowed", at: location)
        }
    }
}
