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
            guard let f = key.withUnsafeBytes({ Field($0) }) else { return nil }
            self = f
        }

        init?(_ key: UnsafeRawBufferPointer) {
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
            guard memcmp(key.baseAddress!, name.utf8Start, key.count) == 0 else { return nil }
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

extension ManifestHasher {
    /// Whether `inlineRecord` may be tried: it writes the one-algorithm
    /// records only (more algorithms add a `digests` object).
    var inlineFastPath: Bool { options.plain.algorithms.count == 1 }

    /// The record of an inline (`data`) manifest line written straight from
    /// the line's bytes: no `JSONValue`, `ManifestItem`, `EvidenceRecord` or
    /// `String` in between, which is where the time of the general path
    /// went (allocations and copies, ~40% of a run). Appends the record to
    /// `out` and its id's bytes to `ids`, and returns the bytes hashed; nil
    /// (`out` and `ids` untouched) wherever `fastItem` or the general path
    /// must decide: a file line, `pages`, an escaped string, a time not in
    /// its UTC form, anything they would refuse. A differential test holds
    /// the records equal to the general path's.
    func inlineRecord(_ line: UnsafeRawBufferPointer, worker: Worker, out: inout [UInt8], ids: inout [UInt8]) -> Int? {
        var buffers = InlineBuffers()
        return inlineRecord(line, worker: worker, buffers: &buffers, out: &out, ids: &ids)
    }

    /// `inlineRecord` with scratch buffers the caller keeps from line to line.
    func inlineRecord(_ line: UnsafeRawBufferPointer, worker: Worker, buffers: inout InlineBuffers,
                      out: inout [UInt8], ids: inout [UInt8]) -> Int? {
        guard UTF8Validation.firstInvalidOffset(line) == nil else { return nil }
        var canonical = buffers.canonical, digest = buffers.hex
        buffers = InlineBuffers()
        defer { buffers = InlineBuffers(canonical: canonical, hex: digest) }
        canonical.removeAll(keepingCapacity: true)
        digest.removeAll(keepingCapacity: true)
        var fields = InlineFields()
        var scanner = JCSScanner(line)
        var field = ManifestFields.Field.id
        /// Reads the string at the scanner; its text between the quotes,
        /// when that is its value (no escape, no control character).
        func plainString(_ scanner: inout JCSScanner) -> Range<Int>? {
            let start = scanner.index
            guard scanner.skipPlainString() else { return nil }
            return start + 1 ..< scanner.index - 1
        }
        let isObject = scanner.topLevelObject(key: { scanner in
            guard let r = plainString(&scanner), let f = ManifestFields.Field(UnsafeRawBufferPointer(rebasing: line[r])),
                  fields.seen & f.bit == 0 else { return false }
            fields.seen |= f.bit
            field = f
            return true
        }, value: { scanner in
            switch field {
            case .data:
                return scanner.value(depth: 1, into: &canonical)
            case .pages, .path:
                return false
            default:
                guard scanner.base[scanner.index] == UInt8(ascii: "\""), let r = plainString(&scanner) else { return false }
                fields[field] = r
                return true
            }
        })
        guard isObject, fields.seen & ManifestFields.Field.data.bit != 0 else { return nil }
        func text(_ f: ManifestFields.Field) -> UnsafeRawBufferPointer? {
            fields[f].map { UnsafeRawBufferPointer(rebasing: line[$0]) }
        }
        // The checks of `ManifestItem(json:)`, on bytes.
        guard let contract = text(.contract), Self.isIdentifier(contract),
              let stage = text(.stage), Self.isStageName(stage),
              let name = text(.name), Self.isIdentifier(name) else { return nil }
        let id = text(.id)
        if let id, !Self.isIdentifier(id) { return nil }
        let time = text(.time)
        if let time, !Self.isUTCTime(time) { return nil }

        let useKey = options.keyed != nil
        let plan = useKey ? options.keyed! : options.plain
        canonical.withUnsafeBytes { (useKey ? worker.keyed! : worker.plain).appendHexDigest(of: $0, to: &digest) }
        let size = canonical.count

        let idStart = ids.count
        if let id {
            ids.append(contentsOf: id)
        } else {
            ids.append(contentsOf: contract)
            ids.append(UInt8(ascii: "/"))
            ids.append(contentsOf: stage)
            ids.append(UInt8(ascii: "/"))
            if options.keepName { ids.append(contentsOf: name) } else { ids.append(contentsOf: digest[0 ..< 16]) }
        }
        // `EvidenceRecord.write`'s fields and order; every string here has
        // no quote, backslash or control character, so it is its own JSON.
        func key(_ k: StaticString, _ out: inout [UInt8]) {
            out.append(contentsOf: UnsafeRawBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        }
        if options.text {
            out.append(contentsOf: digest)
            key("  ", &out)
            out.append(contentsOf: ids[idStart...])
            out.append(UInt8(ascii: "\n"))
            return size
        }
        key("{\"id\":\"", &out); out.append(contentsOf: ids[idStart...])
        key("\",\"contract\":\"", &out); out.append(contentsOf: contract)
        key("\",\"stage\":\"", &out); out.append(contentsOf: stage)
        if options.keepName { key("\",\"name\":\"", &out); out.append(contentsOf: name) }
        if let source = text(.source) { key("\",\"source\":\"", &out); out.append(contentsOf: source) }
        if let time { key("\",\"time\":\"", &out); out.append(contentsOf: time) }
        key("\",\"size\":", &out); Self.appendDecimal(size, to: &out)
        key(",\"kind\":\"data\",\"alg\":\"", &out); out.append(contentsOf: plan.algorithms[0].rawValue.utf8)
        key("\",\"digest\":\"", &out); out.append(contentsOf: digest)
        if let key = plan.key { out.append(contentsOf: "\",\"keyid\":\"".utf8); out.append(contentsOf: key.keyID.utf8) }
        key("\"}\n", &out)
        return size
    }

    /// `ManifestItem`'s identifier rule: non-empty, no control character.
    static func isIdentifier(_ s: UnsafeRawBufferPointer) -> Bool {
        !s.isEmpty && !s.contains { $0 < 0x20 || $0 == 0x7f }
    }

    /// `Stage.isValidName` on bytes.
    static func isStageName(_ s: UnsafeRawBufferPointer) -> Bool {
        guard let first = s.first, first >= 0x61 && first <= 0x7a, s.count <= 32 else { return false }
        return s.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x5f }
    }

    /// A time already in the form `RFC3339.normalize` keeps as it is,
    /// `YYYY-MM-DDTHH:MM:SSZ`, and valid; any other time is left to it.
    static func isUTCTime(_ t: UnsafeRawBufferPointer) -> Bool {
        guard t.count == 20, t[4] == UInt8(ascii: "-"), t[7] == UInt8(ascii: "-"), t[10] == UInt8(ascii: "T"),
              t[13] == UInt8(ascii: ":"), t[16] == UInt8(ascii: ":"), t[19] == UInt8(ascii: "Z") else { return false }
        func number(_ at: Int, _ count: Int) -> Int? {
            var v = 0
            for i in at ..< at + count {
                guard t[i] >= 0x30 && t[i] <= 0x39 else { return nil }
                v = v * 10 + Int(t[i] - 0x30)
            }
            return v
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              (1 ... 12).contains(month), day >= 1, hour < 24, minute < 60, second < 60 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = month == 2 ? (leap ? 29 : 28) : (month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31)
        return day <= days
    }

    static func appendDecimal(_ n: Int, to out: inout [UInt8]) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes, enough for Int.max
        withUnsafeMutableBytes(of: &digits) { buffer in
            var v = n, i = buffer.count
            repeat {
                i -= 1
                buffer[i] = UInt8(0x30 + v % 10)
                v /= 10
            } while v > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[i...]))
        }
    }
}

/// The inline fast path's scratch: the canonical `data`, the hex digest.
struct InlineBuffers {
    var canonical: [UInt8] = []
    var hex: [UInt8] = []
}

/// Where the string members of an inline line are in it (between quotes).
struct InlineFields {
    var seen = 0
    var id, contract, stage, name, source, time: Range<Int>?

    subscript(field: ManifestFields.Field) -> Range<Int>? {
        get {
            switch field {
            case .id: id
            case .contract: contract
            case .stage: stage
            case .name: name
            case .source: source
            case .time: time
            case .path, .data, .pages: nil
            }
        }
        set {
            switch field {
            case .id: id = newValue
            case .contract: contract = newValue
            case .stage: stage = newValue
            case .name: name = newValue
            case .source: source = newValue
            case .time: time = newValue
            case .path, .data, .pages: break
            }
        }
    }
}
