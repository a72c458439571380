import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidenceSupport

extension Evverify {
    struct CheckCert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-cert",
            abstract: "Re-verify a custody certificate offline, naming any altered field.")

        @Argument(help: ArgumentHelp("The certificate file ('-' for stdin).", valueName: "cert"))
        var certificate: String

        @Option(name: .customLong("issuer-key"), help: ArgumentHelp("The issuer's verifier key.", valueName: "vkey"))
        var issuerKey: String

        @OptionGroup var keys: KeyOptions

        @Flag(name: .customLong("accept-bank-index"), help: "Accept a completeness claim whose contract index no --index-witness vouched for (the bank's own signature alone).")
        var acceptBankIndex = false

        @Flag(help: "Print findings as text lines, and who issued the certificate, instead of a JSON report.")
        var text = false

        @Option(help: ArgumentHelp("Report format: json, text or html (the certificate as a print view, only when it holds).", valueName: "format"))
        var format: CertificateFormat = .json

        @Option(help: ArgumentHelp("With --format html: language of the page, zh or en.", valueName: "lang"))
        var lang: CatalogueLanguage = .zh

        @Option(name: .customLong("utc-offset"), help: ArgumentHelp("With --format html: show times at this offset from UTC, e.g. +08:00 (default: UTC).", valueName: "±hh:mm"))
        var utcOffset: String?

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            if text && format != .json && format != .text { throw ValidationError("--text is --format text: give one of them") }
            if (lang != .zh || utcOffset != nil) && format != .html {
                throw ValidationError("\(lang != .zh ? "--lang" : "--utc-offset") applies to --format html only")
            }
            let minutes = try utcOffset.map { text in
                guard let m = DisplayText.parseOffset(text) else {
                    throw ValidationError("--utc-offset takes an offset such as +08:00, -05:30 or UTC")
                }
                return m
            } ?? 0
            let format = text ? CertificateFormat.text : format
            let progress = Progress(label: "checking the certificate", progressOption)
            defer { progress.finish() }
            let requirements = try keys.requirements()
            let bytes = certificate == "-" ? try DurableFile.readAll("/dev/stdin") : try DurableFile.readAll(certificate)
            let result: CustodyCertificate.CheckResult
            do {
                result = try CustodyCertificate.check(bytes, issuerKey: try KeyFile.readVerifier(issuerKey), requirements: requirements,
                                                      acceptBankIndex: acceptBankIndex)
            } catch let e as EvidenceError {
                throw e.located(certificate == "-" ? "stdin" : certificate)
            }
            let file = certificate == "-" ? "stdin" : certificate
            switch format {
            case .html:
                // The page states what the check established: a certificate
                // that fails it gets no page, only its findings.
                guard result.isValid else {
                    for f in result.findings { Diagnostics.warn("\(file): \(f)") }
                    throw ToolExit(ExitStatus.failure)
                }
                StandardOutput.shared.write(try CertificateHTML.render(bytes, check: result, language: lang, utcOffset: minutes))
            case .text:
                let name = result.serial ?? certificate
                if result.isValid {
                    StandardOutput.shared.write("\(name): OK (\(result.items) items)\n")
                } else {
                    for f in result.findings { StandardOutput.shared.write("\(name): FAILED \(f)\n") }
                }
                if let issuer = result.issuer {
                    StandardOutput.shared.write("\(name): issued by \(DisplayText.visible(issuer.name, keepingLines: false)) (key id \(issuer.keyID))\n")
                }
                if let witnesses = result.witnessSummary { StandardOutput.shared.write(witnesses + "\n") }
            case .json:
                StandardOutput.shared.writeLine(result.json)
            }
            if !result.isValid { throw ToolExit(ExitStatus.failure) }
        }
    }
}

/// `check-cert --format`: the JSON report, text lines, or the print view.
enum CertificateFormat: String, CaseIterable, ChoiceArgument {
    case json, text, html
    static let badValueMessage = "--format takes json, text or html"
}
