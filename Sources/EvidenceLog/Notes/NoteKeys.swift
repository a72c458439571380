import EvidenceCrypto
import EvidenceSupport

/// What signs a note, as Go's `note.Signer`: a name, a key ID, a signature
/// type and a signing function. `NoteSignerKey` holds its seed in memory; a
/// log key kept in an HSM or a KMS conforms by forwarding `sign` to it.
public protocol NoteSigner: Sendable {
    /// The verifier key a checker needs: name, key ID, type, public key.
    var verifierKey: NoteVerifierKey { get }
    /// An Ed25519 signature over `message`.
    func sign(_ message: [UInt8]) throws -> [UInt8]
}

extension NoteSigner {
    public var name: String { verifierKey.name }
    public var keyID: [UInt8] { verifierKey.keyID }
    public var type: NoteKeyType { verifierKey.type }
}

/// What checks a note's signatures, as Go's `note.Verifier`.
public protocol NoteVerifier: Sendable {
    var name: String { get }
    var keyID: [UInt8] { get }
    var type: NoteKeyType { get }
    /// Whether `signature` is a valid Ed25519 signature over `message`.
    func verify(_ signature: [UInt8], message: [UInt8]) -> Bool
}

extension NoteSignerKey: NoteSigner {}

extension NoteVerifierKey: NoteVerifier {
    public func verify(_ signature: [UInt8], message: [UInt8]) -> Bool {
        Ed25519.verify(signature, message: message, publicKey: publicKey)
    }
}
