import EvidenceSupport

extension Catalogue {
    /// The rows whose ids differ from each other only in Unicode
    /// normalisation, as groups of (row number, id): two pieces of evidence
    /// (ids are bytes) that a reader cannot tell apart, so the tool says so.
    public var lookAlikeIDs: [[(number: Int?, id: String)]] {
        // Keyed by `String` on purpose: its equality is canonical equivalence.
        var groups: [String: [(number: Int?, id: String)]] = [:]
        var order: [String] = []
        for row in rows {
            guard let id = row.record?.id else { continue }
            if groups[id] == nil { order.append(id) }
            groups[id, default: []].append((row.number, id))
        }
        return order.compactMap { key in
            let group = groups[key]!
            let distinct = group.indices.filter { i in !group[..<i].contains { $0.id.sameBytes(as: group[i].id) } }
            return distinct.count > 1 ? distinct.map { group[$0] } : nil
        }
    }
}
