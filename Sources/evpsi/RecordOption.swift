import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidencePSI
import EvidenceSupport

/// `--record FILE`: one evidence record of what the step did, appended.
struct RecordOption: ParsableArguments {
    @Option(help: ArgumentHelp("Append an evidence record of this step (stage privacy-computing: protocol, session, purpose, keys, counts and message digests; never an item) to this JSON Lines file, for 'evchain append'.", valueName: "file"))
    var record: String?

    /// Runs a step, then appends its record: nothing is logged for a step
    /// that failed, and nothing is printed before the record is durable.
    func logging<T>(_ channel: PSIChannel, _ protocolName: String, step: String, party: String, _ body: () throws -> T) throws -> T {
        let result = try body()
        try append(channel, protocolName, step: step, party: party)
        return result
    }

    /// Appends the record of a step that has succeeded, once its message is written.
    func append(_ channel: PSIChannel, _ protocolName: String, step: String, party: String) throws {
        guard let record else { return }
        let messages = channel.received + channel.sent
        guard let first = messages.first else { return }
        func facts(_ list: [PSIMessageSummary]) -> [PrivacyComputation.Message] {
            list.map { PrivacyComputation.Message(kind: $0.kind, from: $0.from, count: $0.count, sha256: $0.sha256) }
        }
        let computation = PrivacyComputation(
            protocolName: protocolName, mode: first.mode, step: step, party: party, session: first.session,
            purpose: channel.purpose ?? messages.lazy.compactMap(\.purpose).first, group: first.group,
            signer: channel.signer?.keyName, peer: channel.peer?.keyName ?? channel.received.lazy.compactMap(\.signer).first,
            sent: facts(channel.sent), received: facts(channel.received))
        var w = JSONWriter()
        computation.record(time: RFC3339.now()).write(to: &w)
        try DurableFile.appendLine(record, w.bytes)
    }
}
