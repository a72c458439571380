import EvidenceSupport

/// One thing to verify: an original named by a manifest line (the same
/// lines `evhash` takes: its digest is recomputed from the file or data),
/// or an evidence record (its digest is taken as given).
public struct VerificationItem: Sendable {
    public enum Content: Sendable {
        case original(ManifestItem)
        case record(EvidenceRecord)
    }

    public let content: Content
    /// `file:line` of the input line.
    public var location: String
    /// The id the item is looked up by (made once: it is asked for often).
    public let id: String

    public var contract: String? {
        switch content {
        case .original(let item): return item.contract
        case .record(let record): return record.contract
        }
    }

    /// A line with "path" or "data" is an original; one with "digest" a record.
    public init(json object: JSONObject, location: String) throws {
        self.location = location
        if object["path"] != nil || object["data"] != nil {
            let item = try ManifestItem(json: object)
            content = .original(item)
            id = item.id ?? item.defaultID
        } else if object["digest"] != nil {
            let record = try EvidenceRecord(json: object)
            content = .record(record)
            id = record.id
        } else {
            throw EvidenceError.input("expected a manifest line (with \"path\" or \"data\") or an evidence record (with \"digest\")")
        }
    }

    /// One input line (without its line ending): a JSON object, as above.
    /// Errors carry `location`.
    public init(line: UnsafeRawBufferPointer, location: String) throws {
        do {
            let value = try JSON.parse(line)
            guard case .object(let object) = value else {
                throw EvidenceError.input("expected a JSON object, found \(value.typeName)")
            }
            try self.init(json: object, location: location)
        } catch let e as EvidenceError {
            throw e.located(location)
        }
    }

    /// Reads every item of `readers`; the first bad line is an input error.
    public static func readAll(_ readers: [JSONLinesReader]) throws -> [VerificationItem] {
        var items: [VerificationItem] = []
        for reader in readers {
            while let item = try reader.withNextLine({ try VerificationItem(line: $0, location: reader.location) }) {
                items.append(item)
            }
        }
        return items
    }
}
