import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidencePSI
import EvidenceSupport

struct SumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sum",
        abstract: "Intersection-sum (private-join-and-compute): B learns the sum of its values over the intersection.",
        subcommands: [Start.self, Reply.self, Finish.self, Result.self])

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Party A: blind A's identifiers (message 1).")
        @OptionGroup var items: ItemArguments
        @Option(help: ArgumentHelp("Group (default ffdhe2048).", valueName: "name"))
        var group = PSIGroups.defaultName
        @OptionGroup var step: OpeningStep

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "sum start", progressOption)
            defer { progress.finish() }
            let c = try step.channel()
            printSummary(try step.record.logging(c, "intersection-sum", step: "start", party: "a", writing: [step.out, step.state]) {
                try IntersectionSum.start(channel: c, items: try items.reader(progress), group: try PSIGroups.named(group),
                                          session: step.session, statePath: step.state, out: .file(step.out))
            })
        }
    }

    struct Reply: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Party B: re-blind A's set and send B's blinded identifiers with encrypted values (message 2).")
        @OptionGroup var items: ItemArguments
        @Option(help: ArgumentHelp("A's message 1.", valueName: "file"))
        var message: String
        @Option(name: .customLong("value"), help: ArgumentHelp("Field holding the integer value to sum.", valueName: "field"))
        var valueField = "value"
        @OptionGroup var paillier: PaillierKeyOption
        @Option(help: ArgumentHelp("Group (must match message 1).", valueName: "name"))
        var group = PSIGroups.defaultName
        @Option(help: ArgumentHelp("B's state file to create (0600).", valueName: "file"))
        var state: String
        @OptionGroup var step: AnsweringStep

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "sum reply", progressOption)
            defer { progress.finish() }
            let key = try paillier.load()
            let c = try step.channel()
            printSummary(try step.record.logging(c, "intersection-sum", step: "reply", party: "b", writing: [step.out, state]) {
                try IntersectionSum.reply(channel: c, message: .file(message), items: try items.reader(progress), valueField: valueField,
                                          key: key, group: try PSIGroups.named(group), statePath: state, out: .file(step.out))
            })
        }
    }

    struct Finish: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Party A: intersect, add the matched ciphertexts (message 3); A learns the cardinality.")
        @Option(help: ArgumentHelp("B's message 2.", valueName: "file"))
        var message: String
        @Option(help: ArgumentHelp("A's state file from 'sum start'.", valueName: "file"))
        var state: String
        @Flag(name: .customLong("insecure-test-key"), help: "Accept B's Paillier key below 2048 bits (tests only).")
        var insecure = false
        @Option(name: [.customShort("o"), .customLong("out")], help: ArgumentHelp("Message 3 to write.", valueName: "file"))
        var out: String
        @OptionGroup var channel: ChannelOptions
        @OptionGroup var record: RecordOption

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "sum finish", progressOption)
            defer { progress.finish() }
            let c = try channel.channel()
            printSummary(try record.logging(c, "intersection-sum", step: "finish", party: "a", writing: [out]) {
                try IntersectionSum.finish(channel: c, message: .file(message), statePath: state, allowInsecureKey: insecure, out: .file(out))
            })
        }
    }

    struct Result: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Party B: decrypt the sum; prints {cardinality, sum, count}.")
        @OptionGroup var step: DecryptingStep

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "sum result", progressOption)
            defer { progress.finish() }
            let (key, c) = try step.load()
            printSummary(try step.record.logging(c, "intersection-sum", step: "result", party: "b") {
                try IntersectionSum.result(channel: c, message: .file(step.message), statePath: step.state, key: key)
            })
        }
    }
}
