import Glibc
import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// The contract index on disk beside the chain (INDEX-SPEC §4): a
/// persistent (copy-on-write) compact sparse Merkle tree.
///
/// - `CHAIN.contracts`: fixed 81-byte records, append-only. Record 0 is a
///   header (`evchain-contracts/1\n`, zero-padded); a node's reference is its
///   record number, 0 meaning the empty subtree. A leaf is
///   `0x12 key count(BE64) last(BE64) chain` (the bytes its hash is taken
///   over); an inner node is `0x13 leftHash rightHash leftRef(BE64)
///   rightRef(BE64)` — a node keeps its children's hashes, so a proof reads
///   one record per level and no hash is recomputed.
/// - `CHAIN.contracts.roots`: one 48-byte record per committed batch:
///   tree size (BE64), root node offset in bytes (BE64; 0 for the empty
///   tree), root hash. The root at tree size N is the record of size N.
///
/// A batch writes the nodes of the paths it changes past the end, children
/// before parents (so the root is always the last record written), then its
/// roots record: old versions stay readable, so a proof at any committed
/// batch boundary works. What lies past the last roots record whose size
/// the chain has committed is torn tail.
final class ContractIndexStore {
    static let recordSize = 81
    static let rootRecordSize = 48
    static let leafTag: UInt8 = 0x12
    static let innerTag: UInt8 = 0x13
    static let header: [UInt8] = {
        var h = Array("evchain-contracts/1\n".utf8)
        h += [UInt8](repeating: 0, count: recordSize - h.count)
        return h
    }()

    static func nodesPath(_ chain: String) -> String { chain + ".contracts" }
    static func rootsPath(_ chain: String) -> String { chain + ".contracts.roots" }

    let nodes: DurableFile
    let roots: DurableFile

    /// Nil when the chain has no index (an older chain).
    convenience init?(chain: String, writable: Bool) throws {
        let n = ContractIndexStore.nodesPath(chain), r = ContractIndexStore.rootsPath(chain)
        guard DurableFile.exists(n), DurableFile.exists(r) else { return nil }
        try self.init(nodes: n, roots: r, writable: writable)
    }

    init(nodes n: String, roots r: String, writable: Bool) throws {
        let flags = writable ? O_RDWR : O_RDONLY
        nodes = try DurableFile(n, flags: flags)
        roots = try DurableFile(r, flags: flags)
        let head = try nodes.read(at: 0, count: ContractIndexStore.recordSize)
        guard head == ContractIndexStore.header else {
            throw EvidenceError.failure("not a contract index node file (bad header)", at: n)
        }
    }

    /// Creates the two files with no batch yet (or empties them): the
    /// caller then applies a first batch. Crash-safe in that an index
    /// without a roots record counts as none.
    static func create(chain: String) throws -> ContractIndexStore {
        try create(nodes: nodesPath(chain), roots: rootsPath(chain))
    }

    /// `create` at the given paths (a rebuild writes beside the index and renames).
    static func create(nodes n: String, roots r: String) throws -> ContractIndexStore {
        let nodes = try DurableFile(n, flags: O_RDWR | O_CREAT, mode: 0o644)
        let roots = try DurableFile(r, flags: O_RDWR | O_CREAT, mode: 0o644)
        try roots.truncate(to: 0)
        try roots.sync()
        try nodes.truncate(to: 0)
        try nodes.write(header, at: 0)
        try nodes.sync()
        try DurableFile.syncDirectory(of: n)
        return try ContractIndexStore(nodes: n, roots: r, writable: true)
    }

    // MARK: roots

    struct Root: Equatable {
        var size: UInt64
        /// Record number of the root node (0: the empty tree).
        var ref: UInt64
        var hash: IndexHash
        /// The records up to and including this root's: the batch that wrote it ended there.
        var nodesEnd: UInt64 { ref == 0 ? 1 : ref + 1 }
    }

    func rootCount() throws -> UInt64 { try roots.size() / UInt64(ContractIndexStore.rootRecordSize) }

    func root(at i: UInt64) throws -> Root {
        let b = try roots.read(at: i * UInt64(ContractIndexStore.rootRecordSize), count: ContractIndexStore.rootRecordSize)
        guard b.count == ContractIndexStore.rootRecordSize else {
            throw EvidenceError.failure("roots record \(i) is torn", at: roots.path)
        }
        let size = b[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        let offset = b[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        guard offset % UInt64(ContractIndexStore.recordSize) == 0 else {
            throw EvidenceError.failure("roots record \(i): root offset \(offset) is not a node's", at: roots.path)
        }
        return b.withUnsafeBytes { Root(size: size, ref: offset / UInt64(ContractIndexStore.recordSize), hash: IndexHash(at: $0.baseAddress! + 16)) }
    }

    static func encode(_ root: Root) -> [UInt8] {
        var b = [UInt8]()
        b.reserveCapacity(rootRecordSize)
        b.appendBigEndian(root.size)
        b.appendBigEndian(root.ref * UInt64(recordSize))
        withUnsafeBytes(of: root.hash) { b += $0 }
        return b
    }

    /// The index of the last roots record whose size is at most `size`.
    func lastRootIndex(atMost size: UInt64) throws -> UInt64? {
        var low: UInt64 = 0, high = try rootCount()
        while low < high {
            let mid = (low + high) / 2
            if try root(at: mid).size <= size { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : low - 1
    }

    /// The root at tree size `size` exactly; nil when no batch ended there.
    func root(size: UInt64) throws -> Root? {
        guard let i = try lastRootIndex(atMost: size) else { return nil }
        let r = try root(at: i)
        return r.size == size ? r : nil
    }

    // MARK: nodes

    /// The node file mapped read-only up to `records` records, for walks
    /// that touch many nodes (a batch, the leaves, an audit).
    func mapped(records: UInt64) throws -> MappedNodes {
        try MappedNodes(file: nodes, records: records)
    }

    /// Truncates the files to the last batch the chain has committed
    /// (size ≤ `committed`); what was past it is described, or nil when
    /// nothing was. Returns false as the second value when no batch at all
    /// survives (the index must be built again).
    func removeTornTail(committed: UInt64) throws -> (removed: String?, intact: Bool) {
        let count = try rootCount()
        let rootsSize = try roots.size(), nodesSize = try nodes.size()
        guard let last = try lastRootIndex(atMost: committed) else {
            return (rootsSize > 0 ? "\(rootsSize) bytes in \(roots.path)" : nil, false)
        }
        let keepRoots = (last + 1) * UInt64(ContractIndexStore.rootRecordSize)
        let keepNodes = try root(at: last).nodesEnd * UInt64(ContractIndexStore.recordSize)
        guard nodesSize >= keepNodes else {
            throw EvidenceError.failure("contract index nodes are missing (file truncated)", at: nodes.path)
        }
        var tail: [String] = []
        if count > last + 1 || rootsSize != keepRoots { tail.append("\(rootsSize - keepRoots) bytes in \(roots.path)") }
        if nodesSize > keepNodes { tail.append("\(nodesSize - keepNodes) bytes in \(nodes.path)") }
        guard !tail.isEmpty else { return (nil, true) }
        try roots.truncate(to: keepRoots)
        try nodes.truncate(to: keepNodes)
        try roots.sync(); try nodes.sync()
        return (tail.joined(separator: ", "), true)
    }

    // MARK: proofs and leaves

    /// The canonical (shortest) proof for `contract` at `root`.
    func proof(contract: String, root: Root) throws -> ContractIndexProof {
        let key = IndexHash(ContractIndex.key(contract))
        let map = try mapped(records: root.nodesEnd)
        var siblings: [Hash] = []
        var ref = root.ref
        var depth = 0
        while true {
            switch try map.node(ref) {
            case .empty:
                return ContractIndexProof(contract: contract, siblings: siblings, terminal: nil)
            case .leaf(let value):
                return ContractIndexProof(contract: contract, siblings: siblings, terminal: value.leaf)
            case .inner(let lh, let rh, let l, let r):
                guard depth < ContractIndexProof.maximumDepth else {
                    throw EvidenceError.failure("contract index path deeper than 256 (corrupt node file)", at: nodes.path)
                }
                if key.bit(depth) == 0 { siblings.append(rh.hash); ref = l } else { siblings.append(lh.hash); ref = r }
                depth += 1
            }
        }
    }
}

/// A node of the stored tree.
enum IndexNode {
    case empty
    case leaf(IndexValue)
    case inner(leftHash: IndexHash, rightHash: IndexHash, left: UInt64, right: UInt64)
}

/// `CHAIN.contracts` mapped read-only (nothing is mapped for an empty
/// file). Nodes refer only to earlier records, so a reference at or past
/// the mapped count is damage, reported, never read.
final class MappedNodes {
    let path: String
    let records: UInt64
    private let base: UnsafeRawPointer?
    private let length: Int

    init(file: DurableFile, records: UInt64) throws {
        path = file.path
        self.records = records
        length = Int(records) * ContractIndexStore.recordSize
        guard try file.size() >= UInt64(length) else {
            throw EvidenceError.failure("contract index nodes are missing (file truncated)", at: file.path)
        }
        if length == 0 { base = nil; return }
        let p = mmap(nil, length, PROT_READ, MAP_SHARED, file.fd, 0)
        guard let p, p != MAP_FAILED else { throw DurableFile.error("cannot map", file.path) }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), length) }
    }

    @inline(__always)
    func node(_ ref: UInt64) throws -> IndexNode {
        if ref == 0 { return .empty }
        guard ref < records, let base else {
            throw EvidenceError.failure("contract index node \(ref) is past the end of its version (corrupt node file)", at: path)
        }
        let p = base + Int(ref) * ContractIndexStore.recordSize
        switch p.load(as: UInt8.self) {
        case ContractIndexStore.leafTag:
            return .leaf(IndexValue(key: IndexHash(at: p + 1), count: p.loadBigEndian(at: 33), last: p.loadBigEndian(at: 41),
                                    chain: IndexHash(at: p + 49)))
        case ContractIndexStore.innerTag:
            let l = p.loadBigEndian(at: 65), r = p.loadBigEndian(at: 73)
            // Children are written before their parent.
            guard l < ref, r < ref else {
                throw EvidenceError.failure("contract index node \(ref) refers forward (corrupt node file)", at: path)
            }
            return .inner(leftHash: IndexHash(at: p + 1), rightHash: IndexHash(at: p + 33), left: l, right: r)
        default:
            throw EvidenceError.failure("contract index node \(ref) has an unknown tag (corrupt node file)", at: path)
        }
    }
}

extension UnsafeRawPointer {
    @inline(__always)
    func loadBigEndian(at offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
