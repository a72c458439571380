/// How a long library operation tells its caller how far it got: items and
/// bytes done so far. It may be called from worker threads (one call at a
/// time, so the counts only grow). The library never draws anything itself;
/// EvidenceCLI's `Progress` keeps the last counts and a timer draws them on
/// stderr (on a terminal, or when `--progress` asks).
public typealias ProgressHandler = (_ items: Int, _ bytes: Int) -> Void

/// Where a library operation writes its output bytes (records, lines): stdout
/// in a tool (EvidenceCLI's StandardOutput), an array in a unit test.
public protocol ByteSink: AnyObject {
    func write(_ bytes: [UInt8])
}

/// A `ByteSink` that keeps everything in memory.
public final class ByteBuffer: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: [UInt8]) { self.bytes.append(contentsOf: bytes) }
}
