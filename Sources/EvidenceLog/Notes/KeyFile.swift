import EvidenceSupport

/// Private and verifier key files of signed notes.
///
/// A private key file holds one line, `PRIVATE+KEY+name+keyid+base64`. It is
/// created 0600 with O_EXCL (an existing file is never overwritten, so a
/// typo cannot destroy a log's key) and refused when group or others have
/// any access to it, as ssh does. Its verifier key goes beside it in
/// `FILE.pub` (0644, one line `name+keyid+base64`), as ssh-keygen does, so
/// that it can be found again and handed out.
public enum KeyFile {
    public static func publicPath(_ path: String) -> String { path + ".pub" }

    /// Creates the private key file, then `FILE.pub`; neither replaces an existing file.
    public static func create(_ key: NoteSignerKey, at path: String) throws {
        let pub = publicPath(path)
        // Checked first, so that a refusal leaves no private key without its .pub.
        guard !DurableFile.exists(pub) else {
            throw EvidenceError.io("cannot create the verifier key file: file exists; refusing to overwrite it", at: pub)
        }
        try SecretKeyFile.create(path, contents: Array((key.encodedSecret + "\n").utf8))
        try DurableFile.create(pub, with: Array((key.verifierKey.encoded + "\n").utf8), mode: 0o644)
    }

    /// The verifier key of a key file: of a private key file (checked as
    /// one: 0600), or the key a verifier key file holds.
    public static func verifierKey(of path: String) throws -> NoteVerifierKey {
        if try firstLine(of: path).hasPrefix(NoteSignerKey.encodingPrefix) { return try readSigner(path).verifierKey }
        return try readVerifier(path)
    }

    private static func firstLine(of path: String) throws -> Substring {
        let text = String(decoding: try DurableFile.readAll(path, limit: 1 << 16), as: UTF8.self)
        return text.split(separator: "\n").first(where: { !$0.isEmpty }) ?? ""
    }

    public static func readSigner(_ path: String) throws -> NoteSignerKey {
        let bytes = try SecretKeyFile.read(path, maximumSize: 4096)
        do {
            return try NoteSignerKey(parsing: String(decoding: bytes, as: UTF8.self))
        } catch let error as EvidenceError {
            throw error.located(path)
        }
    }
    /// A verifier key given literally (`name+keyid+base64`) or as a file
    /// holding one (`FILE.pub`). A private key in its place is refused with
    /// what to give instead, and never echoed.
    public static func readVerifier(_ argument: String) throws -> NoteVerifierKey {
        if argument.contains("+") && !DurableFile.exists(argument) {
            guard !argument.hasPrefix(NoteSignerKey.encodingPrefix) else {
                throw EvidenceError.usage("a private key where a verifier key is expected: never pass a private key on the command line; give its verifier key (the KEY.pub file keygen wrote beside it)")
            }
            return try NoteVerifierKey(parsing: argument)
        }
        let line = try firstLine(of: argument)
        guard !line.isEmpty else {
            throw EvidenceError.input("no verifier key", at: argument)
        }
        guard !line.hasPrefix(NoteSignerKey.encodingPrefix) else {
            throw EvidenceError(.usage, "a private key file, not a verifier key: give \(publicPath(argument)) (written by keygen), "
                                + "or print its verifier key with 'evchain key show \(argument)'", at: argument)
        }
        do {
            return try NoteVerifierKey(parsing: String(line))
        } catch let error as EvidenceError {
            throw error.located(argument)
        }
    }
}
