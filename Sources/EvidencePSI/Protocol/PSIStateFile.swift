import Glibc
import EvidenceCrypto
import EvidenceSupport

/// A party's secret state between two of its steps. The file is written
/// like a key file (0600, never over an existing file or through a
/// symlink, fsync'd) and sealed with a domain-separated digest over all its
/// fields, so that a damaged secret, session or step is refused instead of
/// silently giving a wrong intersection or sum. The digest guards against
/// damage and edits by mistake, not against someone who may write the file:
/// whoever can write a 0600 secret can replace it outright.
public enum PSIStateFile {
    /// Version 2 added the digest and the parameters; version 1 states are refused.
    public static let version = 2
    static let domain = Array("evpsi-v2:state\u{0}".utf8)

    /// Refuses, before anything is read or written, a state path that exists
    /// (a state is made once per run) or that is also the message output.
    public static func checkOutputs(state: String, message destination: PSIMessageDestination) throws {
        if case .file(let message) = destination, message != "-", FilePaths.same(state, message) {
            throw EvidenceError.usage("\(Setting("state")) and \(Setting("o")) name the same file \(state): the message would replace the state")
        }
        var st = stat()
        if lstat(state, &st) == 0 {
            throw EvidenceError.usage("state file \(state) exists: each run needs a new state file (a state is never overwritten)")
        }
    }

    /// Finishes a step's message once its state is saved. A message that
    /// cannot be written takes the state with it: a state is never
    /// overwritten, so one left behind would refuse the step's retry.
    public static func finish(_ writer: PSIMessageWriter, elseRemove state: String) throws {
        do { try writer.finish() } catch {
            unlink(state)
            throw error
        }
    }

    /// Writes a new state of `kind` holding `fields`, sealed.
    public static func write(_ path: String, kind: String, session: String, _ fields: JSONObject) throws {
        var o = fields
        o["protocol"] = .string(PSIProtocol.name)
        o["version"] = .number(Double(version))
        o["kind"] = .string(kind)
        o["session"] = .string(session)
        o["sha256"] = .string(digest(o))
        try SecretFile.writeJSON(path, .object(o))
    }

    /// Reads a state of `kind`, refusing any other kind (another step's
    /// state), another version, or a digest that does not match.
    public static func read(_ path: String, kind: String) throws -> JSONObject {
        var o = try SecretFile.readJSON(path)
        guard o["protocol"]?.stringValue == PSIProtocol.name, let found = o["kind"]?.stringValue else {
            throw EvidenceError.input("not an evpsi state file", at: path)
        }
        guard o["version"]?.integerValue == version else {
            throw EvidenceError.input("state file version \(describe(o["version"])) is not supported (expected \(version)); start the run again", at: path)
        }
        guard found == kind else {
            throw EvidenceError.input("this is a \(found) file, this step needs a \(kind) file (the state of another step)", at: path)
        }
        guard let sealed = o["sha256"]?.stringValue else {
            throw EvidenceError.input("state file has no \"sha256\" seal", at: path)
        }
        o["sha256"] = nil
        guard constantTimeEqual(Array(sealed.utf8), Array(digest(o).utf8)) else {
            throw EvidenceError.input("state file is damaged or altered (its digest does not match)", at: path)
        }
        guard let session = o["session"]?.stringValue, Hex.isLowercase(session, byteCount: PSIProtocol.sessionByteCount) else {
            throw EvidenceError.input("state: expected \"session\" (\(PSIProtocol.sessionByteCount * 2) hex digits)", at: path)
        }
        return o
    }

    static func describe(_ value: JSONValue?) -> String {
        guard let value else { return "(none)" }
        return value.integerValue.map(String.init) ?? value.typeName
    }

    static func digest(_ o: JSONObject) -> String {
        Hex.encode(DigestAlgorithm.sha256.hash(domain + JCS.canonical(.object(o))))
    }
}
