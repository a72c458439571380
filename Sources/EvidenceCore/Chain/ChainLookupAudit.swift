import Glibc
import EvidenceCrypto
import EvidenceSupport

/// A keyed hash of a multiset of lookup records, so that a run (sorted by
/// key) and the entries it covers (in seq order) can be compared in one
/// streaming pass each: the sum, lane by lane, of HMAC-SHA-256 under a key
/// drawn for this audit alone, so no one can prepare records that balance.
struct LookupRecordSum: Equatable {
    private(set) var lanes: [UInt64] = [0, 0, 0, 0]
    private(set) var count: UInt64 = 0

    mutating func add(_ record: (UInt64, UInt64), _ mac: HashContext) {
        mac.update(ChainLookup.encode([record]))
        let d = mac.finalize()
        for lane in 0..<4 {
            lanes[lane] &+= d[lane * 8..<lane * 8 + 8].reduce(0) { $0 << 8 | UInt64($1) }
        }
        count += 1
    }
}

extension ChainStore {
    /// What is wrong with `CHAIN.lookup`, if anything: its runs must cover
    /// exactly the committed entries, each sorted and holding exactly the
    /// records of the entries it covers. Reads every entry once more.
    func lookupFinding(committed: UInt64) throws -> String? {
        let list = ChainLookup.listPath(path)
        guard DurableFile.exists(list) else {
            return "no \(list) (a chain written before it existed); 'evchain audit \(Setting("repair"))' builds it"
        }
        let lookup: ChainLookup
        do { lookup = try ChainLookup(chain: path) } catch let e as EvidenceError where e.kind == .failure {
            return e.message
        }
        guard lookup.coverage == committed else {
            return "\(list) covers \(lookup.coverage) entries, the chain commits \(committed); "
                + "'evchain audit \(Setting("repair"))' rebuilds it"
        }
        let mac = HashContext(hmac: .sha256, key: SecureRandom.bytes(32))
        for run in lookup.runs {
            let runPath = ChainLookup.runPath(path, run)
            let damaged = "\(runPath) does not hold the records of entries \(run.from)..<\(run.to); "
                + "'evchain audit \(Setting("repair"))' rebuilds it"
            var expected = LookupRecordSum(), found = LookupRecordSum()
            var from = run.from
            while from < run.to {
                let to = min(run.to, from + ChainLookup.entriesPerWrittenRun)
                for r in try lookupRecords(from: from, to: to) { expected.add(r, mac) }
                from = to
            }
            guard DurableFile.exists(runPath) else { return "\(runPath) is missing; 'evchain audit \(Setting("repair"))' rebuilds it" }
            var reader = SequentialReader(try DurableFile(runPath, flags: O_RDONLY))
            var previous: (UInt64, UInt64)? = nil
            while true {
                let bytes = try reader.next(ChainLookup.recordSize)
                if bytes.isEmpty { break }
                guard bytes.count == ChainLookup.recordSize else { return damaged }
                let r = ChainLookup.decode(bytes)
                if let p = previous, !(p.0 < r.0 || (p.0 == r.0 && p.1 < r.1)) { return damaged }
                previous = r
                found.add(r, mac)
            }
            guard found == expected else { return damaged }
        }
        return nil
    }
}
