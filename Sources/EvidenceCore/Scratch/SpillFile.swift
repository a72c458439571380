import Glibc
import EvidenceSupport

/// A scratch file with no name, for what a run must keep but not in memory
/// (`RecordIDTable`'s runs, `SpooledOutput`'s held-back output): made with O_TMPFILE, or named and unlinked at
/// once where the filesystem has no O_TMPFILE, so a killed run leaves
/// nothing behind and no other process can find it. Its pages may stay in
/// the page cache, which is the kernel's to drop, not the process's memory.
final class SpillFile {
    private let fd: Int32
    private(set) var size = 0
    /// What it holds, for error messages ("the id table").
    private let purpose: String

    /// Linux's O_TMPFILE (`__O_TMPFILE | O_DIRECTORY`), which the Glibc
    /// module does not show (it is under _GNU_SOURCE).
    static let openTemporary: Int32 = 0o20_200_000

    init(directory: String, purpose: String = "the id table") throws {
        self.purpose = purpose
        var fd = open(directory, Self.openTemporary | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) {
            var template = Array("\(directory)/evidence-scratch.XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if fd >= 0 {
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        guard fd >= 0 else {
            throw EvidenceError.io("cannot make a scratch file for \(purpose): \(String(cString: strerror(errno)))", at: directory)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Writes `bytes` at `offset` (the file grows to hold them).
    func write(_ bytes: [UInt8], at offset: Int) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw EvidenceError.io("cannot write the scratch file of \(purpose): \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
        size = max(size, offset + bytes.count)
    }

    /// Reads `count` bytes at `offset` into the start of `buffer`.
    func read(into buffer: inout [UInt8], count: Int, at offset: Int) throws {
        try buffer.withUnsafeMutableBytes { buffer in
            var done = 0
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw EvidenceError.io("cannot read the scratch file of \(purpose): \(n < 0 ? String(cString: strerror(errno)) : "short read")")
                }
                done += n
            }
        }
    }
}
