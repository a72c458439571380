import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidenceSupport

extension Evverify {
    struct Certify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify items and issue a signed custody certificate (保管单) for them.")

        @OptionGroup var trust: TrustOptions
        @OptionGroup var items: ItemOptions

        @Option(name: .customLong("issuer-key"), help: ArgumentHelp("The issuer's private key file (evchain keygen).", valueName: "file"))
        var issuerKey: String

        @Option(help: ArgumentHelp("Write the certificate to this file instead of stdout.", valueName: "file"))
        var out: String?

        @Flag(name: .customLong("allow-failed"), help: "Issue the certificate even when an item failed (it records the failure).")
        var allowFailed = false

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "certifying", progressOption)
            defer { progress.finish() }
            let issuer = try CustodyCertificate.readIssuerKey(issuerKey)
            // Refused before any work: the trust options name every key the issuer must not be.
            let requirements = try trust.keys.requirements()
            if let dependence = CustodyCertificate.issuerDependence(issuer.verifierKey, logKey: requirements.logKey,
                                                                    witnessKeys: requirements.witnessKeys) {
                throw EvidenceError.usage("\(Setting("issuer-key")): \(dependence)")
            }
            let (verifier, report) = try items.verify(trust, progress: progress)
            if report.failures > 0 && !allowFailed {
                for v in report.verdicts where v.status != .ok { Diagnostics.warn(v.textLine) }
                for failure in report.completenessFailures { Diagnostics.warn(failure) }
                Diagnostics.warn("no certificate issued: \(report.failures) of \(report.count) items FAILED")
                throw ToolExit(ExitStatus.failure)
            }
            let certificate = try CustodyCertificate.issue(
                report: report, trust: verifier.trust, issuer: issuer, logKey: try KeyFile.readVerifier(trust.keys.logKey))
            let bytes = JCS.canonical(certificate) + [0x0a]
            if let out {
                try DurableFile.replace(out, with: bytes)
            } else {
                StandardOutput.shared.write(bytes)
            }
            if report.failures > 0 { throw ToolExit(ExitStatus.failure) }
        }
    }
}
