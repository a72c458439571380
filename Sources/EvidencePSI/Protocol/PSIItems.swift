import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// Which fields of an input line make the item that is compared, and how
/// the input is split into buckets.
public struct PSIItemOptions: Sendable {
    /// Fields whose values, as the JSON array of them in canonical form
    /// (RFC 8785), are the item: `["110101199003077777","C2025-0001"]`.
    /// Both parties must name the same fields in the same order.
    public var keyFields: [String]
    public var buckets: Int
    public var bucket: Int
    public var bucketKey: [UInt8]

    /// Far more jobs than any deployment runs; a bound so that a typo is an error.
    public static let maximumBuckets = 1 << 16

    public init(keyFields: [String] = ["id"], buckets: Int = 1, bucket: Int = 0, bucketKey: [UInt8] = []) {
        self.keyFields = keyFields; self.buckets = buckets; self.bucket = bucket; self.bucketKey = bucketKey
    }

    public func validate() throws {
        guard !keyFields.isEmpty, keyFields.allSatisfy({ !$0.isEmpty }) else {
            throw EvidenceError.usage("\(Setting("key")) needs at least one field name")
        }
        guard (1...Self.maximumBuckets).contains(buckets) else {
            throw EvidenceError.usage("\(Setting("buckets")) must be in 1…\(Self.maximumBuckets)")
        }
        guard (0..<buckets).contains(bucket) else {
            throw EvidenceError.usage("\(Setting("bucket")) must be in 0…\(buckets - 1) (0-based, below \(Setting("buckets")))")
        }
    }

    /// The bucket of an item: a keyed hash, so that the split is uniform
    /// whatever the items look like and (with a key) not steerable.
    public func bucket(of item: [UInt8]) -> Int {
        guard buckets > 1 else { return 0 }
        let h = HashContext(hmac: .sha256, key: bucketKey)
        h.update(Array("evpsi-v1:bucket\u{0}".utf8))
        h.update(item)
        let d = h.finalize()
        var x: UInt64 = 0
        for b in d.prefix(8) { x = x << 8 | UInt64(b) }
        return Int(x % UInt64(buckets))
    }
}

/// One input line kept by the item reader.
public struct PSIItem {
    /// Number of this item among those kept (0-based), i.e. its position in messages.
    public var index: Int
    public var location: String
    public var item: [UInt8]
    public var object: JSONObject
}

/// Reads JSON Lines of items, keeps those of the selected bucket, reports
/// duplicates through `onDuplicate` (evpsi: on stderr; they are kept: each line gets its own answer), and
/// accumulates a digest of the kept items so a later step can check that it
/// is given the same input.
public final class PSIItemReader {
    public let options: PSIItemOptions
    private let readers: [JSONLinesReader]
    private var current = 0
    private let digest = HashContext(.sha256)
    private var seen: [PSIDigestKey: String] = [:]
    public private(set) var count = 0
    public private(set) var duplicates = 0
    public var reportDuplicates = true
    /// Told `location: duplicate item (same as first-location)` for each duplicate.
    public var onDuplicate: ((String) -> Void)?
    /// Told the items read so far after each chunk (a step's progress).
    public var progress: ProgressHandler?

    public init(paths: [String], options: PSIItemOptions) throws {
        try options.validate()
        self.options = options
        readers = try (paths.isEmpty ? ["-"] : paths).map { try JSONLinesReader.open($0) }
    }

    /// The canonical item of one input line.
    public static func item(of object: JSONObject, fields: [String], at location: String) throws -> [UInt8] {
        var values: [JSONValue] = []
        for f in fields {
            guard let v = object[f] else {
                throw EvidenceError.input("expected \"\(f)\" (the item key field)", at: location)
            }
            if case .null = v { throw EvidenceError.input("\"\(f)\" is null", at: location) }
            try requireExactNumbers(v, field: f, at: location)
            values.append(v)
        }
        return JCS.canonical(.array(values))
    }

    /// A key compares exactly or not at all: numbers in it must be integers
    /// the parser read exactly (below 2^53), else two different ID numbers
    /// would round to the same double and match.
    static func requireExactNumbers(_ value: JSONValue, field: String, at location: String) throws {
        switch value {
        case .number:
            guard try exactInteger(value, field: field, at: location) != nil else {
                throw EvidenceError.input("\"\(field)\": a fraction is not an exact key; write it as a string", at: location)
            }
        case .array(let list):
            for v in list { try requireExactNumbers(v, field: field, at: location) }
        case .object(let o):
            for (_, v) in o { try requireExactNumbers(v, field: field, at: location) }
        default:
            break
        }
    }

    public func next() throws -> PSIItem? {
        while current < readers.count {
            let r = readers[current]
            guard let object = try r.nextObject() else { current += 1; continue }
            let item = try Self.item(of: object, fields: options.keyFields, at: r.location)
            if options.buckets > 1 && options.bucket(of: item) != options.bucket { continue }
            let key = PSIDigestKey(DigestAlgorithm.sha256.hash(item))
            if let first = seen[key] {
                duplicates += 1
                if reportDuplicates { onDuplicate?("\(r.location): duplicate item (same as \(first))") }
            } else {
                seen[key] = r.location
            }
            digest.update(item)
            digest.update([0x0a])
            defer {
                count += 1
                if count & 1023 == 0 { progress?(count, 0) }
            }
            return PSIItem(index: count, location: r.location, item: item, object: object)
        }
        return nil
    }

    public func nextChunk(_ size: Int = 4096) throws -> [PSIItem] {
        var out: [PSIItem] = []
        while out.count < size, let i = try next() { out.append(i) }
        progress?(count, 0)
        return out
    }

    /// Hex SHA-256 over the kept items; valid once the input is exhausted.
    public func finishDigest() -> String { Hex.encode(digest.finalize()) }
}

/// 128 bits of a digest, as a cheap hashable set member.
public struct PSIDigestKey: Hashable, Sendable, Comparable {
    public let hi: UInt64
    public let lo: UInt64
    public init(_ bytes: [UInt8]) {
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { l = l << 8 | UInt64(bytes[i]) }
        hi = h; lo = l
    }
    public static func < (a: Self, b: Self) -> Bool { (a.hi, a.lo) < (b.hi, b.lo) }
}
