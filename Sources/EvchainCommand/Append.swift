import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append evidence records (stdin) as one batch.",
        discussion: """
            Prints one receipt per record, {"seq","time","id","leaf","tree_size"}, once the batch \
            is durable. A bad line appends nothing (exit 2). Appenders are serialised by a lock. \
            A record the log already holds (its id's latest entry has the same alg and digest) is \
            not appended again: its receipt is that entry's, with "existing":true, so running a \
            batch again logs nothing twice. The same id with another digest is appended, its \
            receipt marked "relogged":true.
            """)
    @Argument(help: "The chain.") var chain: String
    @Argument(help: ArgumentHelp("Record files ('-' is stdin; default stdin).", valueName: "file")) var files: [String] = []
    @Option(help: ArgumentHelp("Bytes of entries held until the whole batch is validated (4096 to 1073741824); a larger batch is written uncommitted as it goes.", valueName: "bytes"))
    var buffer: Int = 1 << 26
    @Flag(name: .customLong("always-append"), help: "Append every record, also one the log already holds with the same id and digest.")
    var alwaysAppend = false
    @OptionGroup var progressOption: ProgressOption

    func validate() throws {
        // Before the lock is taken: a usage error never waits for another appender.
        guard files.count <= 1 else { throw ValidationError("append takes one input (stdin or one file)") }
        guard ChainStore.appendBufferRange.contains(buffer) else {
            throw ValidationError("--buffer must be from \(ChainStore.appendBufferRange.lowerBound) to \(ChainStore.appendBufferRange.upperBound) bytes")
        }
    }

    /// The clock entries are stamped with: the system's, or EVCHAIN_TIME
    /// (an RFC 3339 time; tests set a bank's clock back with it). Either way
    /// an entry's time is only the bank's word.
    static func clock() throws -> () -> Int64 {
        guard let value = getenv("EVCHAIN_TIME").map({ String(cString: $0) }) else { return { Int64(time(nil)) } }
        guard let t = RFC3339.parse(value) else {
            throw EvidenceError.usage("EVCHAIN_TIME: expected an RFC 3339 time such as 2025-12-06T10:00:00Z, found \"\(value)\"")
        }
        return { t.seconds }
    }

    func run() throws {
        let readers = try Inputs.open(files, what: "evidence records")
        let store = try ChainStore(path: chain, access: .write)
        // The input's size, when it is a file, is about the bytes to log.
        let progress = Progress(label: "appending", progressOption, totalBytes: readers[0].remainingBytes)
        let receipts: AppendReceipts
        do {
            defer { progress.finish() }
            receipts = try store.append(from: readers[0], buffer: buffer, alwaysAppend: alwaysAppend, now: try Append.clock(),
                                        progress: progress.handler)
        }
        if let removed = receipts.removedTornTail { Diagnostics.warn("\(chain): removed \(removed)") }
        if let note = receipts.contractIndexNote { Diagnostics.warn("\(chain): \(note)") }
        try receipts.forEachLine { StandardOutput.shared.write($0) }
    }
}
