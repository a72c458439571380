import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// C2SP signed-note (c2sp.org/signed-note): text signed by one or more keys,
/// the envelope of checkpoints and cosignatures.
///
/// Keys are Ed25519 through OpenSSL. Two signature types are supported, as
/// the spec asks implementations to pick only those they need: 0x01 (plain
/// Ed25519 over the note text, the log's key) and 0x04 (tlog-cosignature/v1,
/// the witness's key).
public enum NoteKeyType: UInt8, Sendable {
    case ed25519 = 0x01
    case cosignatureV1 = 0x04
}

/// Key names must be non-empty, without Unicode spaces or `+`.
public func isValidKeyName(_ name: String) -> Bool {
    !name.isEmpty && !name.unicodeScalars.contains {
        $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7f
    }
}

/// key ID = SHA-256(key name || 0x0A || type || public key)[:4].
public func noteKeyID(name: String, type: NoteKeyType, publicKey: [UInt8]) -> [UInt8] {
    let h = DigestAlgorithm.sha256.hash(Array(name.utf8) + [0x0A, type.rawValue] + publicKey)
    return Array(h.prefix(4))
}


/// A verifier key, `name+hex(keyid)+base64(type||pubkey)`.
public struct NoteVerifierKey: Sendable, Equatable {
    public let name: String
    public let keyID: [UInt8]
    public let type: NoteKeyType
    public let publicKey: [UInt8]

    public init(name: String, type: NoteKeyType, publicKey: [UInt8]) throws {
        guard isValidKeyName(name) else { throw EvidenceError.input("invalid key name \"\(name)\"") }
        guard publicKey.count == Ed25519.publicKeySize else { throw EvidenceError.input("invalid Ed25519 public key") }
        self.name = name
        self.type = type
        self.publicKey = publicKey
        self.keyID = noteKeyID(name: name, type: type, publicKey: publicKey)
    }

    /// Parses a verifier key; the key ID must match the name and key.
    public init(parsing string: String) throws {
        let text = String(string.trimmingLineBreaks)
        // The name and hex ID contain no '+'; the base64 may.
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].count == 8, let id = Hex.decode(String(parts[1])),
              let material = Base64.decode(parts[2]), material.count == 1 + Ed25519.publicKeySize,
              let type = NoteKeyType(rawValue: material[0]) else {
            throw EvidenceError.input("malformed verifier key (expected name+keyid+base64 of an Ed25519 key)")
        }
        try self.init(name: String(parts[0]), type: type, publicKey: Array(material.dropFirst()))
        guard id == keyID else {
            throw EvidenceError.input("verifier key ID \(parts[1]) does not match its name and public key")
        }
    }

    public var encoded: String {
        "\(name)+\(Hex.encode(keyID))+\(Base64.encode([type.rawValue] + publicKey))"
    }
}

/// A private key, `PRIVATE+KEY+name+hex(keyid)+base64(type||seed)` (the
/// format of Go's golang.org/x/mod/sumdb/note, extended to type 0x04).
/// Never printed: `description` hides the seed.
public struct NoteSignerKey: Sendable, CustomStringConvertible {
    public let verifierKey: NoteVerifierKey
    let seed: [UInt8]

    public static func generate(name: String, type: NoteKeyType) throws -> NoteSignerKey {
        try NoteSignerKey(name: name, type: type, seed: Ed25519.generateSeed())
    }

    public init(name: String, type: NoteKeyType, seed: [UInt8]) throws {
        self.seed = seed
        self.verifierKey = try NoteVerifierKey(name: name, type: type, publicKey: Ed25519.publicKey(seed: seed))
    }

    /// What a private key's encoding begins with (and a verifier key's never does).
    public static let encodingPrefix = "PRIVATE+KEY+"

    public init(parsing string: String) throws {
        let text = String(string.trimmingLineBreaks)
        let bad = EvidenceError.input("malformed private key (expected PRIVATE+KEY+name+keyid+base64)")
        guard text.hasPrefix(Self.encodingPrefix) else { throw bad }
        let parts = text.dropFirst(Self.encodingPrefix.count).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].count == 8, let id = Hex.decode(String(parts[1])),
              let material = Base64.decode(parts[2]), material.count == 1 + Ed25519.seedSize,
              let type = NoteKeyType(rawValue: material[0]) else { throw bad }
        try self.init(name: String(parts[0]), type: type, seed: Array(material.dropFirst()))
        guard id == keyID else { throw EvidenceError.input("private key ID does not match its name and key") }
    }

    /// The secret encoding, for writing a key file only.
    public var encodedSecret: String {
        "\(Self.encodingPrefix)\(name)+\(Hex.encode(keyID))+\(Base64.encode([type.rawValue] + seed))"
    }

    public var description: String { "private key \(name)+\(Hex.encode(keyID))" }

    public func sign(_ message: [UInt8]) throws -> [UInt8] { try Ed25519.sign(message, seed: seed) }
}

/// One signature line: `— <name> base64(keyid || signature)`.
public struct NoteSignature: Sendable, Equatable {
    public let name: String
    public let keyID: [UInt8]
    public let signature: [UInt8]

    public init(name: String, keyID: [UInt8], signature: [UInt8]) {
        self.name = name; self.keyID = keyID; self.signature = signature
    }

    static let prefix = "\u{2014} "

    public var line: String { "\(NoteSignature.prefix)\(name) \(Base64.encode(keyID + signature))\n" }
}

/// A parsed signed note: its text (ending in a newline) and signature lines.
public struct SignedNote: Sendable, Equatable {
    public var text: String
    public var signatures: [NoteSignature]

    public init(text: String, signatures: [NoteSignature] = []) {
        self.text = text; self.signatures = signatures
    }

    /// Parses the envelope (not the signatures' validity): UTF-8 with no
    /// control character but newline; text, the last blank line, then one or
    /// more well-formed signature lines.
    public init(parsing bytes: [UInt8]) throws {
        func bad(_ why: String) -> EvidenceError { EvidenceError.failure("malformed signed note: \(why)") }
        guard let string = String(validating: bytes, as: UTF8.self) else { throw bad("not UTF-8") }
        guard !bytes.contains(where: { ($0 < 0x20 && $0 != 0x0A) || $0 == 0x7f }) else {
            throw bad("control character")
        }
        guard string.hasSuffix("\n") else { throw bad("does not end in a newline") }
        // The last blank line: the signatures follow it.
        let utf8 = string.utf8
        guard let start = utf8.indices.dropLast().last(where: { utf8[$0] == 0x0A && utf8[utf8.index(after: $0)] == 0x0A }) else {
            throw bad("no blank line before the signatures")
        }
        let separator = start..<utf8.index(start, offsetBy: 2)
        text = String(string[..<separator.lowerBound]) + "\n"
        let sigPart = string[separator.upperBound...]
        guard !sigPart.isEmpty else { throw bad("no signature lines") }
        signatures = []
        for line in sigPart.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            guard line.hasPrefix(NoteSignature.prefix) else { throw bad("signature line does not start with an em dash") }
            let rest = line.dropFirst(NoteSignature.prefix.count)
            let fields = rest.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, isValidKeyName(String(fields[0])),
                  let blob = Base64.decode(fields[1]), blob.count > 4 else {
                throw bad("signature line is not \"— name base64\"")
            }
            signatures.append(NoteSignature(name: String(fields[0]), keyID: Array(blob.prefix(4)),
                                            signature: Array(blob.dropFirst(4))))
        }
        guard text.utf8.count > 1 else { throw bad("empty text") }
    }

    public var bytes: [UInt8] {
        Array((text + "\n" + signatures.map(\.line).joined()).utf8)
    }

    /// Signs the text with a type 0x01 key and appends the line.
    public mutating func sign(with key: some NoteSigner) throws {
        guard key.type == .ed25519 else { throw EvidenceError.usage("\(key.name) is not an Ed25519 note key") }
        signatures.append(NoteSignature(name: key.name, keyID: key.keyID, signature: try key.sign(Array(text.utf8))))
    }

    /// The signatures by `key`, verified. Signature lines from other keys are
    /// ignored; one from `key` that fails to verify rejects the note (as the
    /// spec recommends); none at all from `key` rejects it too.
    /// Returns the cosignature timestamps (type 0x04) or [nil] (type 0x01).
    @discardableResult
    public func verify(_ key: some NoteVerifier) throws -> [UInt64?] {
        var verified: [UInt64?] = []
        for sig in signatures where sig.name == key.name && sig.keyID == key.keyID {
            switch key.type {
            case .ed25519:
                guard key.verify(sig.signature, message: Array(text.utf8)) else {
                    throw EvidenceError.failure("signature by \(key.name) does not verify")
                }
                verified.append(nil)
            case .cosignatureV1:
                verified.append(try Cosignature.verify(sig, text: text, key: key))
            }
        }
        guard !verified.isEmpty else { throw EvidenceError.failure("no signature by \(key.name)+\(Hex.encode(key.keyID))") }
        return verified
    }
}

/// tlog-cosignature/v1 (c2sp.org/tlog-cosignature), the Ed25519 form, type 0x04.
public enum Cosignature {
    /// "cosignature/v1\ntime <T>\n" followed by the checkpoint text.
    static func message(text: String, time: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(time)\n\(text)".utf8)
    }

    /// The witness's signature line over a checkpoint's text at `time`.
    public static func sign(text: String, key: some NoteSigner, time: UInt64) throws -> NoteSignature {
        guard key.type == .cosignatureV1 else { throw EvidenceError.usage("\(key.name) is not a witness (cosignature) key") }
        precondition(time <= UInt64(Int64.max))
        let signature = try key.sign(message(text: text, time: time))
        var stamp: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { stamp.append(UInt8((time >> UInt64(shift)) & 0xff)) }
        return NoteSignature(name: key.name, keyID: key.keyID, signature: stamp + signature)
    }

    /// Verifies one cosignature line; returns its timestamp.
    static func verify(_ sig: NoteSignature, text: String, key: some NoteVerifier) throws -> UInt64 {
        guard sig.signature.count == 8 + Ed25519.signatureSize else {
            throw EvidenceError.failure("cosignature by \(key.name) has the wrong length")
        }
        let time = sig.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard time <= UInt64(Int64.max),
              key.verify(Array(sig.signature.dropFirst(8)), message: message(text: text, time: time)) else {
            throw EvidenceError.failure("cosignature by \(key.name) does not verify")
        }
        return time
    }
}
