import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

/// The root command: public for the `evidence` multi-call binary.
public struct Evchain: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "evchain",
        abstract: "The append-only evidence log: RFC 9162 Merkle tree, C2SP checkpoints, cosignatures, proofs.",
        discussion: """
            CHAIN is the entries file (JSON Lines); CHAIN.hashes, CHAIN.index, CHAIN.meta and \
            CHAIN.checkpoint and CHAIN.checkpoints/ live beside it. See evchain(1).

            EXIT STATUS: 0 success; 1 a failure was found (bad proof, corrupt or torn log, \
            refused cosignature, entry not found); 2 usage or input error (nothing appended; \
            a key file readable by others); 3 I/O or environment error (file, lock, network).
            """,
        version: PackageVersion.line("evchain"),
        subcommands: [Init.self, Keygen.self, Key.self, Append.self, CheckpointCommand.self, Prove.self,
                      Consistency.self, Cosign.self, Keep.self, Audit.self, Tiles.self, Show.self, Receipt.self, Usage.self])
}
