import EvidenceSupport

/// `--format jsonl`: one object per row, for pipelines. Machine fields keep
/// the input's values unchanged (no display markers); `*_label` fields carry
/// the words of `--lang`.
public enum CatalogueJSONL {
    public static func render(_ catalogue: Catalogue) -> [UInt8] {
        let labels = CatalogueLabels(catalogue.options.language)
        var w = JSONWriter(capacity: 512 * max(1, catalogue.rows.count))
        for row in catalogue.rows {
            w.write(.object(object(row, labels: labels)))
            w.writeRaw("\n")
        }
        return w.bytes
    }

    static func object(_ row: Catalogue.Row, labels: CatalogueLabels) -> JSONObject {
        var o = JSONObject()
        func put(_ key: String, _ value: JSONValue?) { if let value { o.appendNew(key, value) } }
        put("no", row.number.map { .number(Double($0)) })
        put("stage", .string(row.stage.name))
        put("stage_label", .string(labels.stage(row.stage)))
        put("contract", row.contract.map(JSONValue.string))
        if let record = row.record, case .object(let fields) = record.json {
            for (key, value) in fields where key != "contract" && key != "stage" { o.appendNew(key, value) }
        }
        put("purpose", .string(row.purpose))
        if let item = row.item {
            put("seq", item.seq.map { .number(Double($0)) })
            put("logged", item.logged.map(JSONValue.string))
            put("attested", item.attested.map(JSONValue.string))
            put("attested_by", item.attestedBy.map(JSONValue.string))
            put("attested_tree_size", item.attestedTreeSize.map { .number(Double($0)) })
            put("tree_size", item.treeSize.map { .number(Double($0)) })
            put("actual", item.actual.map(JSONValue.string))
        }
        put("status", .string(row.status.rawValue))
        put("status_label", .string(labels.status(of: row)))
        if row.status == .ok, let strength = row.item?.strength {
            // How much the pass checked (CheckStrength), machine fields then words.
            put("check", .string(strength.isFull ? "full" : "limited"))
            if strength.digest != .unstated { put("checked", .string(strength.digest.rawValue)) }
            put("cosignatures", strength.cosignatures.map { .number(Double($0)) })
            if !strength.relogged.isEmpty {
                put("conflicts", .array(strength.relogged.map {
                    ["seq": .number(Double($0.seq)), "logged": .string($0.logged), "digest": .string($0.digest)]
                }))
            }
            put("check_label", .string(labels.strength(strength).joined(separator: labels.language == .zh ? "；" : "; ")))
        }
        put("flagged", .bool(row.flagged))
        put("reason", (row.item?.reason ?? row.gapReason).map(JSONValue.string))
        put("certificate", row.certificate.map(JSONValue.string))
        put("receipts", row.receipts.isEmpty ? nil : .array(row.receipts.map(JSONValue.string)))
        return o
    }
}
