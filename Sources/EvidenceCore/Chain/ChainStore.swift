import Glibc
import EvidenceLog
import EvidenceSupport

/// The chain on disk: `CHAIN` and the files beside it.
///
/// - `CHAIN`            the entries, JSON Lines (see `ChainEntry`), append-only.
/// - `CHAIN.hashes`     the Merkle tree's stored hashes (`StoredHash` layout),
///                      32 raw bytes each, append-only.
/// - `CHAIN.index`      for entry i, the byte offset just past its line in
///                      `CHAIN`, as a big-endian uint64: entry i is
///                      `CHAIN[index[i-1] ..< index[i]]`.
/// - `CHAIN.meta`       `{"format":"evchain/1","origin":"…"}`, written by init.
/// - `CHAIN.checkpoint` the latest signed checkpoint (replaced atomically).
/// - `CHAIN.lookup`     id and contract → seqs (see `ChainLookup`), kept by
///                      append in the same commit, rebuilt by repair.
/// - `CHAIN.pending`    present only while an append extends the index: the
///                      committed size before the batch, in decimal.
/// - `CHAIN.contracts`, `CHAIN.contracts.roots`  the contract index, a
///                      version per batch (see `ContractIndexStore`), written
///                      by append before the journal, so durable before the
///                      commit; versions of sizes past the commit are torn tail.
///
/// The index is the commit record. An append writes and fsyncs the entry
/// lines and their hashes first, then the index entries, and only then
/// prints receipts. So whatever lies past the index in `CHAIN` or
/// `CHAIN.hashes` was never acknowledged: it is a torn tail left by a crash,
/// which `audit` reports and `audit --repair` removes. Readers trust only
/// what the index covers, so they need no lock.
///
/// A batch's index entries take many writes, and a crash among them would
/// leave a prefix of the batch looking committed. So the index is extended
/// only while `CHAIN.pending` names the size before the batch, and the file
/// is removed (and the removal made durable) once the whole extension is
/// fsynced: that removal is the commit. While the file exists the chain
/// commits only the size it names, and the index past it is torn tail.
/// Readers take the index's size first and then look for the file, so an
/// append that finishes in between shows them a prefix of a committed batch,
/// never an uncommitted one.
public final class ChainStore {
    public let path: String
    public let origin: String
    let data: DurableFile
    let hashes: DurableFile
    let index: DurableFile

    public static let format = "evchain/1"

    public static func hashesPath(_ path: String) -> String { path + ".hashes" }
    public static func indexPath(_ path: String) -> String { path + ".index" }
    public static func metaPath(_ path: String) -> String { path + ".meta" }
    public static func checkpointPath(_ path: String) -> String { path + ".checkpoint" }
    public static func lookupPath(_ path: String) -> String { ChainLookup.listPath(path) }
    public static func pendingPath(_ path: String) -> String { path + ".pending" }

    /// Creates an empty chain. Refuses to touch any existing file.
    public static func initialize(path: String, origin: String) throws {
        guard isValidKeyName(origin) else {
            throw EvidenceError.usage("origin must be non-empty, without spaces or '+' (e.g. bank.example/evidence/2026)")
        }
        let all = [path, hashesPath(path), indexPath(path), lookupPath(path), metaPath(path), pendingPath(path),
                   contractIndexPath(path), contractIndexRootsPath(path)]
        for p in all where DurableFile.exists(p) {
            throw EvidenceError(.usage, "already exists; a chain is never re-initialized", at: p)
        }
        var meta = JSONObject()
        meta["format"] = .string(format)
        meta["origin"] = .string(origin)
        var w = JSONWriter()
        w.write(.object(meta))
        w.writeRaw("\n")
        // The meta file last: a chain without it is not a chain, so a crash
        // in between leaves nothing that could be mistaken for one.
        for p in [path, hashesPath(path), indexPath(path), lookupPath(path)] {
            let f = try DurableFile(p, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
            try f.sync()
        }
        try DurableFile.syncDirectory(of: path)
        // The contract index's empty version at size 0, so that the first checkpoint commits to it.
        let contracts = try ContractIndexStore.create(chain: path)
        _ = try contracts.apply(ContractIndexBatch(), to: nil, newSize: 0)
        try contracts.sync()
        try DurableFile.create(metaPath(path), with: w.bytes, mode: 0o644)
    }

    public enum Access { case read, audit, write }

    /// Opens a chain. `.write` takes the exclusive lock (appenders and
    /// repairs), `.audit` a shared one (so an audit never sees an append in
    /// progress as a torn tail), `.read` none.
    public init(path: String, access: Access) throws {
        self.path = path
        let metaBytes: [UInt8]
        do {
            metaBytes = try DurableFile.readAll(ChainStore.metaPath(path))
        } catch {
            var st = stat()
            if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                throw EvidenceError.io("a directory, not a chain file", at: path)
            }
            throw EvidenceError.io("not a chain (no \(ChainStore.metaPath(path)); create one with 'evchain init')", at: path)
        }
        guard case .object(let meta)? = try? JSON.parse(metaBytes.filter { $0 != 0x0A }),
              meta["format"]?.stringValue == ChainStore.format,
              let origin = meta["origin"]?.stringValue else {
            throw EvidenceError.io("unreadable chain metadata", at: ChainStore.metaPath(path))
        }
        self.origin = origin
        let flags = access == .write ? O_RDWR : O_RDONLY
        data = try DurableFile(path, flags: flags)
        hashes = try DurableFile(ChainStore.hashesPath(path), flags: flags)
        index = try DurableFile(ChainStore.indexPath(path), flags: flags)
        switch access {
        case .write: try data.lock(.exclusive)
        case .audit: try data.lock(.shared)
        case .read: break
        }
    }

    // MARK: committed state

    /// The number of committed (acknowledged or acknowledgeable) entries.
    public func size() throws -> UInt64 {
        let indexed = try index.size() / 8
        guard let before = try pendingBatchStart() else { return indexed }
        return min(before, indexed)
    }

    /// The committed size `CHAIN.pending` names, when an append is extending
    /// the index or was interrupted while it did.
    public func pendingBatchStart() throws -> UInt64? {
        let p = ChainStore.pendingPath(path)
        guard DurableFile.exists(p) else { return nil }
        let bytes: [UInt8]
        do { bytes = try DurableFile.readAll(p, limit: 64) } catch {
            // Removed between the two calls: the batch it guarded is committed.
            guard DurableFile.exists(p) else { return nil }
            throw error
        }
        guard bytes.last == 0x0A, bytes.count >= 2, bytes.count <= 21, bytes.dropLast().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let n = UInt64(String(decoding: bytes.dropLast(), as: UTF8.self)) else {
            throw EvidenceError.failure("unreadable commit journal (expected a size in decimal)", at: p)
        }
        return n
    }

    /// Byte offset just past entry `seq`'s line.
    func end(of seq: UInt64) throws -> UInt64 {
        let (position, overflow) = seq.multipliedReportingOverflow(by: 8)
        let b = overflow ? [] : try index.read(at: position, count: 8)
        guard b.count == 8 else { throw EvidenceError.io("index is shorter than its size", at: index.path) }
        let end = b.reduce(0) { $0 << 8 | UInt64($1) }
        // No file can be that long: a damaged entry, and no offset to read at.
        guard end <= UInt64(Int64.max) else {
            throw EvidenceError.failure("index entry \(seq) is corrupt (offset \(end))", at: index.path)
        }
        return end
    }

    /// Why a checkpoint signed at `size` cannot be this chain's of `committed` entries.
    static func checkpointBeyondChain(size: UInt64, committed: UInt64) -> String {
        // The log signed that size, so it once committed that many entries:
        // the finding is the chain's loss, not a malformed checkpoint.
        "checkpoint signed at size \(size), but the chain holds only \(committed) committed entries: "
            + "committed entries are missing (truncated or rolled back), or the checkpoint is not this chain's"
    }

    /// What lies on disk compared with what the index commits.
    public struct Layout: Sendable {
        public var committed: UInt64
        public var dataEnd: UInt64
        public var dataSize: UInt64
        public var hashesEnd: UInt64
        public var hashesSize: UInt64
        public var indexSize: UInt64
        /// `CHAIN.pending` is there: an append was interrupted while extending the index.
        public var pending: Bool

        /// Bytes past the commit point: an interrupted, never-acknowledged append.
        public var hasTornTail: Bool {
            dataSize > dataEnd || hashesSize > hashesEnd || indexSize != committed * 8 || pending
        }
        /// Committed bytes missing: damage, not a crash.
        public var isTruncated: Bool { dataSize < dataEnd || hashesSize < hashesEnd }
    }

    public func layout() throws -> Layout {
        let indexSize = try index.size()
        let pendingStart = try pendingBatchStart()
        let n = min(indexSize / 8, pendingStart ?? .max)
        return Layout(committed: n, dataEnd: n == 0 ? 0 : try end(of: n - 1), dataSize: try data.size(),
                      hashesEnd: StoredHash.count(treeSize: n) * 32, hashesSize: try hashes.size(),
                      indexSize: indexSize, pending: pendingStart != nil)
    }

    /// The bytes of entry `seq`'s line, without the newline.
    public func line(_ seq: UInt64) throws -> [UInt8] {
        let start = seq == 0 ? 0 : try end(of: seq - 1)
        let stop = try end(of: seq)
        guard stop > start, stop - start <= UInt64(ChainEntry.maximumEntryBytes) * 8 else {
            throw EvidenceError.failure("index entry \(seq) is corrupt", at: index.path)
        }
        var bytes = try data.read(at: start, count: Int(stop - start))
        guard bytes.count == Int(stop - start), bytes.last == 0x0A else {
            throw EvidenceError.failure("entry \(seq) is missing or torn", at: path)
        }
        bytes.removeLast()
        return bytes
    }

    /// Entry `seq`, parsed and checked against its leaf.
    public func entry(_ seq: UInt64) throws -> ChainEntry {
        let bytes = try line(seq)
        do {
            return try ChainEntry.parse(line: bytes, expectedSeq: seq)
        } catch let error as EvidenceError {
            throw EvidenceError.failure(error.message, at: "\(path):\(seq + 1)")
        }
    }

    /// The Merkle tree from `CHAIN.hashes`, read with pread.
    public var tree: MerkleTreeReader { MerkleTreeReader(HashFileReader(file: hashes)) }

    /// Reads `CHAIN.checkpoint`, if any, as text.
    public func latestCheckpoint() throws -> [UInt8]? {
        let p = ChainStore.checkpointPath(path)
        return DurableFile.exists(p) ? try DurableFile.readAll(p) : nil
    }

    // MARK: commit journal

    /// Writes `CHAIN.pending` (durably) before an append extends the index.
    func writeCommitJournal(before committed: UInt64) throws {
        try DurableFile.create(ChainStore.pendingPath(path), with: Array("\(committed)\n".utf8), mode: 0o644)
    }

    /// Removes `CHAIN.pending` durably: for an append, the commit.
    func removeCommitJournal() throws {
        let p = ChainStore.pendingPath(path)
        guard unlink(p) == 0 || errno == ENOENT else { throw DurableFile.error("cannot remove", p) }
        try DurableFile.syncDirectory(of: path)
    }

    // MARK: torn tail

    /// What lies past the commit point, said for people; nil when nothing does.
    func tornTail(_ l: Layout) -> String? {
        var tail: [String] = []
        if l.dataSize > l.dataEnd { tail.append("\(l.dataSize - l.dataEnd) bytes in \(path)") }
        if l.hashesSize > l.hashesEnd { tail.append("\(l.hashesSize - l.hashesEnd) bytes in \(hashes.path)") }
        if l.indexSize != l.committed * 8 { tail.append("\(l.indexSize - l.committed * 8) bytes in \(index.path)") }
        if l.pending { tail.append("\(ChainStore.pendingPath(path)) (a commit that did not finish)") }
        return tail.isEmpty ? nil : "torn tail after entry \(l.committed) (never acknowledged): " + tail.joined(separator: ", ")
    }

    /// Truncates the data and hash files to what the index commits (and the
    /// index to whole entries). Requires `.write` access.
    public func removeTornTail() throws -> Layout {
        let l = try layout()
        guard !l.isTruncated else {
            throw EvidenceError.failure("committed data is missing; refusing to repair a damaged chain", at: path)
        }
        try index.truncate(to: l.committed * 8)
        try data.truncate(to: l.dataEnd)
        try hashes.truncate(to: l.hashesEnd)
        try index.sync(); try data.sync(); try hashes.sync()
        _ = try removeContractIndexTornTail(committed: l.committed)
        // The journal last: until the index is back to the size it names, it must stay.
        if l.pending { try removeCommitJournal() }
        return l
    }
}

/// Stored hashes read from `CHAIN.hashes` with pread.
struct HashFileReader: StoredHashReader {
    let file: DurableFile
    func storedHash(at index: UInt64) throws -> Hash {
        // Straight into the hash: a proof reads dozens of these per item.
        var read = 0
        let h = try Hash { out in
            while read < 32 {
                let n = try file.read(at: index * 32 + UInt64(read), into: UnsafeMutableRawBufferPointer(rebasing: out[read...]))
                if n == 0 { break }
                read += n
            }
        }
        guard read == 32 else {
            throw EvidenceError.failure("stored hash \(index) is missing (file truncated)", at: file.path)
        }
        return h
    }
}
