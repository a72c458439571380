import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidenceSupport

struct Prove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inclusion proofs for entries read on stdin.",
        discussion: """
            Each output line is self-contained: {"seq","time","record","leaf","tree_size","root",\
            "proof","checkpoint"}, and "attestation": the entry's earliest kept checkpoint that a \
            witness cosigned or a TSA stamped, with the consistency proof to the checkpoint. An id or digest proves every entry holding it. A query with no \
            entry under the checkpoint is reported and makes the exit status 1. A query {"contract":C} \
            proves every entry of the contract after one line with its contract index proof: \
            {"contract_index","tree_size","checkpoint"}; a contract the log does not hold gets its \
            proof of absence and no entry lines.
            """)
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("Prove against this checkpoint (default: CHAIN.checkpoint).", valueName: "file"))
    var checkpoint: String?
    @Option(name: .customLong("log-key"), help: ArgumentHelp("Verify the checkpoint's signature with this verifier key.", valueName: "vkey"))
    var logKey: String?
    @Flag(name: .customLong("tlog-proof"), help: "Print one entry's proof as C2SP tlog-proof text.")
    var tlogProof = false

    func run() throws {
        let readers = try Inputs.open([], what: "queries")
        let store = try ChainStore(path: chain, access: .read)
        let cp = try store.matchCheckpoint(try checkpoint.map(DurableFile.readAll), logKey: try logKey.map(KeyFile.readVerifier))
        var queries: [ChainStore.Query] = [], locations: [String] = []
        while let value = try readers[0].nextValue() {
            do { queries.append(try ChainStore.Query(json: value)) } catch let e as EvidenceError {
                throw e.located(readers[0].location)
            }
            locations.append(readers[0].location)
        }
        let seqs = try store.resolve(queries, limit: cp.checkpoint.size)
        if tlogProof {
            guard seqs.count == 1, seqs[0].count == 1 else {
                throw EvidenceError.usage("--tlog-proof proves exactly one entry; the query matched \(seqs.map(\.count).reduce(0, +))")
            }
            StandardOutput.shared.write(try store.inclusionProof(seq: seqs[0][0], against: cp).tlogProof)
            return
        }
        let attestations = KeptAttestations(store: store, against: cp)
        var missing = 0
        for (i, list) in seqs.enumerated() {
            if case .contract(let contract) = queries[i] {
                // The index proof, then every entry's proof: never handed out
                // unless they show the contract complete, as a verifier checks.
                let index = try store.contractIndexLine(contract: contract, seqs: list, against: cp)
                StandardOutput.shared.writeLine(index.json)
                if list.isEmpty { continue }
            }
            if list.isEmpty {
                Diagnostics.warn("\(locations[i]): no entry under the checkpoint (size \(cp.checkpoint.size)) matches")
                missing += 1
            }
            for seq in list {
                var proof = try store.inclusionProof(seq: seq, against: cp)
                proof.attestation = try attestations.json(for: seq)
                StandardOutput.shared.writeLine(proof.json)
            }
        }
        if missing > 0 { throw ToolExit(ExitStatus.failure) }
    }
}
