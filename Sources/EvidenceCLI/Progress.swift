import Glibc
import EvidenceSupport

/// A progress line on stderr for long work — only when stderr is a
/// terminal, never in a pipeline or a log file.
public final class Progress {
    private let enabled: Bool
    private let label: String
    private var lastShown: Int64 = 0
    private var shownAnything = false

    public init(label: String, enabled: Bool = Diagnostics.stderrIsTerminal) {
        self.enabled = enabled
        self.label = label
    }

    private static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Shows `items` and `bytes` done, at most twice a second.
    public func update(items: Int, bytes: Int) {
        guard enabled else { return }
        let now = Progress.nowMillis()
        guard now - lastShown >= 500 else { return }
        lastShown = now
        shownAnything = true
        let mib = Double(bytes) / 1_048_576
        let text = "\r\(Diagnostics.program): \(label) \(items) items, \(String(Int(mib))) MiB\u{1b}[K"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }

    /// `update` as a library's ProgressHandler.
    public var handler: ProgressHandler { { [self] items, bytes in update(items: items, bytes: bytes) } }

    /// Clears the line.
    public func finish() {
        guard enabled, shownAnything else { return }
        _ = "\r\u{1b}[K".withCString { write(2, $0, strlen($0)) }
    }
}
