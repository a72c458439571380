import Glibc
import EvidenceSupport

/// A file mapped read-only: lookup runs and stored hashes, read many times
/// a few bytes at a time without a system call each. Only the bytes that
/// exist when it is mapped are read (readers trust only what the index
/// committed before).
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer

    /// The same file for `pread`: a read here and there need not fault in
    /// a page of the map.
    let positional: PositionalFile

    init(_ path: String) throws {
        self.path = path
        positional = try PositionalFile(path)
        let count = positional.size
        if count == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, count, PROT_READ, MAP_SHARED, positional.fd, 0), p != MAP_FAILED else {
            throw EvidenceError.io("cannot map: \(String(cString: strerror(errno)))", at: path)
        }
        bytes = UnsafeRawBufferPointer(start: p, count: count)
    }

    deinit {
        if let p = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: p), bytes.count) }
    }

    /// Reads will be scattered: no readahead. (A fault still maps the whole
    /// folio the page is in, up to megabytes on Linux 6: what a run reads
    /// stays resident until `releaseResidentPages`.)
    func readsAreRandom() {
        if let p = bytes.baseAddress { madvise(UnsafeMutableRawPointer(mutating: p), bytes.count, MADV_RANDOM) }
    }

    /// Drops this process's mapping of the pages read so far (they stay in
    /// the page cache): mapped pages count in the resident set, and a run
    /// that reads a little of everything would otherwise end up holding
    /// the whole file. Only while nothing reads the map.
    func releaseResidentPages() { releaseResidentPages(0..<bytes.count) }

    /// `releaseResidentPages` for the pages of `range` (whole pages only).
    func releaseResidentPages(_ range: Range<Int>) {
        guard let p = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound / page * page
        let end = min((range.upperBound + page - 1) / page * page, bytes.count)
        guard start < end else { return }
        madvise(UnsafeMutableRawPointer(mutating: p + start), end - start, MADV_DONTNEED)
    }

    func uint64(at offset: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[offset + i]) }
        return v
    }
}
