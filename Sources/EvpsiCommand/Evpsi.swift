import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

/// The root command: public for the `evidence` multi-call binary.
public struct Evpsi: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "evpsi",
        abstract: "Private set intersection, intersection-sum and private comparisons between two parties.",
        discussion: """
            Each party runs evpsi on its own machine; every protocol step is one command that \
            reads JSON Lines items and/or the peer's message file and writes the next message \
            file, so messages may travel by any transport. Party A holds the reference set, \
            party B asks. See evpsi(1) for what each party learns in each protocol.

            EXIT STATUS: 0 success; 1 the protocol ran and found a failure; 2 usage or input \
            error (bad item line, message from another session, wrong party, tampered, \
            truncated or out-of-group message); 3 I/O error.
            """,
        version: PackageVersion.line("evpsi"),
        subcommands: [PSICommand.self, SumCommand.self, CompareCommand.self, PaillierCommand.self])
}
