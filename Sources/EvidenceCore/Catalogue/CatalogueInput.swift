import EvidenceSupport

/// Reading what `evcatalog` is given: JSON Lines items (verdicts, chain
/// entries, records) and the documents around them.
public enum CatalogueInput {
    /// Every item and stage gap of every reader, in order; an error names
    /// `file:line`. Nothing is rendered unless all of the input is good.
    public static func read(_ readers: [JSONLinesReader]) throws -> (items: [CatalogueItem], gaps: [StageGap]) {
        var items: [CatalogueItem] = []
        var gaps: [StageGap] = []
        for reader in readers {
            while let object = try reader.nextObject() {
                do {
                    if StageGap.isGap(object) {
                        gaps.append(try StageGap(json: object))
                    } else {
                        items.append(try CatalogueItem(json: object))
                    }
                } catch let error as EvidenceError {
                    throw error.located(reader.location)
                }
            }
        }
        return (items, gaps)
    }

    /// The serial of a custody certificate: its top-level `"serial"` string,
    /// the one field the catalogue relies on.
    public static func certificateSerial(_ value: JSONValue) throws -> String {
        guard case .object(let object) = value else {
            throw EvidenceError.input("expected a custody certificate (JSON object), found \(value.typeName)")
        }
        return try FieldReader(object).requiredIdentifier("serial")
    }
}
