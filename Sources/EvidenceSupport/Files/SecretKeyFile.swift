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

/// Files holding secrets (exponents, Paillier keys): created like every
/// key file (`SecretKeyFile.create`: 0600, never over an existing file or
/// through a symlink, fsync'd, renamed into place), and refused when group
/// or world can read them (DESIGN.md, "Secrets").
public enum SecretFile {
    public static func write(_ path: String, _ bytes: [UInt8]) throws {
        try SecretKeyFile.create(path, contents: bytes)
    }

    /// State and bucket-key files: the same permission checks as key files.
    public static func read(_ path: String) throws -> [UInt8] {
        try SecretKeyFile.read(path, maximumSize: 1 << 36)
    }

    public static func writeJSON(_ path: String, _ value: JSONValue) throws {
        var w = JSONWriter()
        w.write(value)
        w.writeRaw("\n")
        try write(path, w.bytes)
    }

    public static func readJSON(_ path: String) throws -> JSONObject {
        let bytes = try read(path)
        let value: JSONValue
        do { value = try JSON.parse(bytes.last == 0x0a ? Array(bytes.dropLast()) : bytes) } catch let e as EvidenceError {
            throw e.located(path)
        }
        guard case .object(let o) = value else { throw EvidenceError.input("expected a JSON object", at: path) }
        return o
    }
}

extension String {
    /// Trims the characters of `set` (a plain string, not a CharacterSet) at both ends.
    public func trimmingCharacters(in set: String) -> String {
        let chars = Set(set.unicodeScalars)
        var scalars = Substring(self).unicodeScalars[...]
        while let f = scalars.first, chars.contains(f) { scalars.removeFirst() }
        while let l = scalars.last, chars.contains(l) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
