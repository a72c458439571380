import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidenceSupport

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute and check the whole chain.",
        discussion: """
            Reports the first bad line (CHAIN:LINE: reason) and exits 1 on any finding, including \
            a torn tail left by an interrupted append. --repair removes such a tail (never \
            acknowledged to anyone) and rebuilds CHAIN.lookup when it is missing, behind or does not match \
            the entries, and nothing else. CHAIN.checkpoint is checked when present. \
            On success prints {"tree_size","root","checkpoints"}.
            """)
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("Also check this checkpoint (repeatable).", valueName: "file")) var checkpoint: [String] = []
    @Option(name: .customLong("log-key"), help: ArgumentHelp("Verify checkpoint signatures with this verifier key.", valueName: "vkey"))
    var logKey: String?
    @Option(name: .customLong("witness-key"), help: ArgumentHelp("Require a valid cosignature by this witness verifier key on --checkpoint files (repeatable).", valueName: "vkey"))
    var witnessKeys: [String] = []
    @Option(name: .customLong("tsa-ca"), help: ArgumentHelp("Verify each --checkpoint's FILE.tsr timestamp with this CA (PEM).", valueName: "file"))
    var tsaCA: String?
    @Flag(help: "Remove a torn, never-acknowledged tail, and say so.") var repair = false

    func validate() throws {
        // CHAIN.checkpoint is not required to be cosigned or stamped: with no
        // --checkpoint these options would check nothing yet let audit pass.
        if (tsaCA != nil || !witnessKeys.isEmpty) && checkpoint.isEmpty {
            throw ValidationError("--tsa-ca and --witness-key check --checkpoint files: give at least one --checkpoint")
        }
        if tsaCA != nil && logKey == nil {
            throw ValidationError("--tsa-ca needs --log-key: a token covers the checkpoint as the log signed it")
        }
    }

    func run() throws {
        let store = try ChainStore(path: chain, access: repair ? .write : .audit)
        let checkpoints = try store.auditCheckpoints(checkpoint, logKey: try logKey.map(KeyFile.readVerifier),
                                                     witnessKeys: try witnessKeys.map(KeyFile.readVerifier), tsaCAFile: tsaCA)
        let progress = Progress(label: "auditing")
        var result: AuditResult
        do {
            defer { progress.finish() }
            result = try store.audit(checkpoints: checkpoints, progress: progress.handler)
        }
        if let failure = result.failure { throw failure }
        if let torn = result.tornTail {
            guard repair else { throw EvidenceError.failure(torn + "; 'evchain audit --repair' removes it", at: chain) }
            _ = try store.removeTornTail()
            Diagnostics.warn("\(chain): removed \(torn)")
            result.tornTail = nil
        }
        if let finding = result.lookup {
            guard repair else { throw EvidenceError.failure(finding, at: chain) }
            if result.strayLookupFiles.isEmpty {
                try store.rebuildLookup()
                Diagnostics.warn("\(chain): rebuilt \(ChainStore.lookupPath(chain)) (\(finding))")
            } else {
                let removed = try store.removeStrayLookupFiles()
                Diagnostics.warn("\(chain): removed \(removed.joined(separator: ", ")) (not in \(ChainStore.lookupPath(chain)))")
            }
        }
        var o = JSONObject()
        o["tree_size"] = .number(Double(result.verified))
        o["root"] = .string(Hex.encode(result.root))
        o["checkpoints"] = .array(result.checkpointsMatched.map { .number(Double($0)) })
        StandardOutput.shared.writeLine(.object(o))
    }
}
