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
    let file: DurableFile
    /// The file's size when opened: reads stop there.
    let size: Int
    var path: String { file.path }
    var fd: Int32 { file.fd }

    init(_ path: String) throws {
        file = try DurableFile(path, flags: O_RDONLY)
        size = Int(try file.size())
    }

    /// Fills `buffer` with the bytes at `offset`; false when they are not
    /// all below `size` or cannot be read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Bool {
        guard offset >= 0, buffer.count <= size, offset <= size - buffer.count else { return false }
        return (try? file.read(at: UInt64(offset), filling: buffer)) == buffer.count
    }
}
