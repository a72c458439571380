import Glibc
import EvidenceCrypto
import EvidenceSupport

extension ChainLookup {
    /// Entries per run written at once (by an append or a rebuild): bounds
    /// the memory a batch's records take (32 bytes an entry).
    static let entriesPerWrittenRun: UInt64 = 1 << 20

    /// Writes one run's records (any order) to its file, durably. The run is
    /// not part of the lookup until `commit` lists it.
    func write(_ run: Run, records: [(UInt64, UInt64)]) throws {
        let sorted = records.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        try DurableFile.replace(ChainLookup.runPath(chain, run), with: ChainLookup.encode(sorted))
    }

    /// Makes `runs` the lookup: the list is replaced atomically.
    mutating func commit(_ newRuns: [Run]) throws {
        var text = ""
        for r in newRuns { text += "\(r.from) \(r.to)\n" }
        try DurableFile.replace(ChainLookup.listPath(chain), with: Array(text.utf8))
        let dropped = runs.filter { !newRuns.contains($0) }
        runs = newRuns
        for r in dropped { unlink(ChainLookup.runPath(chain, r)) }
    }

    /// Merges the last two runs while the older is at most twice the newer.
    mutating func compact() throws {
        while runs.count >= 2 {
            let a = runs[runs.count - 2], b = runs[runs.count - 1]
            guard a.to - a.from <= 2 * (b.to - b.from) else { break }
            let merged = Run(from: a.from, to: b.to)
            try merge(a, b, into: merged)
            try commit(Array(runs.dropLast(2)) + [merged])
        }
    }

    /// Streams two sorted runs into one file (temporary, fsync, rename).
    func merge(_ a: Run, _ b: Run, into merged: Run) throws {
        let target = ChainLookup.runPath(chain, merged)
        let temporary = "\(target).tmp.\(getpid())"
        do {
            let out = try DurableFile(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
            var left = SequentialReader(try DurableFile(ChainLookup.runPath(chain, a), flags: O_RDONLY))
            var right = SequentialReader(try DurableFile(ChainLookup.runPath(chain, b), flags: O_RDONLY))
            func next(_ r: inout SequentialReader) throws -> (UInt64, UInt64)? {
                let bytes = try r.next(ChainLookup.recordSize)
                return bytes.count == ChainLookup.recordSize ? ChainLookup.decode(bytes) : nil
            }
            var x = try next(&left), y = try next(&right)
            var buffer: [UInt8] = [], offset: UInt64 = 0
            buffer.reserveCapacity(1 << 20)
            while x != nil || y != nil {
                let takeLeft: Bool
                if let x, let y { takeLeft = x.0 != y.0 ? x.0 < y.0 : x.1 < y.1 } else { takeLeft = x != nil }
                buffer += ChainLookup.encode([takeLeft ? x! : y!])
                if takeLeft { x = try next(&left) } else { y = try next(&right) }
                if buffer.count >= 1 << 20 {
                    try out.write(buffer, at: offset)
                    offset += UInt64(buffer.count)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try out.write(buffer, at: offset)
            try out.sync()
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, target) == 0 else {
            unlink(temporary)
            throw DurableFile.error("cannot rename \(temporary)", target)
        }
        try DurableFile.syncDirectory(of: target)
    }
}

extension ChainStore {
    /// The lookup brought to exactly the `committed` entries: runs reaching
    /// past them (a crash before the commit) are dropped, and entries not yet
    /// covered (a chain from before the lookup) are read and added. An
    /// unreadable list is rebuilt. Requires `.write` access.
    func lookupCaughtUp(to committed: UInt64) throws -> ChainLookup {
        var lookup: ChainLookup
        do { lookup = try ChainLookup(chain: path) } catch let e as EvidenceError where e.kind == .failure {
            lookup = ChainLookup(empty: path)
        }
        let kept = lookup.runs.filter { $0.to <= committed }
        if kept != lookup.runs || !DurableFile.exists(ChainLookup.listPath(path)) { try lookup.commit(kept) }
        var from = lookup.coverage
        while from < committed {
            let to = min(committed, from + ChainLookup.entriesPerWrittenRun)
            let run = ChainLookup.Run(from: from, to: to)
            try lookup.write(run, records: try lookupRecords(from: from, to: to))
            try lookup.commit(lookup.runs + [run])
            try lookup.compact()
            from = to
        }
        return lookup
    }

    /// Drops the lookup and builds it again from the committed entries.
    public func rebuildLookup() throws {
        var lookup = (try? ChainLookup(chain: path)) ?? ChainLookup(empty: path)
        try lookup.commit([])
        _ = try lookupCaughtUp(to: try size())
    }

    /// The lookup records of entries [from, to), read from the entries file.
    func lookupRecords(from: UInt64, to: UInt64) throws -> [(UInt64, UInt64)] {
        var reader = SequentialReader(data, from: from == 0 ? 0 : try end(of: from - 1))
        let context = HashContext(.sha256)
        var records: [(UInt64, UInt64)] = []
        records.reserveCapacity(Int(to - from) * 2)
        var seq = from
        while seq < to {
            guard let (bytes, complete) = try reader.nextLine(), complete else {
                throw EvidenceError.failure("entry \(seq) is missing or torn", at: path)
            }
            records += bytes.withUnsafeBytes { ChainLookup.records(line: $0, seq: seq, context: context) }
            seq += 1
        }
        return records
    }
}

extension ChainLookup {
    init(empty chain: String) {
        self.chain = chain
        runs = []
    }
}
