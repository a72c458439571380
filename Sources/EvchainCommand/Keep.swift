import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

struct Keep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep a cosigned checkpoint among the log's past checkpoints.",
        discussion: """
            Adds the signature lines of FILE (a checkpoint of this chain, as the notary returned \
            it) to the kept checkpoint of its tree size in CHAIN.checkpoints/, and its RFC 3161 \
            token (--timestamp, default FILE.tsr when present) when none is kept for that size. \
            A checkpoint whose origin or root is not this chain's is refused (exit 1).
            """)
    @Argument(help: "The chain.") var chain: String
    @Argument(help: ArgumentHelp("The checkpoint ('-' or none: stdin).", valueName: "file")) var file: String?
    @Option(help: ArgumentHelp("Its timestamp token (default: FILE.tsr when present).", valueName: "file"))
    var timestamp: String?

    func run() throws {
        let store = try ChainStore(path: chain, access: .read)
        let bytes: [UInt8]
        if let file, file != "-" { bytes = try DurableFile.readAll(file) } else {
            if isatty(0) == 1 { throw EvidenceError.usage("refusing to read a checkpoint from a terminal") }
            bytes = try DurableFile.readToEnd(fd: 0, name: "stdin", limit: 1 << 20)
        }
        do { _ = try store.matchCheckpoint(bytes) } catch let e as EvidenceError { throw e.located(file ?? "stdin") }
        let tokenPath = timestamp ?? file.flatMap { $0 == "-" ? nil : $0 + ".tsr" }
        let token = try tokenPath.flatMap { p in timestamp != nil || DurableFile.exists(p) ? try DurableFile.readAll(p) : nil }
        try KeptCheckpoints.keep(bytes, token: token, in: KeptCheckpoints.directory(ofChain: chain))
    }
}
