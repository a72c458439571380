import Glibc
import EvidenceLog
import EvidenceSupport

/// What `append` keeps per record until the batch commits: the index entry
/// that commits it, and its receipt {"seq","time","id","leaf","tree_size"},
/// with `"relogged":true` for a record whose id the log already held with
/// another digest, or `"existing":true` (and that entry's seq, time and
/// leaf) for a record the log already held: same id, same digest.
///
/// Both are needed only after the last line is validated, so a batch of any
/// length would hold them all. Past `budget` bytes they go, a block at a
/// time, to an unlinked temporary file beside the chain (gone with the
/// process, whatever happens): memory stays within `budget` whatever the
/// batch's length.
public struct AppendReceipts {
    public private(set) var firstSeq: UInt64 = 0
    /// Receipts, one per record of the batch.
    public private(set) var count = 0
    /// New entries among them (the others were in the log already).
    public private(set) var appended = 0
    public internal(set) var treeSize: UInt64 = 0
    /// The torn tail of an interrupted append that this one removed before it began.
    public internal(set) var removedTornTail: String?
    /// What the append did to the contract index before it began (built it
    /// for an older chain, removed a torn tail), for stderr; nil if nothing.
    public internal(set) var contractIndexNote: String?
    /// (first seq with this time, time): one per chunk of lines at most.
    private var times: [(UInt64, String)] = []
    private var block: ReceiptBlock
    private var spilled: [(offset: UInt64, bytes: Int)] = []
    private var spill: DurableFile?
    private var spillEnd: UInt64 = 0
    private let budget: Int
    private let spillDirectory: String

    init(firstSeq: UInt64, budget: Int, spillBeside path: String) {
        self.firstSeq = firstSeq
        self.budget = budget
        self.spillDirectory = DurableFile.directory(of: path)
        block = ReceiptBlock(first: 0, firstAppended: 0)
    }

    /// Adds the next new entry: its id's UTF-8, its leaf, the time of its
    /// chunk and its index entry; `relogged` when the id was logged before.
    mutating func add(id: ArraySlice<UInt8>, leaf: ArraySlice<UInt8>, time: String, end: UInt64, relogged: Bool = false) throws {
        let seq = firstSeq + UInt64(appended)
        if times.last?.1 != time { times.append((seq, time)) }
        block.add(id: id, leaf: leaf, end: end, relogged: relogged)
        count += 1
        appended += 1
        if block.memory >= budget { try spillBlock() }
    }

    /// Adds the receipt of a record the log already holds as entry `seq`.
    mutating func addExisting(id: ArraySlice<UInt8>, seq: UInt64, time: String, leaf: Hash) throws {
        block.addExisting(id: id, seq: seq, time: time, leaf: leaf)
        count += 1
        if block.memory >= budget { try spillBlock() }
    }

    private mutating func spillBlock() throws {
        if spill == nil {
            let path = "\(spillDirectory)/.evchain-receipts.\(getpid())"
            // Only a process with our pid, killed before its unlink, could have left one.
            unlink(path)
            spill = try DurableFile(path, flags: O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
            unlink(path)
        }
        let bytes = block.serialized()
        try spill!.write(bytes, at: spillEnd)
        spilled.append((spillEnd, bytes.count))
        spillEnd += UInt64(bytes.count)
        block = ReceiptBlock(first: count, firstAppended: appended)
    }

    /// The blocks in order, spilled ones read back one at a time.
    private func forEachBlock(_ body: (ReceiptBlock) throws -> Void) throws {
        for s in spilled {
            let bytes = try spill!.read(at: s.offset, count: s.bytes)
            guard bytes.count == s.bytes, let block = ReceiptBlock(serialized: bytes) else {
                throw EvidenceError.io("temporary receipts file is short", at: spillDirectory)
            }
            try body(block)
        }
        try body(block)
    }

    /// The index entries (big-endian end offsets) of the new entries, in
    /// order, a block at a time.
    func forEachIndexBlock(_ body: ([UInt8]) throws -> Void) throws {
        try forEachBlock { try body($0.ends) }
    }

    /// Each receipt as a JSON line, handed to `body` in order, a few
    /// thousand at a time (formatted on every core).
    public func forEachLine(_ body: ([UInt8]) throws -> Void) throws {
        let chunk = 8192
        try forEachBlock { block in
            var start = 0
            while start < block.count {
                let ranges = stride(from: start, to: min(start + chunk * ParallelMap.defaultWorkers, block.count), by: chunk)
                    .map { $0..<min($0 + chunk, block.count) }
                // The new entries' seqs count on from the first in each range.
                var appendedBefore = block.firstAppended + block.appended(before: start)
                let firsts = ranges.map { r -> Int in
                    defer { appendedBefore += block.appended(in: r) }
                    return appendedBefore
                }
                let work = Array(zip(ranges, firsts))
                for bytes in ParallelMap.map(work, state: { () }, { _, w in format(block, w.0, firstAppended: w.1) }) { try body(bytes) }
                start = ranges.last!.upperBound
            }
        }
    }

    private func format(_ block: ReceiptBlock, _ range: Range<Int>, firstAppended: Int) -> [UInt8] {
        var w = JSONWriter(capacity: range.count * 200)
        var next = firstSeq + UInt64(firstAppended)
        var t = times.lastIndex { $0.0 <= next } ?? 0
        for i in range {
            let seq: UInt64, time: String
            if let existing = block.existing(i) {
                (seq, time) = existing
            } else {
                seq = next
                next += 1
                while t + 1 < times.count && times[t + 1].0 <= seq { t += 1 }
                time = times[t].1
            }
            // Bytes appended as they are (no String per receipt): a million
            // receipts are formatted after the commit, before any is printed.
            w.writeASCII(#"{"seq":"#); w.writeDecimal(seq)
            w.writeASCII(#","time":"#); w.writeString(time)
            w.writeASCII(#","id":"#)
            block.id(i).withUnsafeBufferPointer { w.writeString(utf8: $0) }
            w.writeASCII(#","leaf":""#); block.leaf(i).withUnsafeBufferPointer { w.writeHex($0) }
            w.writeASCII(#"","tree_size":"#); w.writeDecimal(treeSize)
            switch block.kind(i) {
            case .existing: w.writeASCII(#","existing":true"#)
            case .relogged: w.writeASCII(#","relogged":true"#)
            case .new: break
            }
            w.writeASCII("}\n")
        }
        return w.bytes
    }
}

/// Consecutive records' leaves, index entries and ids, packed.
struct ReceiptBlock {
    enum Kind: UInt8 { case new = 0, relogged = 1, existing = 2 }

    /// Position of the first record in the batch.
    let first: Int
    /// New entries in the batch before this block.
    let firstAppended: Int
    private(set) var count = 0
    private(set) var leaves: [UInt8] = []
    /// Index entries of the new entries only.
    private(set) var ends: [UInt8] = []
    private var ids: [UInt8] = []
    private var idEnds: [UInt32] = []
    private var kinds: [UInt8] = []
    /// Of the records already in the log: their position in the block, seq and time.
    private var existingAt: [Int: (UInt64, String)] = [:]

    init(first: Int, firstAppended: Int) {
        self.first = first
        self.firstAppended = firstAppended
    }

    /// Bytes held, counting what arrays reserve as they grow.
    var memory: Int {
        leaves.capacity + ends.capacity + ids.capacity + idEnds.capacity * 4 + kinds.capacity + existingAt.count * 64
    }

    mutating func add(id: ArraySlice<UInt8>, leaf: ArraySlice<UInt8>, end: UInt64, relogged: Bool) {
        leaves += leaf
        withUnsafeBytes(of: end.bigEndian) { ends.append(contentsOf: $0) }
        addID(id, kind: relogged ? .relogged : .new)
    }

    mutating func addExisting(id: ArraySlice<UInt8>, seq: UInt64, time: String, leaf: Hash) {
        existingAt[count] = (seq, time)
        leaf.withUnsafeBytes { leaves.append(contentsOf: $0) }
        addID(id, kind: .existing)
    }

    private mutating func addID(_ id: ArraySlice<UInt8>, kind: Kind) {
        ids += id
        idEnds.append(UInt32(ids.count))
        kinds.append(kind.rawValue)
        count += 1
    }

    func leaf(_ i: Int) -> ArraySlice<UInt8> { leaves[(i * 32)..<(i * 32 + 32)] }
    func id(_ i: Int) -> ArraySlice<UInt8> { ids[(i == 0 ? 0 : Int(idEnds[i - 1]))..<Int(idEnds[i])] }
    func kind(_ i: Int) -> Kind { Kind(rawValue: kinds[i]) ?? .new }
    func existing(_ i: Int) -> (UInt64, String)? { existingAt.isEmpty ? nil : existingAt[i] }
    func appended(before end: Int) -> Int { appended(in: 0..<end) }
    func appended(in range: Range<Int>) -> Int {
        existingAt.isEmpty ? range.count : kinds[range].reduce(0) { $0 + ($1 == Kind.existing.rawValue ? 0 : 1) }
    }

    /// A header of six big-endian uint64 (first, first appended, count,
    /// new entries, id bytes, existing records), then leaves (32 each), ends
    /// (8 each), kinds (1 each), id ends (4 each), ids, and per existing
    /// record its position and seq (8 each), time length (8) and time.
    func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(48 + leaves.count + ends.count + kinds.count + idEnds.count * 4 + ids.count + existingAt.count * 48)
        func u64(_ v: Int) { withUnsafeBytes(of: UInt64(v).bigEndian) { out.append(contentsOf: $0) } }
        for v in [first, firstAppended, count, ends.count / 8, ids.count, existingAt.count] { u64(v) }
        out += leaves
        out += ends
        out += kinds
        for e in idEnds { withUnsafeBytes(of: e.bigEndian) { out.append(contentsOf: $0) } }
        out += ids
        for (position, (seq, time)) in existingAt.sorted(by: { $0.key < $1.key }) {
            u64(position)
            withUnsafeBytes(of: seq.bigEndian) { out.append(contentsOf: $0) }
            u64(time.utf8.count)
            out.appendUTF8(time)
        }
        return out
    }

    init?(serialized bytes: [UInt8]) {
        var at = 0
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard n >= 0, at + n <= bytes.count else { return nil }
            defer { at += n }
            return bytes[at..<at + n]
        }
        func u64() -> Int? { take(8).map { Int(truncatingIfNeeded: $0.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) } }
        guard let first = u64(), let firstAppended = u64(), let count = u64(), let appended = u64(),
              let idBytes = u64(), let existing = u64(),
              let leaves = take(count * 32), let ends = take(appended * 8), let kinds = take(count),
              let idEnds = take(count * 4), let ids = take(idBytes) else { return nil }
        self.first = first
        self.firstAppended = firstAppended
        self.count = count
        self.leaves = Array(leaves)
        self.ends = Array(ends)
        self.kinds = Array(kinds)
        self.idEnds = stride(from: idEnds.startIndex, to: idEnds.endIndex, by: 4).map { i in
            idEnds[i..<i + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
        self.ids = Array(ids)
        for _ in 0..<existing {
            guard let position = u64(), let seq = take(8), let length = u64(), let time = take(length) else { return nil }
            existingAt[position] = (seq.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, String(decoding: time, as: UTF8.self))
        }
    }
}
