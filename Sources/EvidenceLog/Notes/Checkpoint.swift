import EvidenceSupport

/// C2SP tlog-checkpoint v1.0.0: the note text `origin\nsize\nbase64(root)\n`
/// followed by optional non-empty extension lines.
public struct Checkpoint: Sendable, Equatable {
    public var origin: String
    public var size: UInt64
    public var root: Hash
    public var extensions: [String]

    public init(origin: String, size: UInt64, root: Hash, extensions: [String] = []) {
        self.origin = origin; self.size = size; self.root = root; self.extensions = extensions
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
        self.init(origin: lines[0], size: size, root: root, extensions: Array(lines.dropFirst(3)))
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
