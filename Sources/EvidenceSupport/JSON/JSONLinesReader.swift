import Glibc

/// Streams JSON Lines from a file descriptor in bounded memory: one read
/// buffer that grows to at most `maximumLineLength`. CRLF is accepted, blank
/// lines are skipped, a last line without a newline still counts, and every
/// error carries `name:line`.
public final class JSONLinesReader {
    /// Lines longer than this are refused; a filter must not buffer without bound.
    public static let defaultMaximumLineLength = 16 << 20

    public let name: String
    public let maximumLineLength: Int
    /// The number of the line most recently returned (1-based).
    public private(set) var lineNumber = 0

    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0          // first unconsumed byte
    private var filled = 0         // bytes valid in buffer
    private var scanned = 0        // bytes after `start` known to hold no newline
    private var atEOF = false
    /// A read error met while filling a chunk, thrown by the next call.
    private var pendingError: Error?

    public init(fd: Int32, name: String, ownsDescriptor: Bool = false,
                maximumLineLength: Int = JSONLinesReader.defaultMaximumLineLength) {
        self.fd = fd
        self.name = name
        self.ownsDescriptor = ownsDescriptor
        self.maximumLineLength = maximumLineLength
        capacity = min(1 << 20, maximumLineLength + 1)
        buffer = .allocate(capacity: capacity)
    }

    /// Opens `path` for reading; `-` is standard input, named "stdin".
    public static func open(_ path: String,
                            maximumLineLength: Int = defaultMaximumLineLength) throws -> JSONLinesReader {
        if path == "-" {
            return JSONLinesReader(fd: 0, name: "stdin", maximumLineLength: maximumLineLength)
        }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw EvidenceError.io("cannot open: \(String(cString: strerror(errno)))", at: path)
        }
        return JSONLinesReader(fd: fd, name: path, ownsDescriptor: true, maximumLineLength: maximumLineLength)
    }

    deinit {
        buffer.deallocate()
        if ownsDescriptor { close(fd) }
    }

    /// `name:line` of the line most recently returned.
    public var location: String { "\(name):\(lineNumber)" }

    /// Calls `body` with the next non-blank line (without its line ending);
    /// nil at end of input. The bytes are valid only inside `body`.
    public func withNextLine<T>(_ body: (UnsafeRawBufferPointer) throws -> T) throws -> T? {
        while true {
            guard let (lineStart, lineEnd, next) = try findLine() else { return nil }
            lineNumber += 1
            start = next
            scanned = 0
            var end = lineEnd
            if end > lineStart && buffer[end - 1] == 0x0d { end -= 1 }
            var blank = true
            for i in lineStart..<end where buffer[i] != 0x20 && buffer[i] != 0x09 {
                blank = false
                break
            }
            if blank { continue }
            return try body(UnsafeRawBufferPointer(start: buffer + lineStart, count: end - lineStart))
        }
    }

    /// The next non-blank line's bytes, or nil at end of input.
    public func nextLine() throws -> [UInt8]? {
        try withNextLine { Array($0) }
    }

    /// The next non-blank line parsed as JSON; errors carry `name:line`.
    public func nextValue() throws -> JSONValue? {
        try withNextLine { bytes in
            do { return try JSON.parse(bytes) } catch let error as EvidenceError {
                throw error.located(location)
            }
        }
    }

    /// The next line as a JSON object; anything else is an input error.
    public func nextObject() throws -> JSONObject? {
        guard let value = try nextValue() else { return nil }
        guard case .object(let object) = value else {
            throw EvidenceError.input("expected a JSON object, found \(value.typeName)", at: location)
        }
        return object
    }

    /// The bytes not yet returned, when the input is a regular file (a
    /// hint for sizing tables); nil for a pipe or a terminal.
    public var remainingBytes: Int? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let position = lseek(fd, 0, SEEK_CUR)
        guard position >= 0 else { return nil }
        return max(0, Int(st.st_size) - Int(position)) + (filled - start)
    }

    /// The next lines, up to `maxLines` of them or about `maxBytes` bytes
    /// (at least one line), copied into one buffer; nil at end of input.
    /// A read error (an over-long line, I/O) is thrown only once the lines
    /// before it have been returned, so they are handled first.
    public func nextChunk(maxLines: Int, maxBytes: Int) throws -> LineChunk? {
        if let error = pendingError {
            pendingError = nil
            throw error
        }
        var chunk = LineChunk(name: name)
        chunk.bytes.reserveCapacity(min(maxBytes, 1 << 21))
        do {
            while chunk.count < maxLines, chunk.bytes.count < maxBytes, try withNextLine({ line -> Bool in
                chunk.bytes.append(contentsOf: line)
                return true
            }) != nil {
                chunk.ends.append(chunk.bytes.count)
                chunk.lineNumbers.append(lineNumber)
            }
        } catch {
            guard chunk.count > 0 else { throw error }
            pendingError = error
        }
        return chunk.count > 0 ? chunk : nil
    }

    /// Returns (start, end, next) of the next line in the buffer, reading as needed.
    private func findLine() throws -> (Int, Int, Int)? {
        while true {
            let searchFrom = start + scanned
            if searchFrom < filled,
               let hit = memchr(buffer + searchFrom, 0x0a, filled - searchFrom) {
                let newline = buffer.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if newline - start > maximumLineLength { throw tooLong() }
                return (start, newline, newline + 1)
            }
            scanned = filled - start
            if scanned > maximumLineLength { throw tooLong() }
            if atEOF {
                if filled > start { return (start, filled, filled) }
                return nil
            }
            try fill()
        }
    }

    private func tooLong() -> EvidenceError {
        EvidenceError.input("line longer than \(maximumLineLength) bytes", at: "\(name):\(lineNumber + 1)")
    }

    /// Moves the partial line to the front, grows if full, and reads more.
    private func fill() throws {
        if start > 0 {
            let pending = filled - start
            if pending > 0 { memmove(buffer, buffer + start, pending) }
            filled = pending
            start = 0
        }
        if filled == capacity {
            let grown = min(capacity * 2, maximumLineLength + 2)
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            bigger.update(from: buffer, count: filled)
            buffer.deallocate()
            buffer = bigger
            capacity = grown
        }
        while true {
            let n = read(fd, buffer + filled, capacity - filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw EvidenceError.io("read error: \(String(cString: strerror(errno)))", at: name)
            }
            if n == 0 { atEOF = true } else { filled += n }
            return
        }
    }
}


/// Consecutive lines of one input in one buffer, as `nextChunk` reads them,
/// to be handed out to workers in shares.
public struct LineChunk: Sendable {
    public let name: String
    public internal(set) var bytes: [UInt8] = []
    /// End offset of each line in `bytes`.
    var ends: [Int] = []
    /// Each line's number in its input (1-based; blank lines are skipped).
    public internal(set) var lineNumbers: [Int] = []

    init(name: String) { self.name = name }

    public var count: Int { ends.count }

    public func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1]) ..< ends[i] }

    /// Calls `body` with line `i`'s bytes (without its line ending).
    public func withLine<T>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let r = range(i)
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[r])) }
    }

    /// `name:line` of line `i`.
    public func location(_ i: Int) -> String { "\(name):\(lineNumbers[i])" }

    /// The lines in about `parts` contiguous shares, in order.
    public func shares(_ parts: Int) -> [LineShare] {
        let size = max(1, (count + max(parts, 1) - 1) / max(parts, 1))
        return stride(from: 0, to: count, by: size).map { LineShare(chunk: self, lines: $0 ..< min($0 + size, count)) }
    }
}

/// Some consecutive lines of a chunk: what one worker handles at a time.
public struct LineShare: Sendable {
    public let chunk: LineChunk
    public let lines: Range<Int>
}
