import Glibc
import EvidenceSupport

/// A file read in small pieces at scattered offsets, one `pread` each: an
/// entry's line, two index offsets, a few lookup records. Mapping the file
/// instead would cost a page fault per read, and on Linux 6 a fault maps
/// the folio around the page too (64 KiB and more), all of it in the
/// resident set until dropped again; a `pread` of a few hundred bytes
/// copies just those from the page cache.
///
/// Only the bytes that exist when it is opened are read (readers trust
/// only what the index committed before).
final class PositionalFile: @unchecked Sendable {
    let path: String
    let fd: Int32
    /// The file's size when opened: reads stop there.
    let size: Int

    init(_ path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EvidenceError.io("cannot open: \(String(cString: strerror(errno)))", at: path) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw EvidenceError.io("cannot stat: \(message)", at: path)
        }
        size = Int(st.st_size)
    }

    deinit { close(fd) }

    /// Fills `buffer` with the bytes at `offset`; false when they are not
    /// all below `size` or cannot be read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Bool {
        guard offset >= 0, buffer.count <= size, offset <= size - buffer.count else { return false }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}
