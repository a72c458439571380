#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One sequential pass over a chain file that finds the entries of given
/// ids and the stages logged for given contracts. Chain lines are in one
/// exact canonical spelling, so a wanted id is recognised by its escaped
/// bytes (`"id":"…"`) before any JSON is parsed: a 10-million-entry log is
/// a memchr-speed scan, and only matching lines are parsed and checked.
public struct ChainScan {
    public var entriesByID: [String: [ChainEntry]] = [:]
    public var stagesByContract: [String: Set<String>] = [:]

    public init(store: ChainStore, ids: Set<String>, contracts: Set<String>) throws {
        var wantedIDs: [[UInt8]: String] = [:]
        for id in ids { wantedIDs[ChainScan.escaped(id)] = id }
        var wantedContracts: [[UInt8]: String] = [:]
        for c in contracts { wantedContracts[ChainScan.escaped(c)] = c }
        let committed = try store.size()
        guard committed > 0, !(wantedIDs.isEmpty && wantedContracts.isEmpty) else { return }
        // Contiguous ranges of seqs, scanned on every core, each read from its
        // own descriptor starting at the byte offset the index gives.
        let workers = UInt64(min(2 * ParallelMap.defaultWorkers, Int(committed / ChainScan.minimumEntriesPerWorker) + 1))
        let bounds = (0...workers).map { committed * $0 / workers }
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
        }
    }

    /// Scans entries [from, to) whose first line starts at byte `offset`.
    init(path: String, from: UInt64, to: UInt64, offset: UInt64,
         ids wantedIDs: [[UInt8]: String], contracts wantedContracts: [[UInt8]: String]) throws {
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
                let id = ChainScan.rawString(after: ChainScan.idKey, in: line)
                let contract = wantedContracts.isEmpty ? nil : ChainScan.rawString(after: ChainScan.contractKey, in: line)
                let idHit = id.flatMap { wantedIDs[$0] }
                let contractHit = contract.flatMap { wantedContracts[$0] }
                if idHit != nil || contractHit != nil {
                    let entry: ChainEntry
                    do {
                        entry = try ChainEntry.parse(line: line, expectedSeq: seq, context: context)
                    } catch let e as EvidenceError {
                        throw EvidenceError.failure("chain entry \(seq) is corrupt: \(e.message) (run 'evchain audit')", at: path)
                    }
                    if let idHit { entriesByID[idHit, default: []].append(entry) }
                    if let contractHit, case .string(let stage)? = entry.record["stage"] {
                        stagesByContract[contractHit, default: []].insert(stage)
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
    /// `line`; nil if absent. Record keys are unique within an entry line,
    /// and a quote inside a string is always escaped, so the first unescaped
    /// `"key":"` is the record's field.
    static func rawString(after key: [UInt8], in line: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let base = line.baseAddress, line.count > key.count else { return nil }
        let bytes = line.bindMemory(to: UInt8.self)
        // memchr to each quote, then compare the key (memmem is a GNU extension).
        var at = 0
        var found: Int? = nil
        while at + key.count <= bytes.count {
            guard let q = memchr(base + at, 0x22, bytes.count - at) else { return nil }
            let i = base.distance(to: UnsafeRawPointer(q))
            if i + key.count <= bytes.count,
               key.withUnsafeBytes({ memcmp(base + i, $0.baseAddress!, key.count) }) == 0 {
                found = i
                break
            }
            at = i + 1
        }
        guard let hit = found else { return nil }
        let start = hit + key.count
        var i = start
        while i < bytes.count {
            if bytes[i] == 0x5c { i += 2; continue }
            if bytes[i] == 0x22 { return Array(bytes[start..<i]) }
            i += 1
        }
        return nil
    }
}
