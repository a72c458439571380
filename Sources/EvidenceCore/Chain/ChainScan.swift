import Glibc
import EvidenceCrypto
import EvidenceSupport

// glibc's memmem (two-way search, vectorised), declared in CSystem's shim.h.
import CSystem

/// One sequential pass over a chain file that finds the entries of given
/// ids and the stages logged for given contracts. Chain lines are in one
/// exact canonical spelling, so a wanted id is recognised by its escaped
/// bytes (`"id":"…"`) before any JSON is parsed: a 10-million-entry log is
/// a memchr-speed scan, and only matching lines are parsed and checked.
public struct ChainScan {
    /// Keyed by bytes (`ExactString`), as the lookup and the scan match:
    /// an id's look-alike in another normalisation is another id.
    public var entriesByID: [ExactString: [ChainEntry]] = [:]
    public var stagesByContract: [ExactString: Set<ExactString>] = [:]
    /// Every entry of the given contracts, in seq order per contract.
    public var entriesByContract: [ExactString: [ChainEntry]] = [:]

    /// The entries `CHAIN.lookup` covers are found through it, O(log n)
    /// reads an id or contract; only those past it (none, once the chain has
    /// been appended to or repaired with this version) are scanned.
    public init(store: ChainStore, ids: Set<ExactString>, contracts: Set<ExactString>) throws {
        let wantedIDs = WantedStrings(ids)
        let wantedContracts = WantedStrings(contracts)
        let committed = try store.size()
        guard committed > 0, !(wantedIDs.isEmpty && wantedContracts.isEmpty) else { return }
        let (lookup, covered) = store.readableLookup(below: committed)
        if covered > 0 { try lookUp(store: store, lookup: lookup, covered: covered, ids: ids, contracts: contracts) }
        guard covered < committed else { return }
        // Contiguous ranges of seqs, scanned on every core, each read from its
        // own descriptor starting at the byte offset the index gives.
        let uncovered = committed - covered
        let workers = UInt64(min(2 * ParallelMap.defaultWorkers, Int(uncovered / ChainScan.minimumEntriesPerWorker) + 1))
        let bounds = (0...workers).map { covered + uncovered * $0 / workers }
        let starts = try bounds.dropLast().map { $0 == 0 ? UInt64(0) : try store.end(of: $0 - 1) }
        let parts = ParallelMap.map(Array(0..<Int(workers)), state: { () }) { _, k -> Result<ChainScan, EvidenceError> in
            do {
                return .success(try ChainScan(path: store.path, from: bounds[k], to: bounds[k + 1], offset: starts[k],
                                              ids: wantedIDs, contracts: wantedContracts))
            } catch let e as EvidenceError {
                return .failure(e)
            } catch {
                return .failure(EvidenceError.io("\(error)", at: store.path))
            }
        }
        for part in parts {
            let p = try part.get()
            for (id, entries) in p.entriesByID { entriesByID[id, default: []].append(contentsOf: entries) }
            for (c, stages) in p.stagesByContract { stagesByContract[c, default: []].formUnion(stages) }
            for (c, entries) in p.entriesByContract { entriesByContract[c, default: []].append(contentsOf: entries) }
        }
    }

    /// The entries of `ids` and `contracts` below `covered`, through the lookup.
    mutating func lookUp(store: ChainStore, lookup: ChainLookup, covered: UInt64,
                         ids: Set<ExactString>, contracts: Set<ExactString>) throws {
        let context = HashContext(.sha256)
        var read: [UInt64: ChainEntry] = [:]
        func entry(_ seq: UInt64) throws -> ChainEntry {
            if let e = read[seq] { return e }
            let e: ChainEntry
            do {
                let bytes = try store.line(seq)
                e = try bytes.withUnsafeBytes { try ChainEntry.parse(line: $0, expectedSeq: seq, context: context) }
            } catch let e as EvidenceError where e.kind != .io {
                throw EvidenceError.failure("chain entry \(seq) is corrupt: \(e.message) (run 'evchain audit')", at: store.path)
            }
            read[seq] = e
            return e
        }
        for id in ids {
            for seq in try lookup.candidates(.id, id.string, below: covered, context: context) {
                let e = try entry(seq)
                if e.record["id"]?.stringValue?.exact == id { entriesByID[id, default: []].append(e) }
            }
        }
        for contract in contracts {
            for seq in try lookup.candidates(.contract, contract.string, below: covered, context: context) {
                let e = try entry(seq)
                guard e.record["contract"]?.stringValue?.exact == contract else { continue }
                entriesByContract[contract, default: []].append(e)
                if case .string(let stage)? = e.record["stage"] { stagesByContract[contract, default: []].insert(stage.exact) }
            }
        }
    }

    /// Scans entries [from, to) whose first line starts at byte `offset`.
    init(path: String, from: UInt64, to: UInt64, offset: UInt64,
         ids wantedIDs: WantedStrings, contracts wantedContracts: WantedStrings) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EvidenceError.io("cannot open: \(String(cString: strerror(errno)))", at: path) }
        guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
            close(fd)
            throw EvidenceError.io("cannot seek", at: path)
        }
        let reader = JSONLinesReader(fd: fd, name: path, ownsDescriptor: true,
                                     maximumLineLength: ChainEntry.maximumEntryBytes + 4096)
        var seq = from
        let context = HashContext(.sha256)
        while seq < to {
            let done: Bool = try reader.withNextLine { line in
                let idHit = wantedIDs.isEmpty ? nil
                    : ChainScan.rawString(after: ChainScan.idKey, in: line).flatMap { wantedIDs.match($0) }
                let contractHit = wantedContracts.isEmpty ? nil
                    : ChainScan.rawString(after: ChainScan.contractKey, in: line).flatMap { wantedContracts.match($0) }
                if idHit != nil || contractHit != nil {
                    let entry: ChainEntry
                    do {
                        entry = try ChainEntry.parse(line: line, expectedSeq: seq, context: context)
                    } catch let e as EvidenceError {
                        throw EvidenceError.failure("chain entry \(seq) is corrupt: \(e.message) (run 'evchain audit')", at: path)
                    }
                    if let idHit { entriesByID[idHit, default: []].append(entry) }
                    if let contractHit {
                        entriesByContract[contractHit, default: []].append(entry)
                        if case .string(let stage)? = entry.record["stage"] {
                            stagesByContract[contractHit, default: []].insert(stage.exact)
                        }
                    }
                }
                return false
            } == nil
            if done { break }
            seq += 1
        }
    }

    /// Below this many entries a second reader is not worth starting.
    nonisolated(unsafe) static var minimumEntriesPerWorker: UInt64 = 100_000

    static let idKey: [UInt8] = Array(#""id":""#.utf8)
    static let contractKey: [UInt8] = Array(#""contract":""#.utf8)

    /// The JSON string body of `s` as it appears in canonical JSON.
    static func escaped(_ s: String) -> [UInt8] {
        var w = JSONWriter()
        w.writeString(s)
        return Array(w.bytes.dropFirst().dropLast())
    }

    /// The raw (still escaped) string value following the first `key` in
    /// `line`, as a slice of it; nil if absent. Record keys are unique within
    /// an entry line, and a quote inside a string is always escaped, so the
    /// first `"key":"` is the record's field.
    static func rawString(after key: [UInt8], in line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard let base = line.baseAddress, line.count > key.count else { return nil }
        guard let hit = key.withUnsafeBytes({ memmem(base, line.count, $0.baseAddress!, $0.count) }) else { return nil }
        let start = base.distance(to: UnsafeRawPointer(hit)) + key.count
        let bytes = line.bindMemory(to: UInt8.self)
        var i = start
        while i < bytes.count {
            if bytes[i] == 0x5c { i += 2; continue }
            if bytes[i] == 0x22 { return UnsafeRawBufferPointer(rebasing: line[start..<i]) }
            i += 1
        }
        return nil
    }

}

/// Strings looked up by their escaped JSON bytes, under a cheap 64-bit hash
/// (FNV-1a) so that the scan hashes each line's field once, allocation-free.
struct WantedStrings: Sendable {
    private var buckets: [UInt64: [(escaped: [UInt8], value: ExactString)]] = [:]
    let isEmpty: Bool

    init(_ values: Set<ExactString>) {
        isEmpty = values.isEmpty
        for v in values {
            let e = ChainScan.escaped(v.string)
            let h = e.withUnsafeBytes { WantedStrings.fnv1a($0) }
            buckets[h, default: []].append((e, v))
        }
    }

    func match(_ raw: UnsafeRawBufferPointer) -> ExactString? {
        guard let candidates = buckets[WantedStrings.fnv1a(raw)] else { return nil }
        for c in candidates where c.escaped.count == raw.count
            && c.escaped.withUnsafeBytes({ memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }) {
            return c.value
        }
        return nil
    }

    static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}
