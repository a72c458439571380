import EvidenceSupport

/// An RFC 9162 §2.1.4 consistency proof between two tree sizes.
public struct ConsistencyProof: Sendable {
    public var oldSize: UInt64
    public var newSize: UInt64
    public var oldRoot: Hash
    public var newRoot: Hash
    public var path: [Hash]

    /// {"old_size","new_size","old_root","new_root","proof"}
    public var json: JSONValue {
        var o = JSONObject()
        o["old_size"] = .number(Double(oldSize))
        o["new_size"] = .number(Double(newSize))
        o["old_root"] = .string(oldRoot.hex)
        o["new_root"] = .string(newRoot.hex)
        o["proof"] = .array(path.map { .string($0.hex) })
        return .object(o)
    }

    public init(oldSize: UInt64, newSize: UInt64, oldRoot: Hash, newRoot: Hash, path: [Hash]) {
        self.oldSize = oldSize; self.newSize = newSize; self.oldRoot = oldRoot; self.newRoot = newRoot; self.path = path
    }

    public init(json value: JSONValue) throws {
        func bad(_ what: String) -> EvidenceError { EvidenceError.input("consistency proof: expected \(what)") }
        guard case .object(let o) = value else { throw bad("a JSON object") }
        guard let a = o["old_size"]?.integerValue, a >= 0 else { throw bad("\"old_size\" (integer)") }
        guard let b = o["new_size"]?.integerValue, b >= 0 else { throw bad("\"new_size\" (integer)") }
        guard let r1 = o["old_root"]?.merkleHash else { throw bad("\"old_root\" (64 hex digits)") }
        guard let r2 = o["new_root"]?.merkleHash else { throw bad("\"new_root\" (64 hex digits)") }
        guard let path = o["proof"]?.merklePath else { throw bad("\"proof\" (array of hex hashes)") }
        self.init(oldSize: UInt64(a), newSize: UInt64(b), oldRoot: r1, newRoot: r2, path: path)
    }
}
