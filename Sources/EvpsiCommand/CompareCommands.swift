import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidencePSI
import EvidenceSupport

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Private comparisons (eq, ge) of values held by two parties; B, the key holder, learns only the result bits.",
        subcommands: [Request.self, Respond.self, Result.self])

    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Party B: encrypt B's values (one comparison per input line).")
        @Argument(help: ArgumentHelp("B's value lines (JSON Lines); none reads stdin.", valueName: "file"))
        var files: [String] = []
        @Option(help: ArgumentHelp("Comparison: eq (a = b) or ge (a ≥ b, a being A's value).", valueName: "op"),
                transform: { try enumerated($0, refusal: "--op must be eq or ge") })
        var op: PrivateComparison.Operation = .ge
        @Option(help: ArgumentHelp("Values are signed integers of this many bits, 2…256 (ge only).", valueName: "bits"))
        var bits = PrivateComparison.defaultBits
        @OptionGroup var join: JoinOption
        @Option(name: .customLong("value"), help: ArgumentHelp("Field holding the integer value.", valueName: "field"))
        var valueField = "value"
        @OptionGroup var paillier: PaillierKeyOption
        @OptionGroup var step: OpeningStep

        func validate() throws {
            guard (2...PrivateComparison.maximumBits).contains(bits) else {
                throw ValidationError("--bits must be in 2…\(PrivateComparison.maximumBits)")
            }
        }

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "compare request", progressOption)
            defer { progress.finish() }
            let key = try paillier.load()
            let c = try step.channel()
            printSummary(try step.record.logging(c, "comparison", step: "request", party: "b", writing: [step.out, step.state]) {
                try PrivateComparison.request(
                    channel: c, items: try readLines(files), join: join.fields, valueField: valueField, op: op, bits: bits, key: key,
                    session: step.session, statePath: step.state, out: .file(step.out))
            })
        }
    }

    struct Respond: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Party A: answer each comparison with A's value of the same join key.")
        @Argument(help: ArgumentHelp("A's value lines (JSON Lines); none reads stdin.", valueName: "file"))
        var files: [String] = []
        @OptionGroup var join: JoinOption
        @Option(help: ArgumentHelp("B's request message.", valueName: "file"))
        var message: String
        @Option(name: .customLong("value"), help: ArgumentHelp("Field holding the integer value.", valueName: "field"))
        var valueField = "value"
        @Flag(name: .customLong("insecure-test-key"), help: "Accept B's key below 2048 bits, or a DGK key with t below 224 (tests only).")
        var insecure = false
        @OptionGroup var step: AnsweringStep

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "compare respond", progressOption)
            defer { progress.finish() }
            let c = try step.channel()
            printSummary(try step.record.logging(c, "comparison", step: "respond", party: "a", writing: [step.out]) {
                try PrivateComparison.respond(channel: c, message: .file(message), items: try readLines(files), join: join.fields,
                                              valueField: valueField, allowInsecureKey: insecure, out: .file(step.out))
            })
        }
    }

    struct Result: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Party B: print each input line with \"result\": true|false.")
        @Argument(help: ArgumentHelp("B's value lines, as given to 'compare request'.", valueName: "file"))
        var files: [String] = []
        @OptionGroup var step: DecryptingStep

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "compare result", progressOption)
            defer { progress.finish() }
            let (key, c) = try step.load()
            let lines = try step.record.logging(c, "comparison", step: "result", party: "b") {
                try PrivateComparison.result(channel: c, message: .file(step.message), statePath: step.state, items: try readLines(files), key: key)
            }
            for line in lines { StandardOutput.shared.writeLine(line) }
        }
    }
}
