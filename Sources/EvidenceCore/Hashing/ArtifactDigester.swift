import Glibc
import EvidenceCrypto
import EvidenceSupport

/// Which digests to compute for each artifact: one or more algorithms,
/// all plain or all keyed with the same HMAC key.
public struct DigestPlan: Sendable {
    public let algorithms: [RecordAlgorithm]
    public let key: HMACKey?

    public init(algorithms: [DigestAlgorithm], key: HMACKey?) throws {
        guard !algorithms.isEmpty else { throw EvidenceError.usage("no digest algorithm given") }
        guard Set(algorithms).count == algorithms.count else {
            throw EvidenceError.usage("an algorithm is named twice")
        }
        self.algorithms = algorithms.map { RecordAlgorithm($0, keyed: key != nil) }
        self.key = key
    }

    /// Parses `--alg sha256,sm3`.
    public static func parseAlgorithms(_ list: String) throws -> [DigestAlgorithm] {
        try list.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let a = DigestAlgorithm(rawValue: String(part)) else {
                throw EvidenceError.usage("unknown algorithm \"\(part)\" (expected \(DigestAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return a
        }
    }
}

/// The digests of one artifact, first algorithm first.
public struct ArtifactDigest: Sendable {
    public var size: Int
    public var hex: [String]
}

/// Streams bytes through every algorithm of a plan in one pass, in a fixed
/// buffer, so a file of any size costs the same memory. One per thread.
public final class ArtifactDigester {
    public static let bufferSize = 1 << 20

    private let contexts: [HashContext]
    private let buffer: UnsafeMutableRawPointer

    public init(_ plan: DigestPlan) {
        contexts = plan.algorithms.map { $0.makeContext(key: plan.key?.bytes) }
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferSize, alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// Digests an open file descriptor from its current offset to the end.
    public func digest(fd: Int32, name: String) throws -> ArtifactDigest {
        let size = try update(fd: fd, name: name)
        return ArtifactDigest(size: size, hex: contexts.map { Hex.encode($0.finalize()) })
    }

    /// Feeds every context the rest of the file; its byte count.
    private func update(fd: Int32, name: String) throws -> Int {
        var size = 0
        while true {
            let n = read(fd, buffer, Self.bufferSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw EvidenceError.io("read error: \(String(cString: strerror(errno)))", at: name)
            }
            if n == 0 { return size }
            let chunk = UnsafeRawBufferPointer(start: buffer, count: n)
            for c in contexts { c.update(chunk) }
            size += n
        }
    }

    /// The lowercase hex digest of a regular file opened for reading (of
    /// `size` bytes when opened) under the plan's first algorithm:
    /// `digest(regularFile:)` without the arrays around the one string a
    /// verifier compares.
    public func hexDigest(regularFile fd: Int32, size: Int, name: String) throws -> String {
        if size > Self.bufferSize { posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL)) }
        _ = try update(fd: fd, name: name)
        for c in contexts.dropFirst() { _ = c.finalize() }
        return withUnsafeTemporaryAllocation(byteCount: 64, alignment: 8) { digest in
            contexts[0].finalize(into: digest)
            return Hex.encode(UnsafeBufferPointer(start: digest.baseAddress!.assumingMemoryBound(to: UInt8.self), count: contexts[0].outputSize))
        }
    }

    /// Opens and digests a regular file.
    public func digest(path: String) throws -> ArtifactDigest {
        var size = 0
        let fd = try RegularFile.open(path, size: &size)
        defer { close(fd) }
        return try digest(regularFile: fd, size: size, name: path)
    }

    /// Digests a regular file opened for reading (of `size` bytes when
    /// opened), from its start; the caller closes it.
    public func digest(regularFile fd: Int32, size: Int, name: String) throws -> ArtifactDigest {
        // One read takes a small file whole: readahead advice would be a
        // system call for nothing.
        if size > Self.bufferSize { posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL)) }
        return try digest(fd: fd, name: name)
    }

    /// Appends the lowercase hex digest of `bytes` under the plan's first
    /// algorithm to `hex`, with no `String` in between: the inline fast
    /// path, for a plan of one algorithm.
    func appendHexDigest(of bytes: UnsafeRawBufferPointer, to hex: inout [UInt8]) {
        let context = contexts[0]
        context.update(bytes)
        withUnsafeTemporaryAllocation(byteCount: 64, alignment: 8) { digest in
            context.finalize(into: digest)
            let table: StaticString = "0123456789abcdef"
            let d = table.utf8Start
            for i in 0 ..< context.outputSize {
                let b = digest[i]
                hex.append(d[Int(b >> 4)])
                hex.append(d[Int(b & 0x0f)])
            }
        }
    }

    /// Digests bytes in memory (the JCS form of an inline record).
    public func digest(bytes: [UInt8]) -> ArtifactDigest {
        bytes.withUnsafeBytes { raw in
            for c in contexts { c.update(raw) }
        }
        return ArtifactDigest(size: bytes.count, hex: contexts.map { Hex.encode($0.finalize()) })
    }
}

public enum RegularFile {
    /// Opens a file for reading, refusing directories, devices and FIFOs
    /// (a FIFO would block, a device never ends).
    public static func open(_ path: String) throws -> Int32 {
        var size = 0
        return try open(path, size: &size)
    }

    /// `open`, also giving the file's size when opened.
    public static func open(_ path: String, size: inout Int) throws -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw EvidenceError.io("cannot open: \(String(cString: strerror(errno)))", at: path)
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw EvidenceError.io("not a regular file", at: path)
        }
        size = Int(st.st_size)
        // Regular files ignore O_NONBLOCK, but clear it anyway.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }
}
