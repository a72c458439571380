import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

struct Consistency: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "An RFC 9162 consistency proof between two tree sizes.",
        discussion: #"""
            Prints {"old_size","new_size","old_root","new_root","proof"} (hex hashes). There is no proof \
            from size 0 (RFC 9162 defines none): the first checkpoint goes to the notary without one \
            ('evchain cosign --init').
            """#)
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("The older tree size (at least 1).", valueName: "n")) var from: UInt64
    @Option(help: ArgumentHelp("The newer tree size (default: the chain's, or --checkpoint's).", valueName: "m")) var to: UInt64?
    @Option(help: ArgumentHelp("Prove up to this checkpoint's size.", valueName: "file")) var checkpoint: String?

    func run() throws {
        let store = try ChainStore(path: chain, access: .read)
        var target = try to ?? store.size()
        if let checkpoint {
            let cp = try store.matchCheckpoint(try DurableFile.readAll(checkpoint))
            if let to, to != cp.checkpoint.size { throw ValidationError("--to differs from the checkpoint's size") }
            target = cp.checkpoint.size
        }
        StandardOutput.shared.writeLine(try store.consistencyProof(from: from, to: target).json)
    }
}
