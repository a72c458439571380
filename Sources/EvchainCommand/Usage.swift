import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

/// How `evchain usage` prints its report.
enum UsageFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl, table
}

struct Usage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report privacy computations (records evpsi writes) per purpose, peer and month.",
        discussion: """
            Reads the committed entries of CHAIN, or with '-' chain entries or evidence records \
            (JSON Lines) on stdin, and counts the records of stage privacy-computing: sessions, \
            records, items requested and answered, per purpose, per peer key and per month. \
            Only what the log commits to counts: the month is the entry's log time (a bare record \
            has none: "(not logged)"), never the record's own time, and a record read twice counts \
            once. Records of other stages are skipped; a malformed or altered record or entry, or \
            two records naming one message with different counts, kinds, sessions or purposes, is \
            refused (exit 2, file:line).
            """)
    @Argument(help: ArgumentHelp("The chain, or '-' for entries or records on stdin.", valueName: "chain"))
    var chain: String
    @Option(help: ArgumentHelp("Output: jsonl (one object per row) or table (aligned columns for people).", valueName: "format"))
    var format: UsageFormat = .jsonl

    func run() throws {
        var usage = PrivacyUsage()
        if chain == "-" {
            let reader = try Inputs.open(["-"], what: "records")[0]
            while let o = try reader.nextObject() { try usage.add(o, at: reader.location) }
        } else {
            let store = try ChainStore(path: chain, access: .read)
            try store.show(from: 0, through: nil, contract: nil, stage: PrivacyComputation.stage) { line in
                let value = try line.withUnsafeBytes { try JSON.parse(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
                let seq = value["seq"]?.integerValue ?? 0
                try usage.add(value.objectValue ?? [:], at: "\(chain):\(seq + 1)")
            }
        }
        switch format {
        case .jsonl: for row in usage.rows { StandardOutput.shared.writeLine(row.json) }
        case .table: StandardOutput.shared.write(PrivacyUsage.table(usage.rows))
        }
    }
}
