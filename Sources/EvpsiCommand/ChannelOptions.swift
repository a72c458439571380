import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidencePSI
import EvidenceSupport

/// How a party signs what it writes and checks what it reads.
struct ChannelOptions: ParsableArguments {
    @Option(name: .customLong("sign-key"), help: ArgumentHelp("This party's Ed25519 private key (a signed-note key from 'evchain keygen', 0600); every message written is signed with it.", valueName: "file"))
    var signKey: String?

    @Option(name: .customLong("peer-key"), help: ArgumentHelp("The peer's verifier key (name+keyid+base64, or a file holding it); a message not signed by it is refused.", valueName: "key"))
    var peerKey: String?

    @Flag(name: .customLong("insecure-unsigned"), help: "Write unsigned messages and accept unsigned ones (tests only).")
    var insecureUnsigned = false

    func validate() throws {
        if !insecureUnsigned && (signKey == nil || peerKey == nil) {
            throw ValidationError("messages are signed: give --sign-key and --peer-key (or --insecure-unsigned, tests only)")
        }
    }

    func channel() throws -> PSIChannel {
        let signer = try signKey.map { NotePSISigner(key: try KeyFile.readSigner($0)) }
        let peer = try peerKey.map { NotePSIVerifier(key: try KeyFile.readVerifier($0)) }
        if insecureUnsigned { return PSIChannel(insecureUnsignedWithSigner: signer, peer: peer) }
        return PSIChannel(signer: signer!, peer: peer!)
    }

    /// The requester's channel: it states `purpose` in its first message.
    func channel(purpose: PurposeOption) throws -> PSIChannel {
        let c = try channel()
        c.purpose = purpose.purpose
        return c
    }

    /// The responder's channel: it applies `policy` to the request it reads.
    func channel(policy: PolicyOption) throws -> PSIChannel {
        try policy.apply(to: try channel())
    }
}

/// The purpose the requester states in its first message.
struct PurposeOption: ParsableArguments {
    @Option(help: ArgumentHelp("What the computation is for (free text), stated in the first message and checked against the responder's policy.", valueName: "text"))
    var purpose: String
}

/// What the responder allows.
struct PolicyOption: ParsableArguments {
    @Option(help: ArgumentHelp("Policy file (JSON: purposes, peers, max_items, expires); a request outside it is refused before any computation.", valueName: "file"))
    var policy: String?

    @Flag(name: .customLong("no-policy"), help: "Answer any request, whatever its purpose, peer or size (tests only).")
    var noPolicy = false

    func validate() throws {
        if (policy == nil) == !noPolicy { throw ValidationError("give --policy FILE, or --no-policy to answer any request") }
    }

    func apply(to channel: PSIChannel) throws -> PSIChannel {
        channel.policy = try policy.map { try PSIPolicy.load($0) }
        return channel
    }
}

/// A signed-note key signs evpsi messages.
struct NotePSISigner: PSIMessageSigner {
    let key: NoteSignerKey
    var keyName: String { "\(key.name)+\(Hex.encode(key.keyID))" }
    func sign(_ message: [UInt8]) throws -> [UInt8] { try key.sign(message) }
}

/// A signed-note verifier key checks them.
struct NotePSIVerifier: PSIMessageVerifier {
    let key: NoteVerifierKey
    var keyName: String { "\(key.name)+\(Hex.encode(key.keyID))" }
    func verify(_ signature: [UInt8], message: [UInt8]) -> Bool { key.verify(signature, message: message) }
}

/// What the step that opens a protocol takes: its session, the state it
/// keeps, the message it writes, the purpose it states, its keys, its record.
struct OpeningStep: ParsableArguments {
    @Option(name: .customLong("session"), help: ArgumentHelp("Session id (32 hex digits); random by default.", valueName: "hex"))
    var sessionID: String?
    @Option(help: ArgumentHelp("This party's secret state file to create (0600).", valueName: "file"))
    var state: String
    @Option(name: [.customShort("o"), .customLong("out")], help: ArgumentHelp("The message to write (the protocol's first).", valueName: "file"))
    var out: String
    @OptionGroup var purpose: PurposeOption
    @OptionGroup var keys: ChannelOptions
    @OptionGroup var record: RecordOption

    var session: String { sessionID ?? PSIProtocol.newSession() }
    func channel() throws -> PSIChannel { try keys.channel(purpose: purpose) }
}

/// What the responder's step takes: the answer it writes, its policy, its keys, its record.
struct AnsweringStep: ParsableArguments {
    @Option(name: [.customShort("o"), .customLong("out")], help: ArgumentHelp("The answer message to write.", valueName: "file"))
    var out: String
    @OptionGroup var policy: PolicyOption
    @OptionGroup var keys: ChannelOptions
    @OptionGroup var record: RecordOption

    func channel() throws -> PSIChannel { try keys.channel(policy: policy) }
}

/// What B's last step of a Paillier protocol takes: A's last message, B's
/// state, B's Paillier key, its keys, its record.
struct DecryptingStep: ParsableArguments {
    @Option(help: ArgumentHelp("A's last message (sum: message 3; compare: the answer).", valueName: "file"))
    var message: String
    @Option(help: ArgumentHelp("B's state file from its previous step.", valueName: "file"))
    var state: String
    @OptionGroup var paillier: PaillierKeyOption
    @OptionGroup var keys: ChannelOptions
    @OptionGroup var record: RecordOption

    func load() throws -> (PaillierPrivateKey, PSIChannel) { (try paillier.load(), try keys.channel()) }
}
