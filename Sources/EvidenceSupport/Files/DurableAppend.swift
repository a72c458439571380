import Glibc

extension DurableFile {
    /// Appends one line (a newline is added) to the JSON Lines file `path`,
    /// creating it with `mode` if it does not exist: under an exclusive
    /// lock, at the file's end, fsync'd (and its directory when the file is
    /// new). A failed write is truncated back, so the file holds the whole
    /// line or nothing of it; a file whose last byte is not a newline (torn
    /// by someone else) is refused rather than appended to.
    public static func appendLine(_ path: String, _ line: [UInt8], mode: mode_t = 0o644) throws {
        let existed = exists(path)
        let file = try DurableFile(path, flags: O_WRONLY | O_CREAT | O_NOFOLLOW, mode: mode)
        try file.lock(.exclusive)
        let size = try file.size()
        if size > 0 {
            let reader = try DurableFile(path, flags: O_RDONLY | O_NOFOLLOW)
            guard try reader.read(at: size - 1, count: 1) == [0x0a] else {
                throw EvidenceError.input("does not end with a newline (a torn line?): not appended to", at: path)
            }
        }
        do {
            try file.write(line + [0x0a], at: size)
            try file.sync()
        } catch {
            try? file.truncate(to: size)
            throw error
        }
        if !existed { try syncDirectory(of: path) }
    }
}
