import Glibc
import EvidenceCrypto
import EvidenceSupport

/// `CHAIN.lookup`: the seqs of every entry of an id or a contract, found
/// without reading the chain.
///
/// Each committed entry gives one 16-byte record per field it has (its id,
/// its contract): the field's key and the entry's seq, both big-endian. The
/// key is the first 8 bytes of SHA-256 over a domain tag naming the field
/// and the field's string as chain lines spell it (canonical JSON, without
/// the quotes). Keys may collide, so a hit is only a candidate: readers
/// confirm it against the entry itself.
///
/// Records are kept in runs sorted by (key, seq), in files
/// `CHAIN.lookup.FROM-TO` each covering the entries [FROM, TO). `CHAIN.lookup`
/// lists the runs in order, one `FROM TO` line each, contiguous from 0, and is
/// only ever replaced atomically. A lookup is a binary search in each run:
/// O(log n) reads per run; after each append, adjacent runs are merged
/// until each is more than twice the size of the next, so there are at most
/// log₂ n of them (one or a few in practice).
///
/// Commit: `append` writes the batch's run and the new list after the
/// entries and before extending `CHAIN.index`. A crash in between leaves a
/// list covering entries never committed: readers ignore seqs at or past the
/// committed size, and the next append or repair drops such runs. Merging
/// happens after the commit: the runs to merge are merged in one pass into
/// a new file, which the list then names in place of them. A crash in
/// between leaves files the list does not name (the merged run, or a
/// `….tmp.PID` temporary); nothing reads them, audit reports them, and the
/// next append or `audit --repair` removes them.
public struct ChainLookup {
    public struct Run: Sendable, Equatable {
        public var from: UInt64
        public var to: UInt64
    }

    public enum Field: Sendable { case id, contract }

    let chain: String
    public internal(set) var runs: [Run] { didSet { files.value = nil } }
    private let files = OpenedRuns()
    private final class OpenedRuns { var value: [(Run, DurableFile)]? }
    /// Entries [0, coverage) are in the lookup.
    public var coverage: UInt64 { runs.last?.to ?? 0 }

    static let recordSize = 16

    public static func listPath(_ chain: String) -> String { chain + ".lookup" }
    static func runPath(_ chain: String, _ run: Run) -> String { "\(chain).lookup.\(run.from)-\(run.to)" }

    /// Reads the list; no list is an empty lookup (a chain from before it existed).
    public init(chain: String) throws {
        self.chain = chain
        runs = []
        let list = ChainLookup.listPath(chain)
        guard DurableFile.exists(list) else { return }
        let text = String(decoding: try DurableFile.readAll(list), as: UTF8.self)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let from = UInt64(parts[0]), let to = UInt64(parts[1]),
                  from == coverage, to > from else {
                throw EvidenceError.failure("run list is corrupt (\"\(line)\"); 'evchain audit \(Setting("repair"))' rebuilds it", at: list)
            }
            runs.append(Run(from: from, to: to))
        }
    }

    // MARK: keys

    static func key(_ field: Field, escaped: UnsafeRawBufferPointer, context: HashContext) -> UInt64 {
        // One-shot on the stack (the tag's first byte as the prefix): two
        // keys per appended entry, where an EVP context's init, final and
        // result array cost more than the hashing.
        let tag = field == .id ? ChainLookup.idTag : ChainLookup.contractTag
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        tag.withUnsafeBytes { t in
            withUnsafeMutableBytes(of: &digest) { OneShotSHA256.hash(prefix: t[0], UnsafeRawBufferPointer(rebasing: t.dropFirst()), escaped, into: $0) }
        }
        return UInt64(bigEndian: digest.0)
    }

    static func key(_ field: Field, _ value: String, context: HashContext) -> UInt64 {
        // Most values need no escape: their bytes are their escaped form.
        var value = value
        return value.withUTF8 { utf8 in
            if !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5c }) {
                return key(field, escaped: UnsafeRawBufferPointer(utf8), context: context)
            }
            return ChainScan.escaped(String(decoding: utf8, as: UTF8.self)).withUnsafeBytes { key(field, escaped: $0, context: context) }
        }
    }

    static let idTag: [UInt8] = Array("evchain/1 lookup id\u{0}".utf8)
    static let contractTag: [UInt8] = Array("evchain/1 lookup contract\u{0}".utf8)

    /// The lookup records of one entry line: its id's and contract's keys.
    static func records(line: UnsafeRawBufferPointer, seq: UInt64, context: HashContext) -> [(UInt64, UInt64)] {
        var out: [(UInt64, UInt64)] = []
        if let id = ChainScan.rawString(after: ChainScan.idKey, in: line) {
            out.append((key(.id, escaped: id, context: context), seq))
        }
        if let contract = ChainScan.rawString(after: ChainScan.contractKey, in: line) {
            out.append((key(.contract, escaped: contract, context: context), seq))
        }
        return out
    }

    // MARK: reading

    /// Candidate seqs (below `limit`) for `value` in `field`, ascending.
    /// Confirm each against its entry.
    func candidates(_ field: Field, _ value: String, below limit: UInt64, context: HashContext) throws -> [UInt64] {
        let k = ChainLookup.key(field, value, context: context)
        var seqs: [UInt64] = []
        for (run, file) in try opened() where run.from < limit {
            seqs += try ChainLookup.search(file, key: k).filter { $0 < limit }
        }
        return seqs
    }

    /// The run files, opened once per reader.
    func opened() throws -> [(Run, DurableFile)] {
        if let files = files.value { return files }
        let files = try runs.map { ($0, try DurableFile(ChainLookup.runPath(chain, $0), flags: O_RDONLY)) }
        self.files.value = files
        return files
    }

    /// Binary search for the first record with `key`, then the records after it.
    static func search(_ file: DurableFile, key: UInt64) throws -> [UInt64] {
        let count = try file.size() / UInt64(recordSize)
        var low: UInt64 = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            let (k, _) = try record(file, mid)
            if k < key { low = mid + 1 } else { high = mid }
        }
        var seqs: [UInt64] = []
        var i = low
        while i < count {
            let (k, s) = try record(file, i)
            guard k == key else { break }
            seqs.append(s)
            i += 1
        }
        return seqs
    }

    static func record(_ file: DurableFile, _ i: UInt64) throws -> (UInt64, UInt64) {
        let b = try file.read(at: i * UInt64(recordSize), count: recordSize)
        guard b.count == recordSize else { throw EvidenceError.failure("run is shorter than its size", at: file.path) }
        return decode(b[...])
    }

    static func decode(_ b: ArraySlice<UInt8>) -> (UInt64, UInt64) {
        b.withUnsafeBytes { load($0, at: 0) }
    }

    /// The record at byte `offset` of `bytes` (big-endian key, then seq).
    static func load(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (UInt64, UInt64) {
        (UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
         UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
    }

    static func append(_ record: (UInt64, UInt64), to out: inout [UInt8]) {
        withUnsafeBytes(of: (record.0.bigEndian, record.1.bigEndian)) { out.append(contentsOf: $0) }
    }

    static func encode(_ records: [(UInt64, UInt64)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(records.count * recordSize)
        for r in records { append(r, to: &out) }
        return out
    }
}
