// The one platform condition of the package. The tools are built and tested
// on Linux with glibc only (Package.swift declares no other platform), so
// every other file imports Glibc plainly and calls it without qualification.
#if !os(Linux)
#error("evidence builds on Linux (glibc) only")
#endif
import Glibc

/// The reader of stdout went away (EPIPE): not an error to report.
public struct StdoutClosed: Error, Sendable {
    public init() {}
}

/// Writes all of `bytes` to a file descriptor, retrying on EINTR and short
/// writes; throws an I/O error otherwise, and `StdoutClosed` for EPIPE on
/// stdout (the tools' broken-pipe policy, EvidenceCLI's BrokenPipe, stops quietly).
public func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer, name: String) throws {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            if errno == EPIPE && fd == STDOUT_FILENO { throw StdoutClosed() }
            throw EvidenceError.io("write error: \(String(cString: strerror(errno)))", at: name)
        }
        offset += n
    }
}

