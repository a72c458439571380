import Glibc

/// A file descriptor with the few POSIX operations a durable append-only
/// store needs: positioned reads and writes, fsync, truncate and flock.
/// Every failure is an I/O error naming the file (exit status 3).
public final class DurableFile {
    public let path: String
    public let fd: Int32

    public enum Lock { case shared, exclusive }

    /// Opens `path` with `flags` (O_CLOEXEC is added); `mode` for O_CREAT.
    public init(_ path: String, flags: Int32, mode: mode_t = 0o644) throws {
        self.path = path
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DurableFile.error("cannot open", path) }
        self.fd = fd
    }

    deinit { close(fd) }

    public static func error(_ what: String, _ path: String) -> EvidenceError {
        EvidenceError.io("\(what): \(String(cString: strerror(errno)))", at: path)
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Blocks until the lock is held; released when the file is closed.
    public func lock(_ kind: Lock) throws {
        while flock(fd, kind == .shared ? LOCK_SH : LOCK_EX) != 0 {
            if errno == EINTR { continue }
            throw DurableFile.error("cannot lock", path)
        }
    }

    public func size() throws -> UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DurableFile.error("cannot stat", path) }
        return UInt64(st.st_size)
    }

    public func mode() throws -> mode_t {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DurableFile.error("cannot stat", path) }
        return st.st_mode & 0o7777
    }

    /// Reads exactly `count` bytes at `offset`; fewer only at end of file.
    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let done = try out.withUnsafeMutableBytes { try read(at: offset, filling: $0) }
        if done < count { out.removeLast(count - done) }
        return out
    }

    /// Fills `buffer` with the bytes at `offset`; returns how many were
    /// read, fewer than `buffer.count` only at end of file.
    public func read(at offset: UInt64, filling buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw DurableFile.error("read error", path)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many.
    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = pread(fd, buffer.baseAddress!, buffer.count, off_t(offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw DurableFile.error("read error", path)
            }
            return n
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw DurableFile.error("write error", path)
            }
            done += n
        }
    }

    public func write(_ bytes: [UInt8], at offset: UInt64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    public func sync() throws {
        guard fsync(fd) == 0 else { throw DurableFile.error("fsync failed", path) }
    }

    public func truncate(to size: UInt64) throws {
        guard ftruncate(fd, off_t(size)) == 0 else { throw DurableFile.error("cannot truncate", path) }
    }

    /// The most a whole-file input (checkpoint, certificate, case file, key,
    /// state, proof) may hold: 16 MiB. Past it the file is refused as bad
    /// input (exit 2), not read into memory and copied into every output.
    public static let wholeFileLimit = 16 << 20

    /// The whole file, read to its end — pipes, `/dev/stdin` and `<(…)`
    /// included, whose size fstat does not know — and refused past `limit`.
    public static func readAll(_ path: String) throws -> [UInt8] { try readAll(path, limit: wholeFileLimit) }

    public static func readAll(_ path: String, limit: Int) throws -> [UInt8] {
        let file = try DurableFile(path, flags: O_RDONLY)
        var st = stat()
        if fstat(file.fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > limit {
            throw tooLarge(path, limit)
        }
        return try readToEnd(fd: file.fd, name: path, limit: limit)
    }

    /// Everything left on `fd` (e.g. 0, named "stdin"), refused past `limit`.
    public static func readToEnd(fd: Int32, name: String, limit: Int = wholeFileLimit) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DurableFile.error("read error", name)
            }
            if n == 0 { return out }
            if out.count + n > limit { throw tooLarge(name, limit) }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    static func tooLarge(_ name: String, _ limit: Int) -> EvidenceError {
        let size = limit % (1 << 20) == 0 ? "\(limit >> 20) MiB" : "\(limit) bytes"
        return EvidenceError.input("larger than \(size), the limit for a whole-file input", at: name)
    }

    /// fsync of the directory holding `path`, so a new name survives a crash.
    public static func syncDirectory(of path: String) throws {
        let dir = directory(of: path)
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw error("cannot open directory", dir) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw error("fsync failed", dir) }
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// Replaces `path` atomically: a temporary beside it, fsync, rename,
    /// fsync of the directory. Readers see the old or the new file, never a mix.
    public static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o644) throws {
        let temporary = "\(path).tmp.\(getpid())"
        do {
            let file = try DurableFile(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
            try file.write(bytes, at: 0)
            try file.sync()
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let e = DurableFile.error("cannot rename \(temporary)", path)
            unlink(temporary)
            throw e
        }
        try syncDirectory(of: path)
    }

    /// Creates `path` with exactly `bytes`, failing if it exists. The bytes
    /// go to a temporary beside it (O_EXCL|O_NOFOLLOW), are fsync'd, and the
    /// temporary is linked into place: link(2) never replaces an existing
    /// name, and a crash leaves either no file or the whole one.
    public static func create(_ path: String, with bytes: [UInt8], mode: mode_t) throws {
        let temporary = "\(path).tmp.\(getpid())"
        // Opened before the cleanup is armed: a name O_EXCL refused is not ours to remove.
        let file = try DurableFile(temporary, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: mode)
        defer { unlink(temporary) }
        // The umask may have removed bits; it must not have added any, but
        // set the mode exactly so a 0600 key file is 0600.
        guard fchmod(file.fd, mode) == 0 else { throw DurableFile.error("cannot chmod", path) }
        try file.write(bytes, at: 0)
        try file.sync()
        guard link(temporary, path) == 0 else { throw DurableFile.error("cannot create", path) }
        try syncDirectory(of: path)
    }
}
