import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

/// The root command: public for the `evidence` multi-call binary.
public struct Evverify: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "evverify",
        abstract: "Check originals against the evidence log; issue and check custody certificates.",
        discussion: """
            EXIT STATUS: 0 every item is ok (or the certificate, or the receipt, holds); 1 an item is not ok \
            (mismatch, missing — including a missing original or, with --complete, an entry not \
            presented — or unproven), a receipt given with --receipts is not borne out by the case, \
            or the certificate or receipt does not hold; 2 usage or input error \
            (also: neither --witness-key nor --no-witness, evidence records with --root, two \
            items with one id, no items at all — an empty input); 3 I/O error.
            """,
        version: PackageVersion.line("evverify"),
        subcommands: [Check.self, Certify.self, CheckCert.self, CheckReceipt.self],
        defaultSubcommand: Check.self)
}
