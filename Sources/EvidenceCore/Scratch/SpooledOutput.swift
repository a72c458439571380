import EvidenceSupport

/// Output held back until a run has read all of its input, in memory
/// bounded by a setting: past `memory` bytes it goes on to an unnamed
/// scratch file (`SpillFile`). `evverify` writes nothing when any item is
/// bad (an input error at the last line must not leave the verdicts before
/// it looking like a whole run's), yet a run of ten million items renders
/// gigabytes of verdicts.
public final class SpooledOutput: @unchecked Sendable {
    // @unchecked: used by one thread at a time (the run, then its writer).

    /// The default bound on what is kept in memory.
    public static let defaultMemory = 8 << 20

    private let memory: Int
    private let directory: String
    private var held: [UInt8] = []
    private var spill: SpillFile?
    /// Bytes written so far, in memory and on disk.
    public private(set) var count = 0

    public init(memory: Int = SpooledOutput.defaultMemory, directory: String = RecordIDTable.defaultDirectory) {
        self.memory = max(memory, 1)
        self.directory = directory
    }

    /// Keeps `bytes` after everything appended before.
    public func append(_ bytes: [UInt8]) throws {
        count += bytes.count
        held.append(contentsOf: bytes)
        if held.count >= memory { try spillHeld() }
    }

    private func spillHeld() throws {
        if spill == nil { spill = try SpillFile(directory: directory, purpose: "the verdicts held back") }
        try spill!.write(held, at: spill!.size)
        held.removeAll(keepingCapacity: true)
    }

    /// Whether any of it went to disk (for tests and the bench).
    public var spilled: Bool { spill != nil }

    /// Writes everything to `sink`, in order, a block at a time.
    public func write(to sink: some ByteSink) throws {
        if let spill {
            let block = 1 << 20
            var buffer = [UInt8](repeating: 0, count: block)
            var offset = 0
            while offset < spill.size {
                let n = min(block, spill.size - offset)
                try spill.read(into: &buffer, count: n, at: offset)
                sink.write(n == block ? buffer : Array(buffer[..<n]))
                offset += n
            }
        }
        if !held.isEmpty { sink.write(held) }
    }
}
