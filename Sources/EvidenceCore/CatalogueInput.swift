/// Reading what `evcatalog` is given: JSON Lines items (verdicts, chain
/// entries, records) and the documents around them.
public enum CatalogueInput {
    /// Every item of every reader, in order; an error names `file:line`.
    /// Nothing is rendered unless all of the input is good.
    public static func items(_ readers: [JSONLinesReader]) throws -> [CatalogueItem] {
        var items: [CatalogueItem] = []
        for reader in readers {
            while let object = try reader.nextObject() {
                do { items.append(try CatalogueItem(json: object)) } catch let error as EvidenceError {
                    throw error.located(reader.location)
                }
            }
        }
        return items
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
