import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// What one batch does to the index: for each contract it touches, its
/// value after the batch, carried on entry by entry from the value the old
/// version holds (read when the contract first appears). Memory grows with
/// the contracts a batch touches (about 120 bytes each), not with its
/// entries, and every chain step is done as the entry comes.
struct ContractIndexBatch {
    /// The version the batch applies to, mapped for reading its values.
    let map: MappedNodes
    let old: ContractIndexStore.Root
    private var slots: [IndexHash: Int] = [:]
    /// By contract, in order of first appearance.
    private(set) var values: [IndexValue] = []
    /// Entries added.
    private(set) var entries = 0

    /// A batch on `old` (nil: the empty map) of `store`.
    init(store: ContractIndexStore, old: ContractIndexStore.Root?) throws {
        self.old = old ?? ContractIndexStore.Root(size: 0, ref: 0, hash: .zero)
        map = try store.mapped(records: try store.nodes.size() / UInt64(ContractIndexStore.recordSize))
    }

    /// Adds the entry `seq` (leaf hash `leaf`) of the contract whose key is `key`;
    /// seqs come in increasing order.
    mutating func add(key: IndexHash, seq: UInt64, leaf: IndexHash) throws {
        let slot: Int
        if let known = slots[key] {
            slot = known
        } else {
            slot = values.count
            slots[key] = slot
            values.append(try lookup(key) ?? IndexValue(key: key, count: 0, last: 0, chain: .zero))
        }
        withUnsafeBytes(of: leaf) { values[slot].chain = values[slot].chain.chainStep($0.baseAddress!) }
        values[slot].count += 1
        values[slot].last = seq
        entries += 1
    }

    /// The value the old version holds for `key`.
    private func lookup(_ key: IndexHash) throws -> IndexValue? {
        var ref = old.ref, depth = 0
        while true {
            switch try map.node(ref) {
            case .empty: return nil
            case .leaf(let v): return v.key == key ? v : nil
            case .inner(_, _, let l, let r):
                guard depth < 256 else { throw EvidenceError.failure("contract index path deeper than 256 (corrupt node file)", at: map.path) }
                ref = key.bit(depth) == 0 ? l : r
                depth += 1
            }
        }
    }

    /// key(c) of the contract in a chain line, from the raw (JSON-escaped)
    /// bytes of its `"contract"` string; nil for a record without one. The
    /// key is over the string's UTF-8 bytes: a value without a backslash is
    /// those bytes already (RFC 8785 escapes nothing else).
    static func contractKey(line: UnsafeRawBufferPointer) -> IndexHash? {
        guard let raw = ChainScan.rawString(after: ChainScan.contractKey, in: line) else { return nil }
        var out = IndexHash()
        if !raw.contains(0x5c) {
            withUnsafeTemporaryAllocation(byteCount: raw.count + 1, alignment: 1) { buffer in
                buffer[0] = ContractIndex.keyPrefix
                if raw.count > 0 { (buffer.baseAddress! + 1).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
                withUnsafeMutableBytes(of: &out) { OneShotSHA256.hash(UnsafeRawBufferPointer(buffer), into: $0.baseAddress!) }
            }
            return out
        }
        var quoted: [UInt8] = [0x22]
        quoted += raw
        quoted.append(0x22)
        guard let value = try? JSON.parse(quoted).stringValue else { return nil }
        return IndexHash(ContractIndex.key(value))
    }
}

extension ContractIndexStore {
    /// Applies `batch` (entries of seqs ≥ the old size, in seq order) to the
    /// version `old` (nil: the empty tree) and writes the new nodes past the
    /// end in one write and the roots record of `newSize`; not synced (the
    /// caller syncs, where its commit protocol says). Returns the new root.
    func apply(_ batch: ContractIndexBatch, newSize: UInt64) throws -> Root {
        let nodesEnd = try nodes.size() / UInt64(ContractIndexStore.recordSize)
        var update = ContractIndexUpdate(map: try mapped(records: nodesEnd), firstRef: nodesEnd)
        let root = try update.run(batch, newSize: newSize)
        if !update.output.isEmpty {
            try nodes.write(update.output, at: nodesEnd * UInt64(ContractIndexStore.recordSize))
        }
        try roots.write(ContractIndexStore.encode(root), at: try rootCount() * UInt64(ContractIndexStore.rootRecordSize))
        return root
    }

    func sync() throws {
        try nodes.sync()
        try roots.sync()
    }
}

/// One batch's copy-on-write update of the tree: the new values put in,
/// new nodes for the changed paths only, written past the end.
struct ContractIndexUpdate {
    let map: MappedNodes
    /// The record number the first new node gets.
    let firstRef: UInt64
    /// The new records, in order.
    var output: [UInt8] = []

    /// The batch's contracts in key order, each with its value after the batch.
    private var values: [IndexValue] = []

    init(map: MappedNodes, firstRef: UInt64) {
        self.map = map
        self.firstRef = firstRef
    }

    mutating func run(_ batch: ContractIndexBatch, newSize: UInt64) throws -> ContractIndexStore.Root {
        let old = batch.old
        guard !batch.values.isEmpty else { return ContractIndexStore.Root(size: newSize, ref: old.ref, hash: old.hash) }
        values = batch.values.sorted { $0.key < $1.key }
        output.reserveCapacity(values.count * 3 * ContractIndexStore.recordSize)
        let (ref, hash) = try update(old.ref, old.hash, depth: 0, 0 ..< values.count)
        return ContractIndexStore.Root(size: newSize, ref: ref, hash: hash)
    }

    /// The first index in `range` whose key has bit `depth` set (keys sorted).
    private func split(_ range: Range<Int>, depth: Int) -> Int {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let mid = (low + high) / 2
            if values[mid].key.bit(depth) == 0 { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The subtree at `ref` (hash `hash`) at `depth` with the new values
    /// `range` put in (replacing their old leaves).
    private mutating func update(_ ref: UInt64, _ hash: IndexHash, depth: Int, _ range: Range<Int>) throws -> (UInt64, IndexHash) {
        if range.isEmpty { return (ref, hash) }
        switch try map.node(ref) {
        case .empty:
            return build(range, depth: depth, kept: nil)
        case .leaf(let v):
            // Its contract is in the batch (its new value supersedes it) or it stays, beside the new ones.
            let i = lowerBound(v.key, range)
            let replaced = i < range.upperBound && values[i].key == v.key
            return build(range, depth: depth, kept: replaced ? nil : (ref, hash, v.key))
        case .inner(let lh, let rh, let l, let r):
            guard depth < 256 else { throw EvidenceError.failure("contract index path deeper than 256 (corrupt node file)", at: map.path) }
            let mid = split(range, depth: depth)
            let (nl, nlh) = try update(l, lh, depth: depth + 1, range.lowerBound ..< mid)
            let (nr, nrh) = try update(r, rh, depth: depth + 1, mid ..< range.upperBound)
            return writeInner(nlh, nrh, nl, nr)
        }
    }

    private func lowerBound(_ key: IndexHash, _ range: Range<Int>) -> Int {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let mid = (low + high) / 2
            if values[mid].key < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// A new subtree of the values `range` and maybe one old leaf kept as it is.
    private mutating func build(_ range: Range<Int>, depth: Int, kept: (ref: UInt64, hash: IndexHash, key: IndexHash)?) -> (UInt64, IndexHash) {
        let total = range.count + (kept == nil ? 0 : 1)
        if total == 0 { return (0, .zero) }
        if total == 1 {
            if let kept { return (kept.ref, kept.hash) }
            return writeLeaf(values[range.lowerBound])
        }
        let mid = split(range, depth: depth)
        let keptBit = kept?.key.bit(depth)
        let (l, lh) = build(range.lowerBound ..< mid, depth: depth + 1, kept: keptBit == 0 ? kept : nil)
        let (r, rh) = build(mid ..< range.upperBound, depth: depth + 1, kept: keptBit == 1 ? kept : nil)
        return writeInner(lh, rh, l, r)
    }

    private mutating func nextRef() -> UInt64 {
        firstRef + UInt64(output.count / ContractIndexStore.recordSize)
    }

    private mutating func writeLeaf(_ v: IndexValue) -> (UInt64, IndexHash) {
        let ref = nextRef()
        output.append(ContractIndexStore.leafTag)
        withUnsafeBytes(of: v.key) { output += $0 }
        output.appendBigEndian(v.count)
        output.appendBigEndian(v.last)
        withUnsafeBytes(of: v.chain) { output += $0 }
        return (ref, v.hash)
    }

    private mutating func writeInner(_ lh: IndexHash, _ rh: IndexHash, _ l: UInt64, _ r: UInt64) -> (UInt64, IndexHash) {
        let ref = nextRef()
        output.append(ContractIndexStore.innerTag)
        withUnsafeBytes(of: lh) { output += $0 }
        withUnsafeBytes(of: rh) { output += $0 }
        output.appendBigEndian(l)
        output.appendBigEndian(r)
        return (ref, IndexHash.inner(lh, rh))
    }
}
