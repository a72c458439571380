import Glibc

/// Named steps of a commit protocol at which a test can have the process
/// killed (SIGKILL, as a crash or `kill -9` would), to check that a crash
/// at each step leaves the files all-or-nothing. Unarmed (the default, and
/// always outside tests) a crash point costs one load and compare.
///
/// `EvidenceCLI` arms it from `EVIDENCE_CRASH_AT=NAME[:N]`: the process is
/// killed the Nth time (default the first) it reaches the step NAME.
public enum CrashPoint {
    nonisolated(unsafe) static var armed: (name: String, remaining: Int)? = nil

    /// Arms the crash point from a `NAME[:N]` specification; a malformed one arms nothing.
    public static func arm(_ specification: String) {
        let parts = specification.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first, !name.isEmpty else { return }
        let count = parts.count == 2 ? Int(parts[1]) ?? 0 : 1
        guard count >= 1 else { return }
        armed = (name, count)
    }

    /// Called by a commit protocol at step `name` (single-threaded callers only).
    @inline(__always)
    public static func reach(_ name: StaticString) {
        guard armed != nil else { return }
        reachArmed(String(describing: name))
    }

    private static func reachArmed(_ name: String) {
        guard let (armedName, remaining) = armed, armedName == name else { return }
        if remaining > 1 { armed = (armedName, remaining - 1); return }
        kill(getpid(), SIGKILL)
    }
}
