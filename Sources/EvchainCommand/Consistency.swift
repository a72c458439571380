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

            With --index, prints instead the material a witness that verifies the contract index \
            needs ('evchain cosign --index'), as JSON Lines: a header {"material","old_size",\
            "new_size","frontier"}, one index proof (against the index root at the old size) per \
            contract the new entries touch, then each new entry's exact bytes; --from may then be 0.
            """#)
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("The older tree size (at least 1; with --index, 0 or more).", valueName: "n")) var from: UInt64
    @Option(help: ArgumentHelp("The newer tree size (default: the chain's, or --checkpoint's).", valueName: "m")) var to: UInt64?
    @Option(help: ArgumentHelp("Prove up to this checkpoint's size.", valueName: "file")) var checkpoint: String?
    @Flag(help: "Print the material for 'evchain cosign --index' (frontier, index proofs, entries) instead of a proof.")
    var index = false

    func run() throws {
        let store = try ChainStore(path: chain, access: .read)
        var target = try to ?? store.size()
        if let checkpoint {
            let cp = try store.matchCheckpoint(try DurableFile.readAll(checkpoint))
            if let to, to != cp.checkpoint.size { throw ValidationError("--to differs from the checkpoint's size") }
            target = cp.checkpoint.size
        }
        if index {
            try IndexWitnessMaterial.write(store: store, from: from, to: target, to: StandardOutput.shared)
            return
        }
        StandardOutput.shared.writeLine(try store.consistencyProof(from: from, to: target).json)
    }
}
