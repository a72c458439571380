import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidenceSupport

extension Evverify {
    struct CheckReceipt: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-receipt",
            abstract: "Check a contract receipt offline: what it proves, and what it does not.")

        @Argument(help: ArgumentHelp("The receipt file from 'evchain receipt' ('-' for stdin).", valueName: "receipt"))
        var receipt: String

        @OptionGroup var keys: KeyOptions

        @Flag(name: .customLong("accept-bank-index"), help: "Accept \"exactly these entries\" resting on the log's own signature when no index witness cosigned.")
        var acceptBankIndex = false

        @Option(help: ArgumentHelp("Report format: json, text or html (the receipt as a print view with a QR code, only when it holds).", valueName: "format"))
        var format: CertificateFormat = .json

        @Flag(help: "Same as --format text.")
        var text = false

        func run() throws {
            if text && format != .json && format != .text { throw ValidationError("--text is --format text: give one of them") }
            let requirements = try keys.requirements()
            let file = receipt == "-" ? "stdin" : receipt
            let bytes = try DurableFile.readAll(receipt == "-" ? "/dev/stdin" : receipt)
            let result: ReceiptCheck
            do {
                result = try ReceiptCheck(try ContractReceipt(bytes: bytes), requirements: requirements,
                                          acceptBankIndex: acceptBankIndex)
            } catch let e as EvidenceError {
                throw e.located(file)
            }
            switch text ? .text : format {
            case .html:
                guard result.isValid else {
                    for f in result.findings { Diagnostics.warn("\(file): \(f)") }
                    throw ToolExit(ExitStatus.failure)
                }
                StandardOutput.shared.write(try ReceiptHTML.render(bytes, check: result))
            case .text:
                StandardOutput.shared.write(result.text)
            case .json:
                StandardOutput.shared.writeLine(result.json)
            }
            if !result.isValid { throw ToolExit(ExitStatus.failure) }
        }
    }
}
