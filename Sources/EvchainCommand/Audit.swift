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
            acknowledged to anyone), rebuilds CHAIN.lookup when it is missing, behind or does not match \
            the entries, and rebuilds the contract index (CHAIN.contracts, CHAIN.contracts.roots) when it \
            is missing, behind, torn or does not match the entries, and nothing else. CHAIN.checkpoint is checked when present. \
            On success prints {"tree_size","root","checkpoints"}.
            """)
    @Argument(help: "The chain.") var chain: String
    @OptionGroup var trust: AuditTrustOptions
    @Flag(help: "Remove a torn, never-acknowledged tail, and say so.") var repair = false
    @OptionGroup var progressOption: ProgressOption

    func run() throws {
        let store = try ChainStore(path: chain, access: repair ? .write : .audit)
        let checkpoints = try trust.checkpoints(of: store)
        let progress = Progress(label: "auditing", progressOption)
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
        if let finding = result.contractIndex {
            guard repair else { throw EvidenceError.failure(finding + "; 'evchain audit --repair' rebuilds it", at: chain) }
            try store.rebuildContractIndex()
            Diagnostics.warn("\(chain): rebuilt the contract index \(ChainStore.contractIndexPath(chain)) (\(finding))")
        }
        var o = JSONObject()
        o["tree_size"] = .number(Double(result.verified))
        o["root"] = .string(Hex.encode(result.root))
        o["checkpoints"] = .array(result.checkpointsMatched.map { .number(Double($0)) })
        StandardOutput.shared.writeLine(.object(o))
    }
}
