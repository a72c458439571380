import EvidenceSupport

/// Private and verifier key files of signed notes.
///
/// A private key file holds one line, `PRIVATE+KEY+name+keyid+base64`. It is
/// created 0600 with O_EXCL (an existing file is never overwritten, so a
/// typo cannot destroy a log's key) and refused when group or others have
/// any access to it, as ssh does.
public enum KeyFile {
    public static func create(_ key: NoteSignerKey, at path: String) throws {
        try SecretKeyFile.create(path, contents: Array((key.encodedSecret + "\n").utf8))
    }

    public static func readSigner(_ path: String) throws -> NoteSignerKey {
        let bytes = try SecretKeyFile.read(path, maximumSize: 4096)
        do {
            return try NoteSignerKey(parsing: String(decoding: bytes, as: UTF8.self))
        } catch let error as EvidenceError {
            throw error.located(path)
        }
    }
    /// A verifier key given literally (`name+keyid+base64`) or as a file holding one.
    public static func readVerifier(_ argument: String) throws -> NoteVerifierKey {
        if argument.contains("+") && !DurableFile.exists(argument) {
            return try NoteVerifierKey(parsing: argument)
        }
        let bytes = try DurableFile.readAll(argument)
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { !$0.isEmpty }) else {
            throw EvidenceError.input("no verifier key", at: argument)
        }
        do {
            return try NoteVerifierKey(parsing: String(line))
        } catch let error as EvidenceError {
            throw error.located(argument)
        }
    }
}
