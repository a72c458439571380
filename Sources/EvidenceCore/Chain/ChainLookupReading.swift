import EvidenceCrypto
import EvidenceSupport

extension ChainStore {
    /// The lookup readers use and how many of the first `limit` entries it
    /// covers; the entries past that are found by reading them. A chain
    /// whose lookup is missing, behind or unreadable (one written before the
    /// lookup existed and not yet appended to or repaired) is read whole,
    /// as before: slower, never less exact.
    func readableLookup(below limit: UInt64) -> (lookup: ChainLookup, covered: UInt64) {
        guard let lookup = try? ChainLookup(chain: path), (try? lookup.opened()) != nil else {
            return (ChainLookup(empty: path), 0)
        }
        return (lookup, min(lookup.coverage, limit))
    }

    /// The seqs below `covered` of entries whose record has `value` in
    /// `field`, ascending: candidates from the lookup, each confirmed
    /// against its entry line.
    func lookedUp(_ field: ChainLookup.Field, _ value: String, in lookup: ChainLookup, covered: UInt64,
                  context: HashContext) throws -> [UInt64] {
        let name = field == .id ? "id" : "contract"
        return try lookup.candidates(field, value, below: covered, context: context).filter { seq in
            let value2 = try line(seq).withUnsafeBytes { try JSON.parse($0) }
            return value2["record"]?[name]?.stringValue?.sameBytes(as: value) == true
        }
    }
}
