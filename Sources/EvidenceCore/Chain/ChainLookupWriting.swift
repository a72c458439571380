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

    /// Keeps every run more than twice the size of the next (newer) one, so
    /// that there are at most log₂ n runs however the entries came: the runs
    /// are taken oldest first onto a stack, and the top two merged while the
    /// older is at most twice the newer. Each group of runs that rule joins
    /// (one batch's many runs, say, even when it ends with a small one) is
    /// merged in one pass into one run, each record read and written once.
    /// A list that already keeps the rule is left as it is.
    mutating func compact() throws {
        var groups: [(first: Int, count: Int, size: UInt64)] = []
        for (i, run) in runs.enumerated() {
            groups.append((i, 1, run.to - run.from))
            while groups.count >= 2, groups[groups.count - 2].size <= 2 * groups[groups.count - 1].size {
                let newer = groups.removeLast()
                groups[groups.count - 1].count += newer.count
                groups[groups.count - 1].size += newer.size
            }
        }
        guard groups.contains(where: { $0.count >= 2 }) else { return }
        var compacted: [Run] = []
        for group in groups {
            let parts = Array(runs[group.first ..< group.first + group.count])
            guard parts.count >= 2 else { compacted += parts; continue }
            let merged = Run(from: parts.first!.from, to: parts.last!.to)
            try merge(parts, into: merged)
            compacted.append(merged)
        }
        try commit(compacted)
    }

    /// Streams sorted runs into one sorted file: written under a temporary
    /// name, fsynced, renamed. Until the list names it, the file is not part
    /// of the lookup (a crash here leaves an unlisted file, which the next
    /// append or repair removes).
    func merge(_ parts: [Run], into merged: Run) throws {
        let target = ChainLookup.runPath(chain, merged)
        let temporary = "\(target).tmp.\(getpid())"
        do {
            let out = try DurableFile(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
            // One megabyte of reading in all, however many runs merge (one
            // batch's runs may be dozens): the merge's memory stays flat.
            let chunk = max(1 << 14, (1 << 20) / parts.count) / ChainLookup.recordSize * ChainLookup.recordSize
            var readers = try parts.map {
                RunReader(try DurableFile(ChainLookup.runPath(chain, $0), flags: O_RDONLY), chunk: chunk)
            }
            var heads = try readers.indices.map { try readers[$0].next() }
            var buffer: [UInt8] = []
            var offset: UInt64 = 0
            let block = 1 << 18
            buffer.reserveCapacity(block + ChainLookup.recordSize)
            while true {
                // A few runs at most (log n): the smallest head by a scan.
                var best = -1
                for i in heads.indices {
                    guard let h = heads[i] else { continue }
                    if best < 0 { best = i; continue }
                    let b = heads[best]!
                    if h.0 < b.0 || (h.0 == b.0 && h.1 < b.1) { best = i }
                }
                guard best >= 0 else { break }
                ChainLookup.append(heads[best]!, to: &buffer)
                heads[best] = try readers[best].next()
                if buffer.count >= block {
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

/// A run file's records in order, read `chunk` bytes (whole records) at a time.
struct RunReader {
    let file: DurableFile
    let chunk: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var offset: UInt64 = 0

    init(_ file: DurableFile, chunk: Int = 1 << 20) {
        self.file = file
        self.chunk = chunk
    }

    /// The next record; nil at the end. A torn last record is an error.
    mutating func next() throws -> (UInt64, UInt64)? {
        if position == buffer.count {
            buffer = try file.read(at: offset, count: chunk)
            offset += UInt64(buffer.count)
            position = 0
            if buffer.isEmpty { return nil }
            guard buffer.count % ChainLookup.recordSize == 0 else {
                throw EvidenceError.failure("run is not a whole number of records", at: file.path)
            }
        }
        let r = buffer.withUnsafeBytes { ChainLookup.load($0, at: position) }
        position += ChainLookup.recordSize
        return r
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
        // Files a crash left behind (a merge's result before its commit, a
        // temporary): never part of the lookup, never read; removed here.
        for stray in ChainLookup.strayFiles(chain: path, listed: lookup.runs) { unlink(stray) }
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

    /// Removes the files beside the chain named like lookup runs (or their
    /// temporaries) that the run list does not name; returns their paths.
    /// Requires `.write` access.
    public func removeStrayLookupFiles() throws -> [String] {
        let strays = ChainLookup.strayFiles(chain: path, listed: try ChainLookup(chain: path).runs)
        for stray in strays where unlink(stray) != 0 && errno != ENOENT {
            throw DurableFile.error("cannot remove", stray)
        }
        if !strays.isEmpty { try DurableFile.syncDirectory(of: path) }
        return strays
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

extension ChainLookup {
    /// Paths beside `chain` named as a run file (`CHAIN.lookup.FROM-TO`)
    /// that `listed` does not name, or as a temporary of a run or of the
    /// list (`….tmp.PID`): what a crash during an append or a merge leaves.
    /// Under the write lock none of them is in use. Other names are never
    /// touched.
    static func strayFiles(chain: String, listed: [Run]) -> [String] {
        let directory = DurableFile.directory(of: chain)
        let base = chain.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? chain
        let prefix = base + ".lookup."
        let names = Set(listed.map { "\($0.from)-\($0.to)" })
        func decimal(_ s: Substring) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        func run(_ s: Substring) -> Bool {
            let bounds = s.split(separator: "-", omittingEmptySubsequences: false)
            return bounds.count == 2 && decimal(bounds[0]) && decimal(bounds[1])
        }
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var strays: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix(prefix) else { continue }
            let parts = name.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
            let stray = (parts.count == 1 && run(parts[0]) && !names.contains(String(parts[0])))
                || (parts.count == 3 && run(parts[0]) && parts[1] == "tmp" && decimal(parts[2]))
                || (parts.count == 2 && parts[0] == "tmp" && decimal(parts[1]))
            if stray { strays.append(directory == "." && !chain.hasPrefix("./") ? name : "\(directory)/\(name)") }
        }
        return strays.sorted()
    }
}
