import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

extension Evverify {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Verify items against the log (the default subcommand).",
            discussion: "Prints one verdict per item: status ok, mismatch, missing or unproven; with --text, then what was checked of the witnesses.")

        @OptionGroup var trust: TrustOptions
        @OptionGroup var items: ItemOptions

        @Flag(help: "Print 'id: OK' / 'id: FAILED (reason)' lines and a summary, like sha256sum -c.")
        var text = false

        @Flag(help: "With --text: do not print OK lines.")
        var quiet = false

        @Flag(help: "Print nothing; the exit status tells.")
        var status = false

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "checking", progressOption)
            defer { progress.finish() }
            let (text, quiet, status) = (text, quiet, status)
            let (verifier, report) = try items.verify(trust, render: { v in
                if status || (quiet && v.status == .ok) { return [] }
                return text || quiet ? Array((v.textLine + "\n").utf8) : v.jsonLine
            }, progress: progress)
            let out = StandardOutput.shared
            try report.output?.write(to: out)
            if text && !quiet && !status {
                out.write(verifier.trust.witnessSummary + "\n")
                if let summary = report.indexSummary { out.write(summary + "\n") }
                for receipt in report.receipts { out.write(receipt.textLine + "\n") }
            }
            if report.failures > 0 {
                out.flush()
                // Completeness is a finding about a contract, not an item: said on stderr.
                if !status { for failure in report.completenessFailures { Diagnostics.warn(failure) } }
                // So is a receipt's: each finding names the receipt.
                if !status { for finding in report.receipts.flatMap(\.findings) { Diagnostics.warn(finding) } }
                if (text || quiet) && !status {
                    Diagnostics.warn("\(report.failures) of \(report.count) item\(report.count == 1 ? "" : "s") FAILED")
                }
                throw ToolExit(ExitStatus.failure)
            }
        }
    }
}
