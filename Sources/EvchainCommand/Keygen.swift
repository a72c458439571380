import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidenceSupport

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an Ed25519 signed-note key pair.",
        discussion: """
            The private key goes to --out (created 0600, never overwritten), its verifier key to \
            --out's name with .pub added (0644, never overwritten); the verifier key is also printed. \
            Every option that takes a verifier key takes the .pub file.
            """)
    @Option(help: ArgumentHelp("Key name (the log's origin, or the witness's name).", valueName: "name")) var name: String
    @Option(help: ArgumentHelp("Private key file to create.", valueName: "file")) var out: String
    @Flag(help: "A witness key (tlog-cosignature/v1, signature type 0x04) for the notary.") var witness = false

    func run() throws {
        let key = try NoteSignerKey.generate(name: name, type: witness ? .cosignatureV1 : .ed25519)
        try KeyFile.create(key, at: out)
        StandardOutput.shared.write(key.verifierKey.encoded + "\n")
    }
}
