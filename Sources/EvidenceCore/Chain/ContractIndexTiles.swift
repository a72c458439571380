import EvidenceLog
import EvidenceSupport

/// The contract index (INDEX-SPEC §1) of a tiles export, laid out so that a
/// reader fetching three small files gets a contract's index proof against
/// the checkpoint's index root:
///
/// - `contract-index/top`: the 256 subtrees at depth 8 (first key byte
///   00…ff), each as a summary of 33 bytes: a kind byte (0 empty, 1 one
///   leaf, 2 two or more) and the subtree's 32-byte hash (zero when empty);
/// - `contract-index/XX/top`: the 256 subtrees at depth 16 under key byte XX
///   (two lowercase hex digits), the same way; absent when XX is empty;
/// - `contract-index/XX/YY`: the leaves whose key starts with XXYY, 80
///   bytes each (key, count BE64, last BE64, chain), sorted by key; absent
///   when there is none.
///
/// The kind byte is what lets a reader apply the compact rule (a lone leaf
/// is its subtree's hash at any depth) from summaries alone. Nothing here
/// is trusted: the reader builds the contract's proof from these files and
/// verifies it against the checkpoint's index root.
public enum ContractIndexTiles {
    public static let topPath = "contract-index/top"
    /// Written after the other index files: says which tree size they are of
    /// (unsigned: only to explain a mismatch, and to let the next export
    /// update them in place).
    public static let formatPath = "contract-index/format"
    static let formatPrefix = "evidence-tiles/contract-index/v1 size="

    /// In the folder of its shards, named so that no shard name (two hex
    /// digits) can be it: a file `contract-index/XX` beside a folder of that
    /// name cannot be.
    public static func middlePath(_ xx: UInt8) -> String { "contract-index/\(hex(xx))/top" }
    public static func shardPath(_ xx: UInt8, _ yy: UInt8) -> String { "contract-index/\(hex(xx))/\(hex(yy))" }

    static func format(size: UInt64) -> [UInt8] { Array("\(formatPrefix)\(size)\n".utf8) }

    /// The tree size a `format` file names; nil when it is not one.
    public static func size(ofFormat bytes: [UInt8]) -> UInt64? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix(formatPrefix), text.hasSuffix("\n") else { return nil }
        return UInt64(text.dropFirst(formatPrefix.count).dropLast())
    }

    static let summarySize = 1 + Hash.size
    static let leafSize = Hash.size + 8 + 8 + Hash.size
    static let zero = ContractIndex.emptyRoot

    /// A subtree: how many leaves it holds (none, one, more) and its hash.
    public struct Summary: Sendable, Equatable {
        public enum Kind: UInt8, Sendable { case empty = 0, one = 1, many = 2 }
        public var kind: Kind
        public var hash: Hash
        public static let empty = Summary(kind: .empty, hash: ContractIndexTiles.zero)

        /// The parent of two sibling subtrees, by the compact rule: a lone
        /// leaf moves up past an empty sibling; anything else is an inner node.
        public static func parent(_ left: Summary, _ right: Summary) -> Summary {
            switch (left.kind, right.kind) {
            case (.empty, .empty): return .empty
            case (.one, .empty): return left
            case (.empty, .one): return right
            default: return Summary(kind: .many, hash: ContractIndex.innerHash(left.hash, right.hash))
            }
        }

        /// The summary of a subtree holding `leaves` (sorted, distinct keys,
        /// all sharing their first `depth` bits).
        static func of(_ leaves: ArraySlice<ContractIndexLeaf>, depth: Int) -> Summary {
            switch leaves.count {
            case 0: return .empty
            case 1: return Summary(kind: .one, hash: ContractIndex.leafHash(leaves.first!))
            default: return Summary(kind: .many, hash: ContractIndex.subtreeHash(leaves, depth: depth))
            }
        }
    }

    /// The 8 levels above 256 summaries: `levels[0]` the 256, `levels[8]` their one root.
    static func levels(_ base: [Summary]) -> [[Summary]] {
        var levels = [base]
        while levels.last!.count > 1 {
            let below = levels.last!
            levels.append(stride(from: 0, to: below.count, by: 2).map { Summary.parent(below[$0], below[$0 + 1]) })
        }
        return levels
    }

    /// Writes every file of the index holding `leaves` through `write`,
    /// `top` last, and returns the root they fold to. The leaves come in
    /// ascending key order (as the store walks them), so one shard at a
    /// time is held, whatever the number of contracts.
    public static func build(_ leaves: some Sequence<ContractIndexLeaf>,
                             write: (String, [UInt8]) throws -> Void) throws -> Hash {
        var top = [Summary](repeating: .empty, count: 256)
        var middle = [Summary](repeating: .empty, count: 256)
        var shard: [ContractIndexLeaf] = []
        var current: Int? = nil
        func flush(_ prefix: Int, middleToo: Bool) throws {
            let (xx, yy) = (prefix >> 8, prefix & 0xff)
            middle[yy] = .of(shard[...], depth: 16)
            try write(shardPath(UInt8(xx), UInt8(yy)), encode(shard))
            shard.removeAll(keepingCapacity: true)
            guard middleToo else { return }
            top[xx] = levels(middle).last![0]
            try write(middlePath(UInt8(xx)), encode(middle))
            middle = [Summary](repeating: .empty, count: 256)
        }
        for leaf in leaves {
            if let last = shard.last, !(last.key < leaf.key) {
                throw EvidenceError.failure("contract index leaves not in strictly ascending key order (\(leaf.key.hex) after \(last.key.hex))")
            }
            let prefix = Int(leaf.key[0]) << 8 | Int(leaf.key[1])
            if let c = current, c != prefix {
                guard c < prefix else {
                    throw EvidenceError.failure("contract index leaves not in strictly ascending key order (\(leaf.key.hex))")
                }
                try flush(c, middleToo: c >> 8 != prefix >> 8)
            }
            current = prefix
            shard.append(leaf)
        }
        if let c = current { try flush(c, middleToo: true) }
        try write(topPath, encode(top))
        return levels(top).last![0].hash
    }

    static func encode(_ summaries: [Summary]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(summaries.count * summarySize)
        for s in summaries {
            out.append(s.kind.rawValue)
            out += s.hash.bytes
        }
        return out
    }

    /// The 256 summaries of a `top` or `XX/top` file, checked to be well formed.
    public static func summaries(_ bytes: [UInt8], path: String) throws -> [Summary] {
        guard bytes.count == 256 * summarySize else {
            throw EvidenceError.failure("expected 256 subtree summaries of \(summarySize) bytes, found \(bytes.count) bytes", at: path)
        }
        return try (0..<256).map { i in
            let record = bytes[(i * summarySize)..<((i + 1) * summarySize)]
            guard let kind = Summary.Kind(rawValue: record.first!) else {
                throw EvidenceError.failure("subtree \(hex(UInt8(i))): kind \(record.first!) is not 0, 1 or 2", at: path)
            }
            let hash = Hash(record.dropFirst())!
            guard (kind == .empty) == (hash == zero) else {
                throw EvidenceError.failure("subtree \(hex(UInt8(i))): an empty subtree hashes to zero, and only it", at: path)
            }
            return Summary(kind: kind, hash: hash)
        }
    }

    static func encode(_ leaves: [ContractIndexLeaf]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(leaves.count * leafSize)
        for l in leaves {
            out += l.key.bytes
            withUnsafeBytes(of: l.count.bigEndian) { out += $0 }
            withUnsafeBytes(of: l.last.bigEndian) { out += $0 }
            out += l.chain.bytes
        }
        return out
    }

    /// The leaves of shard `XX/YY`, checked: whole records, keys under the
    /// shard's prefix, strictly ascending.
    public static func leaves(_ bytes: [UInt8], xx: UInt8, yy: UInt8, path: String) throws -> [ContractIndexLeaf] {
        guard bytes.count % leafSize == 0 else {
            throw EvidenceError.failure("expected leaves of \(leafSize) bytes, found \(bytes.count) bytes", at: path)
        }
        var out: [ContractIndexLeaf] = []
        out.reserveCapacity(bytes.count / leafSize)
        for i in 0..<(bytes.count / leafSize) {
            let r = bytes[(bytes.startIndex + i * leafSize)...]
            func be64(_ at: Int) -> UInt64 { r.dropFirst(at).prefix(8).reduce(0) { $0 << 8 | UInt64($1) } }
            let leaf = ContractIndexLeaf(key: Hash(r.prefix(32))!, count: be64(32), last: be64(40),
                                         chain: Hash(r.dropFirst(48).prefix(32))!)
            guard leaf.key[0] == xx, leaf.key[1] == yy else {
                throw EvidenceError.failure("leaf \(i + 1): key \(leaf.key.hex) is not under \(hex(xx))\(hex(yy))", at: path)
            }
            if let previous = out.last, !(previous.key < leaf.key) {
                throw EvidenceError.failure("leaf \(i + 1): keys not strictly ascending", at: path)
            }
            out.append(leaf)
        }
        return out
    }

    static func hex(_ b: UInt8) -> String { Hex.encode([b]) }
}
