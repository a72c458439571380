import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print committed entries as JSON Lines, filtered.")
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("Only entries of this contract.", valueName: "id")) var contract: String?
    @Option(help: ArgumentHelp("Only entries of this stage.", valueName: "stage")) var stage: String?
    @Option(help: ArgumentHelp("First seq.", valueName: "seq")) var from: UInt64 = 0
    @Option(help: ArgumentHelp("Last seq (inclusive).", valueName: "seq")) var to: UInt64?

    func run() throws {
        let store = try ChainStore(path: chain, access: .read)
        try store.show(from: from, through: to, contract: contract, stage: stage) { StandardOutput.shared.write($0) }
    }
}
