import Glibc

/// Key files: created 0600 with O_EXCL (never overwritten), and refused
/// when group or others may read them, as ssh does with private keys.
public enum SecretKeyFile {
    /// Reads a secret file after checking its permissions. Errors never
    /// include the contents.
    public static func read(_ path: String, maximumSize: Int = 1 << 16) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw EvidenceError.io("cannot open secret file: \(String(cString: strerror(errno)))", at: path)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw EvidenceError.io("cannot stat secret file: \(String(cString: strerror(errno)))", at: path)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw EvidenceError.input("secret file is not a regular file", at: path)
        }
        if st.st_mode & 0o077 != 0 {
            let mode = String(st.st_mode & 0o777, radix: 8)
            throw EvidenceError.input("secret file is accessible by group or others (mode \(mode)); run chmod 600 on it", at: path)
        }
        guard Int(st.st_size) <= maximumSize else {
            throw EvidenceError.input("secret file is larger than \(maximumSize) bytes", at: path)
        }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw EvidenceError.io("cannot read secret file", at: path) }
            offset += n
        }
        return bytes
    }

    /// Creates `path` with mode 0600, failing if it exists (O_EXCL), and
    /// writes `contents` durably (fsync of the file and its directory).
    public static func create(_ path: String, contents: [UInt8]) throws {
        // O_EXCL below closes the race; this check gives the clear message.
        guard !DurableFile.exists(path) else {
            throw EvidenceError.io("cannot create key file: file exists; refusing to overwrite a key", at: path)
        }
        try DurableFile.create(path, with: contents, mode: 0o600)
    }
}

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

extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set.unicodeScalars)
        var scalars = Substring(self).unicodeScalars[...]
        while let f = scalars.first, chars.contains(f) { scalars.removeFirst() }
        while let l = scalars.last, chars.contains(l) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
