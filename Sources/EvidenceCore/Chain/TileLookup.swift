import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// The lookup files of a tiles export, sharded so that a log of millions of
/// entries is a bounded number of files: for each id and each contract,
/// key = hex(SHA-256("evidence-tiles/lookup/v1/" kind 0x00 name)); the
/// names whose key starts with `abcd` are listed in the shard
/// `lookup/<kind>/ab/cd` (65,536 shards per kind), one line per entry,
/// `<key digits 4..<20> <seq>` (seq in decimal), sorted by key then seq.
/// A key may collide: a hit is a candidate, confirmed against the entry.
/// A reader finds a name only if it already knows it; what a shard says
/// (which seqs hold a name of a given key) the entry bundles say too.
public enum TileLookup {
    public enum Kind: String, Sendable { case id, contract }

    /// Hex digits of the key in a shard's path, then on each of its lines.
    static let shardDigits = 4
    static let lineKeyDigits = 16
    /// Written after the shards: an export without it (an older layout of
    /// one file per name) has its lookup rebuilt from the first entry.
    public static let formatPath = "lookup/format"
    static let format = Array("evidence-tiles/lookup/v2 shards=65536\n".utf8)

    public struct Key: Hashable, Sendable {
        public let shard: String
        public let line: [UInt8]
    }

    public static func key(_ kind: Kind, _ name: [UInt8]) -> Key {
        let hex = Array(Hex.encode(DigestAlgorithm.sha256.hash(Array("evidence-tiles/lookup/v1/\(kind.rawValue)".utf8) + [0] + name)).utf8)
        let s = String(decoding: hex[0..<shardDigits], as: UTF8.self)
        return Key(shard: "lookup/\(kind.rawValue)/\(s.prefix(2))/\(s.dropFirst(2))",
                   line: Array(hex[shardDigits..<shardDigits + lineKeyDigits]))
    }

    public static func key(_ kind: Kind, _ name: String) -> Key { key(kind, Array(name.utf8)) }

    /// The path of the shard listing `name`.
    public static func path(_ kind: Kind, _ name: String) -> String { key(kind, name).shard }

    /// A shard's lines: (key digits, seq), checked to be sorted.
    public static func parse(_ bytes: [UInt8], path: String) throws -> [(key: [UInt8], seq: UInt64)] {
        var out: [(key: [UInt8], seq: UInt64)] = []
        guard bytes.isEmpty || bytes.last == 0x0A else { throw EvidenceError.io("the last line is cut short", at: path) }
        var lineNumber = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            lineNumber += 1
            let k = line.prefix(lineKeyDigits), rest = line.dropFirst(lineKeyDigits)
            guard k.count == lineKeyDigits, k.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }),
                  rest.first == 0x20, rest.count > 1, rest.count <= 21,
                  rest.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let seq = UInt64(String(decoding: rest.dropFirst(), as: UTF8.self)) else {
                throw EvidenceError.io("line \(lineNumber): expected \"<16 hex digits> <seq>\"", at: path)
            }
            let entry = (key: Array(k), seq: seq)
            if let last = out.last, !precedes(last, entry) {
                throw EvidenceError.io("line \(lineNumber): not sorted by key and seq", at: path)
            }
            out.append(entry)
        }
        return out
    }

    /// The seqs of `key` in a parsed shard, ascending.
    public static func seqs(of key: Key, in lines: [(key: [UInt8], seq: UInt64)]) -> [UInt64] {
        lines.filter { $0.key == key.line }.map(\.seq)
    }

    static func precedes(_ a: (key: [UInt8], seq: UInt64), _ b: (key: [UInt8], seq: UInt64)) -> Bool {
        a.key == b.key ? a.seq < b.seq : a.key.lexicographicallyPrecedes(b.key)
    }

    static func render(_ lines: [(key: [UInt8], seq: UInt64)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(lines.count * 26)
        for l in lines {
            out += l.key
            out.append(0x20)
            out.appendUTF8(String(l.seq))
            out.append(0x0A)
        }
        return out
    }
}

/// The lookup lines of the entries an export adds, gathered by shard.
struct TileLookupBatch {
    var added: [String: [(key: [UInt8], seq: UInt64)]] = [:]

    mutating func add(_ kind: TileLookup.Kind, name: [UInt8], seq: UInt64) {
        let k = TileLookup.key(kind, name)
        added[k.shard, default: []].append((k.line, seq))
    }

    /// Writes every shard that gained lines: its lines below `previous`
    /// (read back from `directory`), then the new ones, sorted. Lines at or
    /// past `previous` already there (an export interrupted before its
    /// checkpoint) are replaced, so a rerun writes the same files.
    func write(to directory: String, previous: UInt64, write: (String, [UInt8]) throws -> Void) throws -> Int {
        for (shard, new) in added.sorted(by: { $0.key < $1.key }) {
            let file = "\(directory)/\(shard)"
            var lines: [(key: [UInt8], seq: UInt64)] = []
            if previous > 0 && DurableFile.exists(file) {
                lines = try TileLookup.parse(try DurableFile.readAll(file), path: file).filter { $0.seq < previous }
            }
            lines += new
            lines.sort(by: TileLookup.precedes)
            try write(shard, TileLookup.render(lines))
        }
        return added.count
    }
}
