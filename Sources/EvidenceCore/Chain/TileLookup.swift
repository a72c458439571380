import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// The lookup files of a tiles export: for each id and each contract, the
/// seqs of its entries, one decimal per line, ascending, at
/// `lookup/id/<hh>/<key>` and `lookup/contract/<hh>/<key>`, where key =
/// hex(SHA-256("evidence-tiles/lookup/v1/" kind 0x00 name)) and hh its first
/// two digits. A reader finds a name only if it already knows it; what a
/// file says (which seqs hold the name) the entry bundles say too.
public enum TileLookup {
    public enum Kind: String, Sendable { case id, contract }

    public static func path(_ kind: Kind, _ name: String) -> String {
        let key = Hex.encode(DigestAlgorithm.sha256.hash(Array("evidence-tiles/lookup/v1/\(kind.rawValue)".utf8) + [0] + Array(name.utf8)))
        return "lookup/\(kind.rawValue)/\(key.prefix(2))/\(key)"
    }

    /// The seqs a lookup file lists.
    public static func parse(_ bytes: [UInt8], path: String) throws -> [UInt64] {
        var seqs: [UInt64] = []
        for (i, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty && i > 0 { continue }
            guard line.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let s = UInt64(String(decoding: line, as: UTF8.self)),
                  seqs.last.map({ $0 < s }) ?? true else {
                throw EvidenceError.io("line \(i + 1): expected a seq (decimal, ascending)", at: path)
            }
            seqs.append(s)
        }
        return seqs
    }

    static func render(_ seqs: [UInt64]) -> [UInt8] { Array(seqs.map { "\($0)\n" }.joined().utf8) }
}

extension ChainStore {
    /// Adds entries previous..<size to the lookup files under `directory`.
    /// Seqs at or past `previous` already in a file (an export interrupted
    /// before its checkpoint) are replaced, so a rerun writes the same files.
    func exportLookups(to directory: String, from previous: UInt64, to size: UInt64,
                       write: (String, [UInt8]) throws -> Void) throws -> Int {
        var added: [String: [UInt64]] = [:]
        for seq in previous..<size {
            let record = try entry(seq).record
            if case .string(let id)? = record["id"] { added[TileLookup.path(.id, id), default: []].append(seq) }
            if case .string(let c)? = record["contract"] { added[TileLookup.path(.contract, c), default: []].append(seq) }
        }
        for (path, seqs) in added.sorted(by: { $0.key < $1.key }) {
            let file = "\(directory)/\(path)"
            var old: [UInt64] = []
            if DurableFile.exists(file) {
                old = try TileLookup.parse(try DurableFile.readAll(file), path: file).filter { $0 < previous }
            }
            try write(path, TileLookup.render(old + seqs))
        }
        return added.count
    }
}
