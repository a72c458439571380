/// A JSON value as I-JSON (RFC 7493) restricts it, which is what RFC 8785
/// canonicalization assumes: numbers are IEEE-754 doubles, strings are valid
/// Unicode, object keys are unique. Objects keep their members in input
/// order so that a filter's output reads like its input.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    public var numberValue: Double? {
        if case .number(let n) = self { return n }
        return nil
    }
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
    /// The number as an exact integer, when it is one within ±(2^53 − 1),
    /// however it was spelled (`JSONNumberRule`): 9007199254740992.0 is
    /// no more an integer here than 9007199254740992 is.
    public var integerValue: Int? {
        guard case .number(let n) = self, n.rounded(.towardZero) == n,
              abs(n) <= JSON.maximumExactInteger else { return nil }
        return Int(n)
    }

    /// What a value is, for error messages ("expected string, found number").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// Strings are equal only byte for byte (see `ExactString`): a value that
    /// differs from another only in Unicode normalisation is another value,
    /// as its RFC 8785 form and digest are.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x.sameBytes(as: y)
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)): return x == y
        default: return false
        }
    }
}

/// A JSON object's members, in insertion order, keys unique. Keys are
/// looked up and compared byte for byte (RFC 8259 §8.3): "\u00e9" and
/// "e\u0301" are two keys, never one (see `ExactString`).
public struct JSONObject: Equatable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var members: [(key: String, value: JSONValue)]

    public init() { members = [] }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = []
        for (k, v) in elements { self[k] = v }
    }

    /// Builds from members already known to have unique keys (the parser checks).
    init(uniqueMembers: [(key: String, value: JSONValue)]) { members = uniqueMembers }

    /// Appends a member whose key the caller knows is new (no lookup).
    public mutating func appendNew(_ key: String, _ value: JSONValue) {
        members.append((key, value))
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    /// Setting a value replaces it in place; setting nil removes the key.
    public subscript(key: String) -> JSONValue? {
        get {
            for m in members where m.key.sameBytes(as: key) { return m.value }
            return nil
        }
        set {
            if let i = members.firstIndex(where: { $0.key.sameBytes(as: key) }) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        members.makeIterator()
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.members.count == b.members.count else { return false }
        for m in a.members where b[m.key] != m.value { return false }
        return true
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var o = JSONObject()
        for (k, v) in elements { o[k] = v }
        self = .object(o)
    }
    public init(nilLiteral: ()) { self = .null }
}
