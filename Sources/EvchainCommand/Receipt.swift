import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidenceSupport

/// A subcommand of its own, not an option of `prove`: `prove` answers
/// queries on stdin with one proof line each, for the bank's own use; a
/// receipt is one document for the data subject, found by contract (with
/// its index proof, so it shows the entries are all of the contract's), and
/// it is refused for a checkpoint no witness cosigned.
struct Receipt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a contract's receipt for its customer: its entries, their proofs, its index proof, the cosigned checkpoint.",
        discussion: """
            One JSON document (RFC 8785) on stdout; evverify check-receipt checks it offline. A checkpoint \
            with no signature besides the log's is refused unless --allow-uncosigned, a contract with no \
            entry under the checkpoint is a failure.
            """)
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("The contract (its \"contract\" field, byte for byte).", valueName: "id"))
    var contract: String
    @Option(help: ArgumentHelp("As of this cosigned checkpoint (default: CHAIN.checkpoint).", valueName: "file"))
    var checkpoint: String?
    @Option(name: .customLong("log-key"), help: ArgumentHelp("Verify the checkpoint's signature with this verifier key.", valueName: "vkey"))
    var logKey: String?
    @Option(help: ArgumentHelp("The checkpoint's RFC 3161 token (default: FILE.tsr beside --checkpoint, or the kept one).", valueName: "file"))
    var timestamp: String?
    @Flag(name: .customLong("allow-uncosigned"), help: "Issue the receipt even if no witness cosigned the checkpoint.")
    var allowUncosigned = false

    func run() throws {
        let store = try ChainStore(path: chain, access: .read)
        let logVerifier = try logKey.map(KeyFile.readVerifier)
        let cp = try store.matchCheckpoint(try checkpoint.map(DurableFile.readAll), logKey: logVerifier)
        let note = try SignedNote(parsing: Array(cp.note.utf8))
        // Any signature not the log's is a cosignature to the holder: check-receipt verifies which.
        let others = note.signatures.filter { s in
            logVerifier.map { !(s.name == $0.name && s.keyID == $0.keyID) } ?? (s.name != cp.checkpoint.origin)
        }
        if others.isEmpty && !allowUncosigned {
            throw EvidenceError.failure("the checkpoint (size \(cp.checkpoint.size)) has no cosignature: a receipt resting on the bank's "
                                        + "own signature would not help its holder against the bank ('evchain cosign', or --allow-uncosigned)")
        }
        let tokenPath: String? = timestamp ?? {
            let beside = checkpoint.map { $0 + ".tsr" }
                ?? KeptCheckpoints.tokenPath(KeptCheckpoints.directory(ofChain: chain), size: cp.checkpoint.size)
            return DurableFile.exists(beside) ? beside : nil
        }()
        let token = try tokenPath.map(DurableFile.readAll)
        let receipt = try store.receipt(contract: contract, against: cp, timestampToken: token)
        StandardOutput.shared.write(receipt.bytes + [0x0A])
    }
}
