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
