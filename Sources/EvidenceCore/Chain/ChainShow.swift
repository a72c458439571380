import EvidenceCrypto
import EvidenceSupport

extension ChainStore {
    /// Streams committed entry lines (with their newlines) from seq `from`
    /// through `through`, keeping those of `contract` and `stage` when given.
    /// Seeks with the index, so a range near the end costs no more than one
    /// near the start.
    public func show(from: UInt64, through: UInt64?, contract: String?, stage: String?,
                     _ body: ([UInt8]) throws -> Void) throws {
        let n = try size()
        let last = through.map { $0 < n ? $0 + 1 : n } ?? n
        guard from < last else { return }
        let filtering = contract != nil || stage != nil
        // A contract's entries come from CHAIN.lookup as far as it reaches.
        var start = from
        if let contract {
            let (lookup, covered) = readableLookup(below: last)
            if covered > from {
                let context = HashContext(.sha256)
                for seq in try lookedUp(.contract, contract, in: lookup, covered: covered, context: context) where seq >= from {
                    let bytes = try line(seq)
                    if let stage {
                        let value = try bytes.withUnsafeBytes { try JSON.parse($0) }
                        guard value["record"]?["stage"]?.stringValue?.sameBytes(as: stage) == true else { continue }
                    }
                    try body(bytes + [0x0A])
                }
                start = covered
            }
        }
        guard start < last else { return }
        var reader = SequentialReader(data, from: start == 0 ? 0 : try end(of: start - 1))
        for seq in start..<last {
            guard let (bytes, complete) = try reader.nextLine(), complete else {
                throw EvidenceError.failure("entry \(seq) is missing or torn (run 'evchain audit')", at: path)
            }
            if filtering {
                let value = try bytes.withUnsafeBytes { try JSON.parse($0) }
                guard case .object(let record)? = value["record"] else { continue }
                // By bytes, as the lookup finds them.
                if let contract, record["contract"]?.stringValue?.sameBytes(as: contract) != true { continue }
                if let stage, record["stage"]?.stringValue?.sameBytes(as: stage) != true { continue }
            }
            try body(Array(bytes) + [0x0A])
        }
    }
}
