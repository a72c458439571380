import EvidenceSupport

/// C2SP tlog-checkpoint v1.0.0: the note text `origin\nsize\nbase64(root)\n`
/// followed by optional non-empty extension lines, of which ours is the
/// contract index root (`contractIndexRoot`).
public struct Checkpoint: Sendable, Equatable {
    public var origin: String
    public var size: UInt64
    public var root: Hash
    public var extensions: [String]

    public init(origin: String, size: UInt64, root: Hash, extensions: [String] = []) {
        self.origin = origin; self.size = size; self.root = root; self.extensions = extensions
    }

    /// A checkpoint that commits to a contract index root (nil: none).
    public init(origin: String, size: UInt64, root: Hash, contractIndexRoot: Hash?, extensions: [String] = []) {
        self.init(origin: origin, size: size, root: root, extensions: extensions)
        self.contractIndexRoot = contractIndexRoot
    }

    /// The first word of the extension line that carries the contract
    /// index root (INDEX-SPEC §3): `evidence/contract-index/v1 <base64>`.
    public static let contractIndexLinePrefix = "evidence/contract-index/v1"

    /// The root of the contract index this checkpoint commits to, from its
    /// one `evidence/contract-index/v1` extension line; nil when there is
    /// none. `init(text:)` refuses a malformed or repeated line. Setting it
    /// puts the line first among the extensions (right after the root line).
    public var contractIndexRoot: Hash? {
        get {
            for line in extensions {
                if case .some(.some(let root)) = Checkpoint.contractIndexRoot(line: line) { return root }
            }
            return nil
        }
        set {
            extensions.removeAll { Checkpoint.contractIndexRoot(line: $0) != nil }
            if let newValue { extensions.insert("\(Checkpoint.contractIndexLinePrefix) \(newValue.base64)", at: 0) }
        }
    }

    /// nil: not an index line; .some(nil): an index line that is malformed;
    /// .some(root): the root it carries. A line is an index line when it
    /// starts with the prefix word, so `evidence/contract-index/v1x …` or a
    /// tab after the word is malformed rather than silently another line.
    private static func contractIndexRoot(line: String) -> Hash?? {
        guard line.hasPrefix(contractIndexLinePrefix) else { return nil }
        let rest = line.dropFirst(contractIndexLinePrefix.count)
        guard rest.first == " ", let root = Hash(base64: rest.dropFirst()) else { return .some(nil) }
        return .some(root)
    }

    public var text: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    /// Parses note text strictly: no empty line, size in canonical decimal,
    /// root the canonical base64 of 32 bytes.
    public init(text: String) throws {
        func bad(_ why: String) -> EvidenceError { EvidenceError.failure("malformed checkpoint: \(why)") }
        guard text.hasSuffix("\n") else { throw bad("text does not end in a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else { throw bad("fewer than three lines") }
        guard !lines.contains(where: \.isEmpty) else { throw bad("empty line") }
        guard let size = UInt64(lines[1]), String(size) == lines[1] else { throw bad("tree size is not a decimal number") }
        guard let root = Hash(base64: lines[2]) else {
            throw bad("root hash is not the base64 of 32 bytes")
        }
        let extensions = Array(lines.dropFirst(3))
        let indexLines = extensions.compactMap(Checkpoint.contractIndexRoot(line:))
        guard indexLines.count <= 1 else { throw bad("more than one contract index line") }
        if let only = indexLines.first, only == nil {
            throw bad("contract index line is not \"\(Checkpoint.contractIndexLinePrefix) \" and the base64 of 32 bytes")
        }
        self.init(origin: lines[0], size: size, root: root, extensions: extensions)
    }

    /// A signed checkpoint note.
    public func signed(with key: some NoteSigner) throws -> SignedNote {
        var note = SignedNote(text: text)
        try note.sign(with: key)
        return note
    }

    /// Opens a signed checkpoint: the envelope parses, `logKey` signed it,
    /// and its origin is the expected one when given.
    public static func open(_ bytes: [UInt8], logKey: NoteVerifierKey, origin: String? = nil) throws -> (Checkpoint, SignedNote) {
        let note = try SignedNote(parsing: bytes)
        try note.verify(logKey)
        let checkpoint = try Checkpoint(text: note.text)
        if let origin, checkpoint.origin != origin {
            throw EvidenceError.failure("checkpoint origin \"\(checkpoint.origin)\" is not the log's \"\(origin)\"")
        }
        return (checkpoint, note)
    }
}
