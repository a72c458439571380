import Glibc
import EvidenceLog
import EvidenceSupport

/// The log's past checkpoints, kept so that an auditor can find, for any
/// entry, the earliest checkpoint holding it that someone independent dated:
/// a timestamp authority's token or the witnesses' cosignatures. An entry's
/// own `time` is what the bank's machine said; these are what "logged
/// before" rests on (see `AttestedTimes`).
///
/// - `CHAIN.checkpoints/SIZE`      the signed note of that tree size, with
///                                 every cosignature line kept as it arrives
///                                 (one per witness key: the first one kept)
/// - `CHAIN.checkpoints/SIZE.tsr`  the first RFC 3161 token obtained for it
///
/// Each file is replaced atomically (`DurableFile.replace`) and only ever
/// grows by signature lines; the token is written once. Nothing here is
/// trusted by a verifier: each kept checkpoint is verified like the main
/// one, and proven consistent with it.
public enum KeptCheckpoints {
    public static func directory(ofChain chain: String) -> String { chain + ".checkpoints" }
    public static func notePath(_ directory: String, size: UInt64) -> String { "\(directory)/\(size)" }
    public static func tokenPath(_ directory: String, size: UInt64) -> String { "\(directory)/\(size).tsr" }

    /// Keeps `noteBytes` (a checkpoint of size `size`) and, when none is kept
    /// yet, `token`. A note of a size already kept must have the same text:
    /// its signature lines by keys not yet present are added.
    public static func keep(_ noteBytes: [UInt8], token: [UInt8]?, in directory: String) throws {
        let note = try SignedNote(parsing: noteBytes)
        let size = try Checkpoint(text: note.text).size
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw DurableFile.error("cannot create directory", directory)
        }
        let path = notePath(directory, size: size)
        var merged = note
        if DurableFile.exists(path) {
            let kept: SignedNote
            do { kept = try SignedNote(parsing: try DurableFile.readAll(path)) } catch let e as EvidenceError {
                throw e.located(path)
            }
            guard kept.text == note.text else {
                throw EvidenceError.failure("a different checkpoint of tree size \(size) is kept: the log signed two trees of one size", at: path)
            }
            merged = kept
            for sig in note.signatures where !merged.signatures.contains(where: { $0.name == sig.name && $0.keyID == sig.keyID }) {
                merged.signatures.append(sig)
            }
            if merged != kept { try DurableFile.replace(path, with: merged.bytes) }
        } else {
            try DurableFile.replace(path, with: merged.bytes)
        }
        let tsr = tokenPath(directory, size: size)
        if let token, !DurableFile.exists(tsr) { try DurableFile.replace(tsr, with: token) }
    }

    /// The tree sizes kept, ascending (names that are not a size are ignored).
    public static func sizes(in directory: String) -> [UInt64] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var sizes: [UInt64] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let n = UInt64(name), String(n) == name { sizes.append(n) }
        }
        return sizes.sorted()
    }

    /// The kept note of `size` and its token, if kept.
    public static func read(_ directory: String, size: UInt64) throws -> (note: [UInt8], token: [UInt8]?)? {
        let path = notePath(directory, size: size)
        guard DurableFile.exists(path) else { return nil }
        let tsr = tokenPath(directory, size: size)
        return (try DurableFile.readAll(path), DurableFile.exists(tsr) ? try DurableFile.readAll(tsr) : nil)
    }

    /// Where a tile export lists its past checkpoints.
    public static let indexPath = "checkpoints/index"

    /// The sizes listed in a tile export's `checkpoints/index` (one decimal
    /// per line, ascending).
    public static func parseIndex(_ bytes: [UInt8], at location: String) throws -> [UInt64] {
        var sizes: [UInt64] = []
        for line in bytes.split(separator: 0x0A) {
            let s = String(decoding: line, as: UTF8.self)
            guard let n = UInt64(s), String(n) == s, n > (sizes.last ?? 0) || sizes.isEmpty else {
                throw EvidenceError.io("not a list of ascending tree sizes", at: location)
            }
            sizes.append(n)
        }
        return sizes
    }
}

/// For `evchain prove`: each entry's earliest kept checkpoint that someone
/// other than the log dated (a cosignature line or a token), with the RFC
/// 9162 consistency proof to the checkpoint proven against, so that a
/// bundle lets its verifier find the entry's attested time without the log.
/// The verifier checks it like any other; this only picks the candidate.
public final class KeptAttestations {
    let store: ChainStore
    let cp: ChainCheckpoint
    let directory: String
    let sizes: [UInt64]
    private var cache: [UInt64: JSONValue?] = [:]

    public init(store: ChainStore, against cp: ChainCheckpoint) {
        self.store = store
        self.cp = cp
        directory = KeptCheckpoints.directory(ofChain: store.path)
        sizes = KeptCheckpoints.sizes(in: directory).filter { $0 > 0 && $0 <= cp.checkpoint.size }
    }

    /// {"tree_size","note","timestamp"?,"consistency"} for entry `seq`, or nil.
    public func json(for seq: UInt64) throws -> JSONValue? {
        for size in sizes where size > seq {
            if cache[size] == nil { cache[size] = .some(try candidate(size)) }
            if let found = cache[size]! { return found }
        }
        return nil
    }

    func candidate(_ size: UInt64) throws -> JSONValue? {
        guard let kept = try KeptCheckpoints.read(directory, size: size),
              let note = try? SignedNote(parsing: kept.note) else { return nil }
        let dated = kept.token != nil || note.signatures.contains { $0.name != store.origin }
        guard dated, kept.note != Array(cp.note.utf8) || kept.token != nil else { return nil }
        var o = JSONObject()
        o.appendNew("tree_size", .number(Double(size)))
        o.appendNew("note", .string(String(decoding: kept.note, as: UTF8.self)))
        if let token = kept.token { o.appendNew("timestamp", .string(Base64.encode(token))) }
        let path = try store.tree.consistencyProof(oldSize: size, newSize: cp.checkpoint.size)
        o.appendNew("consistency", .array(path.map { .string(Hex.encode($0)) }))
        return .object(o)
    }
}

extension ChainStore {
    /// The past checkpoints in a tile export: `checkpoints/SIZE`,
    /// `checkpoints/SIZE.tsr` and `checkpoints/index` (the sizes, one per
    /// line, ascending), for every kept checkpoint up to the export's size.
    /// A file whose bytes are already published is not rewritten; a note
    /// that gained cosignatures since is.
    func writeKeptCheckpoints(_ files: TileFileWriter, size: UInt64) throws {
        let kept = KeptCheckpoints.directory(ofChain: path)
        let sizes = KeptCheckpoints.sizes(in: kept).filter { $0 > 0 && $0 <= size }
        guard !sizes.isEmpty else { return }
        func publish(_ relative: String, _ bytes: [UInt8]) throws {
            let published = "\(files.directory)/\(relative)"
            if DurableFile.exists(published), (try? DurableFile.readAll(published)) == bytes { return }
            try files.write(relative, bytes)
        }
        for n in sizes {
            guard let (note, token) = try KeptCheckpoints.read(kept, size: n) else { continue }
            try publish("checkpoints/\(n)", note)
            if let token { try publish("checkpoints/\(n).tsr", token) }
        }
        try publish(KeptCheckpoints.indexPath, Array(sizes.map { "\($0)\n" }.joined().utf8))
    }
}
