import Glibc
import EvidenceSupport

/// The broken-pipe policy of every tool, stated in each man page's EXIT
/// STATUS: when the reader of stdout goes away (`evchain show CHAIN | head -1`)
/// the tool stops at once, quietly, with status 0, as ripgrep does — no
/// death by SIGPIPE (status 141), no message. ToolMain ignores the signal so
/// that a write fails with EPIPE instead, and `writeAll` applies the policy
/// to stdout; other pipes and sockets (a TSA connection) stay I/O errors.
public enum BrokenPipe {
    public static func ignoreSignal() { signal(SIGPIPE, SIG_IGN) }

    public static func stop() -> Never { exit(ExitStatus.success) }
}

/// Buffered stdout. Tools write whole lines, so a line is never split by a
/// crash between two `write(2)` calls of ours unless it exceeds the buffer.
public final class StandardOutput: ByteSink, @unchecked Sendable {
    public static let shared = StandardOutput(fd: 1, name: "stdout")

    private let fd: Int32
    private let name: String
    private var buffer: [UInt8] = []
    private let limit = 1 << 16

    public init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
        buffer.reserveCapacity(limit + 4096)
    }

    public func write(_ string: String) {
        var s = string
        s.withUTF8 { write(bytes: UnsafeRawBufferPointer($0)) }
    }

    public func write(bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= limit { flush() }
    }

    public func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= limit { flush() }
    }

    /// Flushes; a failure to write stdout (a closed pipe, a full disk) ends
    /// the process with the I/O status, as there is nowhere left to report.
    public func flush() {
        guard !buffer.isEmpty else { return }
        do {
            try buffer.withUnsafeBytes { try writeAll(fd: fd, $0, name: name) }
            buffer.removeAll(keepingCapacity: true)
        } catch is StdoutClosed {
            BrokenPipe.stop()
        } catch {
            buffer.removeAll()
            Diagnostics.report(error as! EvidenceError)
            exit(ExitStatus.io)
        }
    }
}

/// Diagnostics on stderr as `program: location: message`. Every one is
/// made safe for a terminal here: control characters (escape sequences from
/// a file name or an input value), line breaks and invisible formatting are
/// shown as markers such as `[U+001B]` (DisplayText.visible).
public enum Diagnostics {
    nonisolated(unsafe) public static var program = "evidence"

    public static func warn(_ message: String) {
        let line = "\(program): \(DisplayText.visible(message, keepingLines: false))\n"
        line.utf8CString.withUnsafeBufferPointer { p in
            _ = try? writeAll(fd: 2, UnsafeRawBufferPointer(start: p.baseAddress, count: p.count - 1), name: "stderr")
        }
    }

    public static func report(_ error: EvidenceError) {
        warn(error.description)
    }

    /// True when stderr is a terminal: progress lines are shown only then.
    public static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

extension StandardOutput {
    /// Writes one JSON value as one line.
    public func writeLine(_ value: JSONValue) {
        var w = JSONWriter()
        w.write(value)
        w.writeRaw("\n")
        write(w.bytes)
    }
}
