import EvidenceSupport
import Glibc

extension ChainStore {
    /// An `evchain append` input line read in one pass over its bytes: the
    /// evidence record (as `EvidenceRecord(json:)` makes it) and its RFC 8785
    /// form, each member's value canonicalized by `JCSScanner` and the
    /// members put in the fixed order of `recordFields` (no sort, no
    /// `JSONValue`). Nil wherever the general path must decide: any refusal,
    /// an escape in a key or a string field, a `digests` map, a field of the
    /// wrong kind. The general path then gives the result or the error, so
    /// what a user sees is always its.
    static func fastRecord(_ line: UnsafeRawBufferPointer) -> (record: EvidenceRecord, canonical: [UInt8])? {
        guard UTF8Validation.firstInvalidOffset(line) == nil else { return nil }
        var scanner = JCSScanner(line)
        // Canonical keys and values, one after another; `scannedBounds`
        // locates each value.
        var scanned: [UInt8] = []
        scanned.reserveCapacity(line.count)
        // Where each member's value lies in `scanned`, as (start, end) pairs
        // (-1: absent): [Int] rather than [Range<Int>?] or [String?], whose
        // array metadata the runtime looks up (under a lock) on every call.
        var scannedBounds = [Int](repeating: -1, count: 2 * recordFields.count)
        var rank = 0
        let isObject = scanner.topLevelObject(key: { scanner in
            let keyStart = scanned.count
            guard let escaped = scanner.string(into: &scanned), !escaped,
                  let r = recordFieldRank(scanned, keyStart + 1 ..< scanned.count - 1),
                  scannedBounds[2 * r] < 0, r != RecordRank.digests else { return false }
            rank = r
            return true
        }, value: { scanner in
            let start = scanned.count
            if rank == RecordRank.size || rank == RecordRank.pages {
                guard scanner.value(depth: 1, into: &scanned) else { return false }
            } else {
                // Every other field is a string: without escapes, its
                // canonical form is its text, and its value what is
                // between the quotes.
                guard scanner.base[scanner.index] == UInt8(ascii: "\""),
                      let escaped = scanner.string(into: &scanned), !escaped else { return false }
            }
            scannedBounds[2 * rank] = start
            scannedBounds[2 * rank + 1] = scanned.count
            return true
        })
        guard isObject else { return nil }
        // Constants from here on: the closures above share the variables,
        // which makes every later read of them a checked (dynamic) access.
        let values = scanned, bounds = scannedBounds
        func range(_ rank: Int) -> Range<Int>? {
            bounds[2 * rank] < 0 ? nil : bounds[2 * rank] ..< bounds[2 * rank + 1]
        }
        // A string member's value: what is between the quotes (it has no escape).
        func string(_ rank: Int) -> String? {
            guard let r = range(rank) else { return nil }
            return values.withUnsafeBufferPointer {
                String(decoding: UnsafeBufferPointer(rebasing: $0[r.lowerBound + 1 ..< r.upperBound - 1]), as: UTF8.self)
            }
        }

        // The checks of EvidenceRecord(json:), each refusal left to it.
        func identifier(_ rank: Int) -> Bool {
            // Non-empty, no control character (the string has no escape, so
            // its bytes between the quotes are its UTF-8).
            guard let r = range(rank) else { return true }
            return r.count > 2 && values.withUnsafeBufferPointer { p in
                !p[r.lowerBound + 1 ..< r.upperBound - 1].contains { $0 < 0x20 || $0 == 0x7f }
            }
        }
        func count(_ rank: Int) -> Int?? {
            guard let r = range(rank) else { return .some(nil) }
            // A plain integer of up to 15 digits; anything else (1.0, 1e3)
            // is valued as the general parser values it.
            let n: Int? = values.withUnsafeBufferPointer { p in
                let text = UnsafeBufferPointer(rebasing: p[r])
                if text.count <= 15 && text.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    return text.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                }
                return (try? JSON.parse(UnsafeRawBufferPointer(text)))?.integerValue
            }
            guard let n, n >= 0 else { return nil }
            return .some(n)
        }
        guard let id = string(RecordRank.id), identifier(RecordRank.id), identifier(RecordRank.contract),
              string(RecordRank.stage).map(Stage.isValidName) ?? true,
              string(RecordRank.time).map(RFC3339.isCanonicalUTC) ?? true,
              let size = count(RecordRank.size), let pages = count(RecordRank.pages),
              let algName = string(RecordRank.alg), let algorithm = RecordAlgorithm(rawValue: algName),
              let digest = string(RecordRank.digest), Hex.isLowercase(digest, byteCount: algorithm.outputSize)
        else { return nil }
        var kind: EvidenceRecord.Kind? = nil
        if let k = string(RecordRank.kind) {
            guard let known = EvidenceRecord.Kind(rawValue: k) else { return nil }
            kind = known
        }
        let keyID = string(RecordRank.keyid)
        if let keyID {
            guard Hex.isLowercase(keyID, byteCount: 8), algorithm.isKeyed else { return nil }
        }
        var record = EvidenceRecord(id: id, algorithm: algorithm, digest: digest)
        record.contract = string(RecordRank.contract)
        record.stage = string(RecordRank.stage)
        record.name = string(RecordRank.name)
        record.source = string(RecordRank.source)
        record.time = string(RecordRank.time)
        record.size = size
        record.pages = pages
        record.kind = kind
        record.keyID = keyID
        record.path = string(RecordRank.path)

        // RFC 8785: the members in the UTF-16 order of their names, which
        // is the order of `recordFields`.
        var canonical: [UInt8] = []
        canonical.reserveCapacity(values.count + 16 * recordFields.count)
        canonical.append(UInt8(ascii: "{"))
        values.withUnsafeBufferPointer { p in
            for rank in 0 ..< recordFields.count {
                guard let r = range(rank) else { continue }
                if canonical.count > 1 { canonical.append(UInt8(ascii: ",")) }
                canonical.append(UInt8(ascii: "\""))
                let name = recordFieldNames[rank]
                canonical.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
                canonical.append(UInt8(ascii: "\""))
                canonical.append(UInt8(ascii: ":"))
                canonical.append(contentsOf: UnsafeBufferPointer(rebasing: p[r]))
            }
        }
        canonical.append(UInt8(ascii: "}"))
        return (record, canonical)
    }

    /// Ranks in `recordFields`.
    enum RecordRank {
        static let alg = 0, contract = 1, digest = 2, digests = 3, id = 4, keyid = 5, kind = 6, name = 7,
                   pages = 8, path = 9, size = 10, source = 11, stage = 12, time = 13
    }

    /// `recordFieldRank` of a key given by its bytes.
    static func recordFieldRank(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
        guard let first = range.first.map({ bytes[$0] }) else { return nil }
        let candidate: Int
        switch (first, range.count) {
        case (0x61, 3): candidate = 0     // alg
        case (0x63, 8): candidate = 1     // contract
        case (0x64, 6): candidate = 2     // digest
        case (0x64, 7): candidate = 3     // digests
        case (0x69, 2): candidate = 4     // id
        case (0x6b, 5): candidate = 5     // keyid
        case (0x6b, 4): candidate = 6     // kind
        case (0x6e, 4): candidate = 7     // name
        case (0x70, 5): candidate = 8     // pages
        case (0x70, 4): candidate = 9     // path
        case (0x73, 4): candidate = 10    // size
        case (0x73, 6): candidate = 11    // source
        case (0x73, 5): candidate = 12    // stage
        case (0x74, 4): candidate = 13    // time
        default: return nil
        }
        let name = recordFieldNames[candidate]
        return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + range.lowerBound, name.utf8Start, range.count) == 0 }
            ? candidate : nil
    }

    /// `recordFields` without String overhead.
    static let recordFieldNames: [StaticString] = ["alg", "contract", "digest", "digests", "id", "keyid", "kind", "name",
                                                   "pages", "path", "size", "source", "stage", "time"]
}
