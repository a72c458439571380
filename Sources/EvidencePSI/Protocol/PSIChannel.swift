import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// Signs the messages a party writes (Ed25519). EvidencePSI knows nothing of
/// the log's signed notes; the tools adapt a note key to this protocol.
public protocol PSIMessageSigner: Sendable {
    /// `name+keyid` (hex), as in the header's `signer`.
    var keyName: String { get }
    func sign(_ message: [UInt8]) throws -> [UInt8]
}

/// Checks the signature of the peer's messages.
public protocol PSIMessageVerifier: Sendable {
    var keyName: String { get }
    func verify(_ signature: [UInt8], message: [UInt8]) -> Bool
}

/// What one message looked like, for the party's accounting record: never
/// an element, only its kind, counts and digests.
public struct PSIMessageSummary: Sendable {
    public var kind: String
    public var session: String
    /// The party that wrote it, `a` or `b`.
    public var from: String
    public var mode: String
    public var group: String
    public var signer: String?
    public var purpose: String?
    /// Body lines (elements, ciphertexts, comparisons).
    public var count: Int
    /// SHA-256 of the message file's bytes, as `sha256sum` prints it.
    public var sha256: String
}

/// How a party talks to its peer in one step: the key it signs with, the
/// peer key it accepts, the purpose it states, the policy it applies to
/// the first message it receives; and, filled as the step runs, what was
/// read and written.
public final class PSIChannel {
    public let signer: (any PSIMessageSigner)?
    public let peer: (any PSIMessageVerifier)?
    /// Only with `Setting.insecureUnsigned`: accept unsigned messages.
    public let allowUnsigned: Bool
    /// The purpose the requester states in its first message.
    public var purpose: String?
    /// The policy a responder applies to the request it reads.
    public var policy: PSIPolicy?
    public var now: Date = Date()
    public internal(set) var sent: [PSIMessageSummary] = []
    public internal(set) var received: [PSIMessageSummary] = []

    /// Signed operation: both keys are required.
    public init(signer: any PSIMessageSigner, peer: any PSIMessageVerifier) {
        self.signer = signer; self.peer = peer; allowUnsigned = false
    }

    /// Unsigned operation, for tests: messages are signed and checked only
    /// when a key is given, and unsigned messages are accepted.
    public init(insecureUnsignedWithSigner signer: (any PSIMessageSigner)? = nil, peer: (any PSIMessageVerifier)? = nil) {
        self.signer = signer; self.peer = peer; allowUnsigned = true
    }

    /// Kinds that open a protocol: they carry the purpose and face the policy.
    public static let openingKinds: Set<String> = ["psi-request", "sum-1", "cmp-1"]
}

/// What an Ed25519 signature of a message covers: a domain, the SHA-256 of
/// every line before the trailer (header and body) and the trailer's counts.
enum PSISignature {
    static let domain = "evpsi-v3:message-signature"

    static func signedBytes(digest: String, end: JSONValue) -> [UInt8] {
        Array("\(domain)\u{0}\(digest)\u{0}".utf8) + JCS.canonical(end)
    }
}
