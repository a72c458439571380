import ArgumentParser
import EvidenceCLI
import EvidenceLog

struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keys: print the verifier key of a key file.",
        subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the verifier key (name+keyid+base64) of a private key file or a .pub file.",
            discussion: "A private key file must be mode 0600, as for signing; nothing secret is printed.")
        @Argument(help: ArgumentHelp("The key file (private, or the .pub beside it).", valueName: "file")) var file: String

        func run() throws {
            StandardOutput.shared.write(try KeyFile.verifierKey(of: file).encoded + "\n")
        }
    }
}
