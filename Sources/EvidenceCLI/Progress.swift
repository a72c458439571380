import ArgumentParser
import Dispatch
import Glibc
import Synchronization
import EvidenceSupport

/// A progress line on stderr for long work: items, bytes, rate, elapsed
/// time and, when the total is known, the ETA. Shown when stderr is a
/// terminal (one line redrawn in place) or when `--progress` forces it
/// (then one line per redraw, for a log file); never otherwise.
///
/// A timer redraws every half second from the last counts reported, so a
/// step that reports nothing for minutes (one large chunk, a PSI step) is
/// still seen to be alive. The library only reports counts (ProgressHandler);
/// this class is the one place that draws.
/// @unchecked: the timer is only touched at init, by `finish` on the
/// timer's own queue, and by deinit; the counts are behind a mutex.
public final class Progress: @unchecked Sendable {
    private struct Counts {
        var items = 0
        var bytes = 0
        var totalItems: Int?
        var totalBytes: Int?
        var shown = false
        var finished = false
    }

    private let enabled: Bool
    private let terminal: Bool
    private let label: String
    private let start = Progress.nowMillis()
    private let counts = Mutex(Counts())
    private let queue = DispatchQueue(label: "progress")
    private let timer: DispatchSourceTimer?

    public init(label: String, enabled: Bool = Diagnostics.stderrIsTerminal,
                totalItems: Int? = nil, totalBytes: Int? = nil) {
        self.enabled = enabled
        self.terminal = Diagnostics.stderrIsTerminal
        self.label = label
        counts.withLock { $0.totalItems = totalItems; $0.totalBytes = totalBytes }
        guard enabled else { timer = nil; return }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        self.timer = timer
        timer.schedule(deadline: .now() + .milliseconds(500), repeating: .milliseconds(500))
        timer.setEventHandler { [weak self] in self?.draw(final: false) }
        timer.resume()
    }

    /// `--progress` / `--no-progress` as chosen, or nil: a terminal decides.
    public convenience init(label: String, _ option: ProgressOption, totalItems: Int? = nil, totalBytes: Int? = nil) {
        self.init(label: label, enabled: option.enabled, totalItems: totalItems, totalBytes: totalBytes)
    }

    private static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Records `items` and `bytes` done so far (thread-safe); the timer draws.
    public func update(items: Int, bytes: Int) {
        guard enabled else { return }
        counts.withLock { $0.items = items; $0.bytes = bytes }
    }

    /// Sets the totals once they are known (the ETA is shown from then on).
    public func setTotal(items: Int? = nil, bytes: Int? = nil) {
        guard enabled else { return }
        counts.withLock { c in
            if let items { c.totalItems = items }
            if let bytes { c.totalBytes = bytes }
        }
    }

    /// `update` as a library's ProgressHandler.
    public var handler: ProgressHandler { { [self] items, bytes in update(items: items, bytes: bytes) } }

    /// Stops the timer; on a terminal clears the line, in a file writes the
    /// last counts as a final line.
    public func finish() {
        guard enabled, let timer else { return }
        queue.sync {
            timer.cancel()
            if terminal {
                if counts.withLock({ $0.shown }) { Progress.write("\r\u{1b}[K") }
            } else {
                draw(final: true)
            }
            counts.withLock { $0.finished = true }
        }
    }

    deinit { timer?.cancel() }

    private func draw(final: Bool) {
        let c = counts.withLock { c -> Counts? in
            guard !c.finished else { return nil }
            c.shown = true
            return c
        }
        guard let c else { return }
        let seconds = Double(max(1, Progress.nowMillis() - start)) / 1000
        var text = "\(Diagnostics.program): \(label)"
        // A step that reports no counts shows that it is alive, and for how long.
        let counted = c.items > 0 || c.bytes > 0 || c.totalItems != nil || c.totalBytes != nil
        if counted {
            text += " \(Progress.count(c.items, of: c.totalItems)) item\(c.items == 1 && c.totalItems == nil ? "" : "s")"
        }
        if c.bytes > 0 || c.totalBytes != nil {
            text += ", " + Progress.size(c.bytes) + (c.totalBytes.map { " of " + Progress.size($0) } ?? "")
            text += ", " + Progress.size(Int(Double(c.bytes) / seconds)) + "/s"
        } else if c.items > 0 {
            text += ", \(Int(Double(c.items) / seconds)) items/s"
        }
        text += ", " + Progress.duration(seconds)
        if final {
            text += ", done"
        } else if let eta = Progress.eta(c, seconds: seconds) {
            text += ", ETA " + Progress.duration(eta)
        }
        Progress.write(terminal ? "\r" + text + "\u{1b}[K" : text + "\n")
    }

    /// Remaining seconds at the rate so far, by bytes when their total is
    /// known, else by items; nil before anything is done.
    private static func eta(_ c: Counts, seconds: Double) -> Double? {
        if let total = c.totalBytes, c.bytes > 0 { return Double(max(0, total - c.bytes)) * seconds / Double(c.bytes) }
        if let total = c.totalItems, c.items > 0 { return Double(max(0, total - c.items)) * seconds / Double(c.items) }
        return nil
    }

    static func count(_ n: Int, of total: Int?) -> String { total.map { "\(n) of \($0)" } ?? "\(n)" }

    static func size(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit == 0 { return "\(bytes) B" }
        return "\(Int(value * 10) / 10).\(Int(value * 10) % 10) \(units[unit])"
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60 < 10 ? "0" : "")\(s % 60)s" }
        return "\(s / 3600)h\(s / 60 % 60 < 10 ? "0" : "")\(s / 60 % 60)m"
    }

    private static func write(_ text: String) {
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}

/// `--progress` / `--no-progress`, shared by every long-running command.
public struct ProgressOption: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: "Show progress on stderr (items, bytes, rate, ETA) even when it is not a terminal, or never (default: only on a terminal).")
    public var progress: Bool?

    public init() {}

    public var enabled: Bool { progress ?? Diagnostics.stderrIsTerminal }
}
