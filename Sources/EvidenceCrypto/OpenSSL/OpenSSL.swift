import FoundationEssentials
import EvidenceSupport
internal import COpenSSL

// The one file that calls libcrypto. Everything above it sees Swift types:
// `DigestAlgorithm`, `HashContext`, `OneShotSHA256`, `Ed25519`, `SecureRandom`, `constantTimeEqual`.

/// A digest algorithm reachable through OpenSSL EVP. Raw values are the
/// names used in records (`"alg":"sm3"`) and on the command line.
public enum DigestAlgorithm: String, CaseIterable, Sendable, Hashable {
    case sha256
    case sha512
    case sha3_256 = "sha3-256"
    case sm3
    case blake2b512

    /// The name OpenSSL's default provider knows it by.
    var openSSLName: String {
        switch self {
        case .sha256: return "SHA2-256"
        case .sha512: return "SHA2-512"
        case .sha3_256: return "SHA3-256"
        case .sm3: return "SM3"
        case .blake2b512: return "BLAKE2B-512"
        }
    }

    /// Output length in bytes.
    public var outputSize: Int {
        switch self {
        case .sha256, .sha3_256, .sm3: return 32
        case .sha512, .blake2b512: return 64
        }
    }

    /// Fetched once: EVP_MD_fetch is a provider lookup, far too slow per call.
    fileprivate var md: OpaquePointer {
        switch self {
        case .sha256: return FetchedDigests.sha256
        case .sha512: return FetchedDigests.sha512
        case .sha3_256: return FetchedDigests.sha3_256
        case .sm3: return FetchedDigests.sm3
        case .blake2b512: return FetchedDigests.blake2b512
        }
    }
}

private enum FetchedDigests {
    static func fetch(_ name: String) -> OpaquePointer {
        guard let md = EVP_MD_fetch(nil, name, nil) else {
            fatalError("OpenSSL has no digest \(name): \(OpenSSLError.lastMessage())")
        }
        return md
    }
    nonisolated(unsafe) static let sha256 = fetch(DigestAlgorithm.sha256.openSSLName)
    nonisolated(unsafe) static let sha512 = fetch(DigestAlgorithm.sha512.openSSLName)
    nonisolated(unsafe) static let sha3_256 = fetch(DigestAlgorithm.sha3_256.openSSLName)
    nonisolated(unsafe) static let sm3 = fetch(DigestAlgorithm.sm3.openSSLName)
    nonisolated(unsafe) static let blake2b512 = fetch(DigestAlgorithm.blake2b512.openSSLName)
    nonisolated(unsafe) static let hmac: OpaquePointer = {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else {
            fatalError("OpenSSL has no HMAC: \(OpenSSLError.lastMessage())")
        }
        return mac
    }()
}

enum OpenSSLError {
    /// The most recent error on OpenSSL's per-thread queue, cleared after.
    static func lastMessage() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        if code == 0 { return "unknown error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func fail(_ what: String) -> EvidenceError {
        EvidenceError.io("openssl: \(what): \(lastMessage())")
    }
}

/// An incremental plain digest or HMAC. A context is reusable: `finalize()`
/// resets it for the next message, so hot loops (Merkle nodes, many small
/// records) allocate nothing per message. Not thread-safe; use one per thread.
public final class HashContext {
    private enum State {
        case digest(OpaquePointer, DigestAlgorithm)   // EVP_MD_CTX*
        case mac(OpaquePointer, DigestAlgorithm)      // EVP_MAC_CTX*
    }
    private let state: State
    private let key: [UInt8]

    /// A plain digest context.
    public init(_ algorithm: DigestAlgorithm) {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed") }
        state = .digest(ctx, algorithm)
        key = []
        reset()
    }

    /// An HMAC context keyed with `key` over `algorithm`.
    public init(hmac algorithm: DigestAlgorithm, key: [UInt8]) {
        guard let ctx = EVP_MAC_CTX_new(FetchedDigests.hmac) else { fatalError("EVP_MAC_CTX_new failed") }
        state = .mac(ctx, algorithm)
        self.key = key
        reset()
    }

    deinit {
        switch state {
        case .digest(let ctx, _): EVP_MD_CTX_free(ctx)
        case .mac(let ctx, _): EVP_MAC_CTX_free(ctx)
        }
    }

    public var outputSize: Int {
        switch state {
        case .digest(_, let a), .mac(_, let a): return a.outputSize
        }
    }

    private func reset() {
        switch state {
        case .digest(let ctx, let algorithm):
            guard EVP_DigestInit_ex2(ctx, algorithm.md, nil) == 1 else {
                fatalError("EVP_DigestInit_ex2: \(OpenSSLError.lastMessage())")
            }
        case .mac(let ctx, let algorithm):
            var name = Array(algorithm.openSSLName.utf8CString)
            let ok: Int32 = name.withUnsafeMutableBufferPointer { namePointer in
                var params = [
                    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, namePointer.baseAddress, 0),
                    OSSL_PARAM_construct_end(),
                ]
                return key.withUnsafeBufferPointer { k in
                    // An empty key still needs a non-null pointer.
                    var none: UInt8 = 0
                    return EVP_MAC_init(ctx, k.baseAddress ?? withUnsafePointer(to: &none) { $0 }, k.count, &params)
                }
            }
            guard ok == 1 else { fatalError("EVP_MAC_init: \(OpenSSLError.lastMessage())") }
        }
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let ok: Int32
        switch state {
        case .digest(let ctx, _): ok = EVP_DigestUpdate(ctx, base, bytes.count)
        case .mac(let ctx, _): ok = EVP_MAC_update(ctx, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
        precondition(ok == 1, "hash update failed: \(OpenSSLError.lastMessage())")
    }

    public func update<Bytes: ContiguousBytes>(_ bytes: Bytes) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func update(_ string: String) {
        var s = string
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Writes the digest to `output` (at least `outputSize` bytes) and resets.
    public func finalize(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= outputSize)
        let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        switch state {
        case .digest(let ctx, _):
            var length: UInt32 = 0
            precondition(EVP_DigestFinal_ex(ctx, out, &length) == 1, OpenSSLError.lastMessage())
        case .mac(let ctx, _):
            var length = 0
            precondition(EVP_MAC_final(ctx, out, &length, output.count) == 1, OpenSSLError.lastMessage())
        }
        reset()
    }

    /// The digest of everything updated since the last finalize; resets.
    public func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: outputSize) { buffer, count in
            finalize(into: UnsafeMutableRawBufferPointer(buffer))
            count = outputSize
        }
    }
}

extension DigestAlgorithm {
    /// One-shot digest of `bytes`.
    public func hash<Bytes: ContiguousBytes>(_ bytes: Bytes) -> [UInt8] {
        let context = HashContext(self)
        context.update(bytes)
        return context.finalize()
    }
}

/// One-shot SHA-256 of short messages straight into a caller's buffer: no
/// context object, no allocation, no provider lookup, for hot loops that
/// hash millions of small messages (Merkle leaves and nodes, the contract
/// index's nodes and chains). A Merkle node is 65 bytes, one or two
/// compression blocks: an EVP context's init and final cost as much as the
/// hashing, and libcrypto's own `SHA256()` looks the digest up in the
/// provider on every call. So these use the low-level SHA256_* functions
/// (deprecated in OpenSSL 3, kept, and running the same SHA-NI code).
public enum OneShotSHA256 {
    public static let outputSize = 32

    /// Writes SHA-256(`input`) to the 32 bytes at `output`.
    @inline(__always)
    public static func hash(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer) {
        evidence_sha256(input.baseAddress, input.count, output.assumingMemoryBound(to: UInt8.self))
    }

    /// Writes SHA-256(`prefix` || `a` || `b`) to `output` (at least 32 bytes):
    /// a domain-separated hash without assembling its input.
    @inline(__always)
    public static func hash(prefix: UInt8, _ a: UnsafeRawBufferPointer,
                            _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                            into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= outputSize, "a SHA-256 digest is 32 bytes")
        evidence_sha256_prefixed(prefix, a.baseAddress, a.count, b.baseAddress, b.count,
                                 output.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }
}

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public enum SecureRandom {
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        precondition(RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1,
                     "RAND_bytes failed: \(OpenSSLError.lastMessage())")
    }

    public static func bytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }
}

/// Compares two byte strings in time that depends only on their lengths
/// (CRYPTO_memcmp), for MACs and other secrets.
/// `constantTimeEqual` of two strings' UTF-8 bytes (hex digests), without
/// copying them into arrays.
public func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    var (a, b) = (a, b)
    return a.withUTF8 { pa in
        b.withUTF8 { pb in
            pa.count == pb.count && (pa.isEmpty || CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, pa.count) == 0)
        }
    }
}

public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { pa in
        b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 }
    }
}

/// Ed25519 (RFC 8032) through EVP_PKEY with raw 32-byte keys, as the C2SP
/// signed-note format stores them.
public enum Ed25519 {
    public static let seedSize = 32
    public static let publicKeySize = 32
    public static let signatureSize = 64

    /// A new private key seed from the DRBG.
    public static func generateSeed() -> [UInt8] { SecureRandom.bytes(seedSize) }

    private static func privateKey(_ seed: [UInt8]) throws -> OpaquePointer {
        guard seed.count == seedSize,
              let key = seed.withUnsafeBufferPointer({
                  EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, seedSize)
              }) else {
            throw EvidenceError.input("invalid Ed25519 private key")
        }
        return key
    }

    /// The public key belonging to a private seed.
    public static func publicKey(seed: [UInt8]) throws -> [UInt8] {
        let key = try privateKey(seed)
        defer { EVP_PKEY_free(key) }
        var length = publicKeySize
        var out = [UInt8](repeating: 0, count: publicKeySize)
        guard EVP_PKEY_get_raw_public_key(key, &out, &length) == 1, length == publicKeySize else {
            throw OpenSSLError.fail("EVP_PKEY_get_raw_public_key")
        }
        return out
    }

    public static func sign(_ message: [UInt8], seed: [UInt8]) throws -> [UInt8] {
        let key = try privateKey(seed)
        defer { EVP_PKEY_free(key) }
        guard let ctx = EVP_MD_CTX_new() else { throw OpenSSLError.fail("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, nil, nil, key) == 1 else {
            throw OpenSSLError.fail("EVP_DigestSignInit")
        }
        var signature = [UInt8](repeating: 0, count: signatureSize)
        var length = signatureSize
        let ok = message.withUnsafeBufferPointer { m in
            EVP_DigestSign(ctx, &signature, &length, m.baseAddress, m.count)
        }
        guard ok == 1, length == signatureSize else { throw OpenSSLError.fail("EVP_DigestSign") }
        return signature
    }

    /// True when `signature` is a valid Ed25519 signature of `message` under `publicKey`.
    public static func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == signatureSize, publicKey.count == publicKeySize,
              let key = publicKey.withUnsafeBufferPointer({
                  EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, publicKeySize)
              }) else {
            ERR_clear_error()
            return false
        }
        defer { EVP_PKEY_free(key) }
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, key) == 1 else { ERR_clear_error(); return false }
        let ok = message.withUnsafeBufferPointer { m in
            EVP_DigestVerify(ctx, signature, signature.count, m.baseAddress, m.count)
        }
        ERR_clear_error()
        return ok == 1
    }
}
