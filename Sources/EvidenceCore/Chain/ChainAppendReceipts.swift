import Glibc
import EvidenceSupport

/// What `append` keeps per record until the batch commits: the index entry
/// that commits it, and its receipt {"seq","time","id","leaf","tree_size"}.
///
/// Both are needed only after the last line is validated, so a batch of any
/// length would hold them all. Past `budget` bytes they go, a block at a
/// time, to an unlinked temporary file beside the chain (gone with the
/// process, whatever happens): memory stays within `budget` whatever the
/// batch's length.
public struct AppendReceipts {
    public private(set) var firstSeq: UInt64 = 0
    public private(set) var count = 0
    public internal(set) var treeSize: UInt64 = 0
    /// (first seq with this time, time): one per chunk of lines at most.
    private var times: [(UInt64, String)] = []
    private var block: ReceiptBlock
    private var spilled: [(offset: UInt64, bytes: Int, first: Int, count: Int)] = []
    private var spill: DurableFile?
    private var spillEnd: UInt64 = 0
    private let budget: Int
    private let spillDirectory: String

    init(firstSeq: UInt64, budget: Int, spillBeside path: String) {
        self.firstSeq = firstSeq
        self.budget = budget
        self.spillDirectory = DurableFile.directory(of: path)
        block = ReceiptBlock(first: 0)
    }

    /// Adds the next record: its id's UTF-8, its leaf, the time of its
    /// chunk and its index entry.
    mutating func add(id: ArraySlice<UInt8>, leaf: ArraySlice<UInt8>, time: String, end: UInt64) throws {
        if times.last?.1 != time { times.append((firstSeq + UInt64(count), time)) }
        block.add(id: id, leaf: leaf, end: end)
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
        spilled.append((spillEnd, bytes.count, block.first, block.count))
        spillEnd += UInt64(bytes.count)
        block = ReceiptBlock(first: count)
    }

    /// The blocks in order, spilled ones read back one at a time.
    private func forEachBlock(_ body: (ReceiptBlock) throws -> Void) throws {
        for s in spilled {
            let bytes = try spill!.read(at: s.offset, count: s.bytes)
            guard bytes.count == s.bytes else { throw EvidenceError.io("temporary receipts file is short", at: spillDirectory) }
            try body(ReceiptBlock(first: s.first, count: s.count, serialized: bytes))
        }
        try body(block)
    }

    /// The index entries (big-endian end offsets), in order, a block at a time.
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
                for bytes in ParallelMap.map(ranges, state: { () }, { _, r in format(block, r) }) { try body(bytes) }
                start = ranges.last!.upperBound
            }
        }
    }

    private func format(_ block: ReceiptBlock, _ range: Range<Int>) -> [UInt8] {
        var w = JSONWriter(capacity: range.count * 200)
        let firstSeqOfRange = firstSeq + UInt64(block.first + range.lowerBound)
        var t = times.lastIndex { $0.0 <= firstSeqOfRange } ?? 0
        let size = String(treeSize)
        for i in range {
            let seq = firstSeq + UInt64(block.first + i)
            while t + 1 < times.count && times[t + 1].0 <= seq { t += 1 }
            w.writeRaw(#"{"seq":"#); w.writeRaw(String(seq))
            w.writeRaw(#","time":"#); w.writeString(times[t].1)
            w.writeRaw(#","id":"#)
            w.writeString(String(decoding: block.id(i), as: UTF8.self))
            w.writeRaw(#","leaf":""#); w.writeRaw(Hex.encode(block.leaf(i)))
            w.writeRaw(#"","tree_size":"#); w.writeRaw(size); w.writeRaw("}\n")
        }
        return w.bytes
    }
}

/// Consecutive records' leaves, index entries and ids, packed.
struct ReceiptBlock {
    /// Position of the first record in the batch.
    let first: Int
    private(set) var count = 0
    private(set) var leaves: [UInt8] = []
    private(set) var ends: [UInt8] = []
    private var ids: [UInt8] = []
    private var idEnds: [UInt32] = []

    init(first: Int) { self.first = first }

    /// Bytes held, counting what arrays reserve as they grow.
    var memory: Int { leaves.capacity + ends.capacity + ids.capacity + idEnds.capacity * 4 }

    mutating func add(id: ArraySlice<UInt8>, leaf: ArraySlice<UInt8>, end: UInt64) {
        leaves += leaf
        withUnsafeBytes(of: end.bigEndian) { ends.append(contentsOf: $0) }
        ids += id
        idEnds.append(UInt32(ids.count))
        count += 1
    }

    func leaf(_ i: Int) -> ArraySlice<UInt8> { leaves[(i * 32)..<(i * 32 + 32)] }
    func id(_ i: Int) -> ArraySlice<UInt8> { ids[(i == 0 ? 0 : Int(idEnds[i - 1]))..<Int(idEnds[i])] }

    /// leaves (32 each), ends (8 each), id ends (4 each, big-endian), ids.
    func serialized() -> [UInt8] {
        var out = leaves + ends
        out.reserveCapacity(out.count + count * 4 + ids.count)
        for e in idEnds { for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8((e >> UInt32(shift)) & 0xff)) } }
        return out + ids
    }

    init(first: Int, count: Int, serialized bytes: [UInt8]) {
        self.first = first
        self.count = count
        var at = 0
        leaves = Array(bytes[at..<at + count * 32]); at += count * 32
        ends = Array(bytes[at..<at + count * 8]); at += count * 8
        idEnds = (0..<count).map { i in bytes[(at + i * 4)..<(at + i * 4 + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        at += count * 4
        ids = Array(bytes[at...])
    }
}
