import EvidenceSupport
import Glibc

extension ManifestHasher {
    /// A manifest line read from its bytes in one pass: the item, and for an
    /// inline record the RFC 8785 form of its `data`, canonicalized straight
    /// from the text (`JCSBytes`) rather than parsed into a `JSONValue` and
    /// serialized again. Nil wherever the general path must decide (any
    /// refusal, an unknown or repeated field, a value of the wrong kind): it
    /// then produces the result or the error, so what a user sees is always
    /// the general path's.
    static func fastItem(_ line: UnsafeRawBufferPointer) -> (item: ManifestItem, canonicalData: [UInt8]?)? {
        guard UTF8Validation.firstInvalidOffset(line) == nil else { return nil }
        var scanner = JCSScanner(line)
        var fields = ManifestFields()
        var scratch: [UInt8] = []
        scratch.reserveCapacity(128)
        var field = ManifestFields.Field.id
        let isObject = scanner.topLevelObject(key: { scanner in
            scratch.removeAll(keepingCapacity: true)
            guard let escaped = scanner.string(into: &scratch), !escaped,
                  let f = ManifestFields.Field(scratch[1 ..< scratch.count - 1]),
                  fields.seen & f.bit == 0 else { return false }
            fields.seen |= f.bit
            field = f
            return true
        }, value: { scanner in
            let valueStart = scanner.index
            switch field {
            case .data:
                var canonical: [UInt8] = []
                canonical.reserveCapacity(256)
                guard scanner.value(depth: 1, into: &canonical) else { return false }
                fields.data = canonical
            case .pages:
                scratch.removeAll(keepingCapacity: true)
                guard scanner.value(depth: 1, into: &scratch),
                      let value = try? JSON.parse(UnsafeRawBufferPointer(rebasing: line[valueStart ..< scanner.index])),
                      let n = value.integerValue, n >= 0 else { return false }
                fields.pages = n
            default:
                // Every other field is a string; its canonical form
                // without escapes is its UTF-8 between the quotes.
                guard scanner.base[valueStart] == UInt8(ascii: "\"") else { return false }
                scratch.removeAll(keepingCapacity: true)
                guard let escaped = scanner.string(into: &scratch), !escaped else { return false }
                fields.set(field, String(decoding: scratch[1 ..< scratch.count - 1], as: UTF8.self))
            }
            return true
        })
        guard isObject, let item = ManifestItem(fields) else { return nil }
        return (item, fields.data)
    }
}

/// The members of a manifest line as the fast path collects them.
struct ManifestFields {
    enum Field: Int {
        case id, contract, stage, name, path, data, source, time, pages

        var bit: Int { 1 << rawValue }

        /// The field a key names (the keys of `ManifestItem.fields`).
        init?(_ key: ArraySlice<UInt8>) {
            switch (key.first, key.count) {
            case (UInt8(ascii: "i"), 2): self = .id
            case (UInt8(ascii: "c"), 8): self = .contract
            case (UInt8(ascii: "s"), 5): self = .stage
            case (UInt8(ascii: "n"), 4): self = .name
            case (UInt8(ascii: "p"), 4): self = .path
            case (UInt8(ascii: "d"), 4): self = .data
            case (UInt8(ascii: "s"), 6): self = .source
            case (UInt8(ascii: "t"), 4): self = .time
            case (UInt8(ascii: "p"), 5): self = .pages
            default: return nil
            }
            let name = Field.names[rawValue]
            guard key.withUnsafeBufferPointer({ memcmp($0.baseAddress!, name.utf8Start, key.count) == 0 }) else { return nil }
        }

        static let names: [StaticString] = ["id", "contract", "stage", "name", "path", "data", "source", "time", "pages"]
    }

    var seen = 0
    var id: String?, contract: String?, stage: String?, name: String?, path: String?, source: String?, time: String?
    var pages: Int?
    var data: [UInt8]?

    mutating func set(_ field: Field, _ value: String) {
        switch field {
        case .id: id = value
        case .contract: contract = value
        case .stage: stage = value
        case .name: name = value
        case .path: path = value
        case .source: source = value
        case .time: time = value
        case .data, .pages: break
        }
    }
}

extension ManifestItem {
    /// The item `init(json:)` makes of the same members, or nil where that
    /// would throw (the caller then lets it throw). The checks are those of
    /// `init(json:)`; a test holds the two to the same items.
    init?(_ f: ManifestFields) {
        func isIdentifier(_ s: String) -> Bool {
            !s.isEmpty && !s.utf8.contains { $0 < 0x20 || $0 == 0x7f }
        }
        guard let contract = f.contract, isIdentifier(contract),
              let stage = f.stage, Stage.isValidName(stage) else { return nil }
        if let id = f.id, !isIdentifier(id) { return nil }
        var time: String? = nil
        if let t = f.time {
            guard let utc = RFC3339.normalize(t) else { return nil }
            time = utc
        }
        let content: Content
        switch (f.path, f.data) {
        case (let p?, nil): content = .file(path: p)
        // The value is not needed: the caller hashes the canonical bytes.
        case (nil, _?): content = .data(.null)
        default: return nil
        }
        let name: String
        if let n = f.name {
            guard isIdentifier(n) else { return nil }
            name = n
        } else if case .file(let p) = content, let last = p.split(separator: "/").last {
            name = String(last)
        } else {
            return nil
        }
        self.id = f.id
        self.contract = contract
        self.stage = stage
        self.name = name
        self.source = f.source
        self.time = time
        self.pages = f.pages
        self.content = content
    }
}
