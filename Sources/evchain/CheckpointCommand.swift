import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidenceSupport

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign a C2SP checkpoint of the current tree.",
        discussion: """
            Prints the signed note (or writes --out) and saves it as CHAIN.checkpoint. With \
            --tsa-url, also obtains an RFC 3161 timestamp token over the note's bytes and stores \
            the response (DER) as FILE.tsr beside the checkpoint. The note and its token are also \
            kept in CHAIN.checkpoints/ (see 'evchain keep').
            """)
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("The log's private key file.", valueName: "file")) var key: String
    @Option(help: ArgumentHelp("Write the checkpoint here instead of stdout.", valueName: "file")) var out: String?
    @Option(name: .customLong("tsa-url"), help: ArgumentHelp("RFC 3161 timestamp authority (HTTP or HTTPS POST).", valueName: "url"))
    var tsaURL: String?
    @OptionGroup var network: NetworkOptions

    func run() throws {
        let signer = try KeyFile.readSigner(key)
        let store = try ChainStore(path: chain, access: .write)
        let note = try store.signCheckpoint(with: signer)
        // The token first: if the authority fails, no file has changed.
        let token = try tsaURL.map { url in try Timestamping.requestToken(for: note) {
                try network.client().post(url: url, body: $0, contentType: "application/timestamp-query",
                                    accept: "application/timestamp-reply")
            } }
        // Kept first: every checkpoint published is among the past ones.
        try KeptCheckpoints.keep(note, token: token, in: KeptCheckpoints.directory(ofChain: chain))
        try DurableFile.replace(ChainStore.checkpointPath(chain), with: note)
        if let out { try DurableFile.replace(out, with: note) }
        if let token { try DurableFile.replace((out ?? ChainStore.checkpointPath(chain)) + ".tsr", with: token) }
        if out == nil { StandardOutput.shared.write(note) }
    }
}
