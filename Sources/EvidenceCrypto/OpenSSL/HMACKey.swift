import EvidenceSupport

/// The HMAC key of keyed records (`hmac-…`): 16 to 64 random bytes stored
/// as hex on one line, so that `openssl dgst -mac HMAC -macopt hexkey:…`
/// reproduces a digest by hand.
public struct HMACKey: Sendable {
    public let bytes: [UInt8]
    /// First 8 bytes of SHA-256 over a domain tag and the key: names the key
    /// in records (key rotation) without revealing anything about it.
    public let keyID: String

    public static let minimumSize = 16

    public init(bytes: [UInt8]) throws {
        guard bytes.count >= HMACKey.minimumSize, bytes.count <= 64 else {
            throw EvidenceError.input("HMAC key must be 16 to 64 bytes (32 recommended), found \(bytes.count)")
        }
        self.bytes = bytes
        let tag = Array("evidence/hmac-key-id/v1\n".utf8)
        keyID = Hex.encode(DigestAlgorithm.sha256.hash(tag + bytes).prefix(8))
    }

    public static func load(_ path: String) throws -> HMACKey {
        let raw = try SecretKeyFile.read(path)
        let text = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: " \t\r\n")
        guard let bytes = Hex.decode(text) else {
            throw EvidenceError.input("key file must hold the key as hex digits on one line (e.g. from `openssl rand -hex 32`)", at: path)
        }
        do { return try HMACKey(bytes: bytes) } catch let e as EvidenceError { throw e.located(path) }
    }

    /// A new random key, written to `path` (0600, never overwriting).
    public static func generate(at path: String) throws -> HMACKey {
        let key = try HMACKey(bytes: SecureRandom.bytes(32))
        try SecretKeyFile.create(path, contents: Array((Hex.encode(key.bytes) + "\n").utf8))
        return key
    }
}
