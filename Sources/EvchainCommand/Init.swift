import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a new, empty chain.")
    @Argument(help: "The chain file to create.") var chain: String
    @Option(help: ArgumentHelp("The log's origin, the checkpoints' first line (e.g. bank.example/evidence/2026).", valueName: "name"))
    var origin: String

    func run() throws {
        try ChainStore.initialize(path: chain, origin: origin)
    }
}
