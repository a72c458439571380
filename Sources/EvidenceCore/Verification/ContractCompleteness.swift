import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// Completeness of one contract at a trusted checkpoint (INDEX-SPEC §6):
/// the contract's index proof verified against the index root the
/// checkpoint carries, and entries e_1..e_k, each with its leaf recomputed
/// from its bytes and proven included against the checkpoint, all with
/// `"contract"` equal to the contract byte for byte, whose count, last seq
/// and hash chain reproduce the proven index value exactly.
///
/// Every source of entries (the chain, a proof bundle, tiles, a
/// certificate, a receipt) goes through this one check: what a source
/// offers is never believed, so a lookup, shard or bundle that omits, adds
/// or retags an entry cannot pass. Whether the checkpoint itself is to be
/// trusted (signatures, which cosigners vouched for the index) is the
/// caller's: this check only says what the checkpoint's index root proves.
public struct ContractCompleteness: Sendable {
    /// One entry a source offers as the contract's, with the RFC 9162 audit
    /// path it claims leads from the entry to the checkpoint's root. The
    /// entry's `leaf` is the one the source claims; it is recomputed here.
    public struct Candidate: Sendable {
        public var entry: ChainEntry
        public var path: [Hash]
        public init(entry: ChainEntry, path: [Hash]) {
            self.entry = entry
            self.path = path
        }
    }

    public let contract: String
    /// The contract's value in the index; nil when the index proves the log
    /// holds no entry for it.
    public let value: ContractIndexLeaf?
    /// The contract's entries, every one proven, in seq order: all of them.
    public let entries: [ChainEntry]

    /// Decides completeness, or throws `EvidenceError.failure` saying what
    /// does not hold. `candidates` may come in any order; the same entry
    /// offered twice counts once.
    public init(contract: String, checkpoint: Checkpoint, indexProof: ContractIndexProof,
                candidates: [Candidate]) throws {
        func fail(_ why: String) -> EvidenceError {
            EvidenceError.failure("contract \(contract): \(why)")
        }
        guard let indexRoot = checkpoint.contractIndexRoot else {
            throw fail("the checkpoint (tree size \(checkpoint.size)) carries no contract index root: "
                       + "which entries the log holds for a contract is not signed, so completeness cannot be shown")
        }
        // By bytes: a contract that only looks like this one is another.
        guard indexProof.contract.exact == contract.exact else {
            throw fail("the index proof is for contract \(indexProof.contract)")
        }
        let value: ContractIndexLeaf?
        do {
            value = try indexProof.verify(root: indexRoot)
        } catch let e as EvidenceError {
            throw fail("the index proof does not verify against the checkpoint's index root: \(e.message)")
        }

        var bySeq: [UInt64: ChainEntry] = [:]
        let context = HashContext(.sha256)
        for candidate in candidates {
            let entry = candidate.entry
            guard entry.seq < checkpoint.size else {
                throw fail("the entry at seq \(entry.seq) is past the checkpoint (tree size \(checkpoint.size))")
            }
            // The leaf is the hash of the entry's bytes, never the one claimed.
            let leaf = ChainEntry(seq: entry.seq, time: entry.time, canonicalRecord: entry.canonicalRecord, context: context).leaf
            guard leaf == entry.leaf else {
                throw fail("the entry at seq \(entry.seq): its leaf is not the hash of its bytes (recomputed \(leaf.hex))")
            }
            do {
                try Merkle.verifyInclusion(leafHash: leaf, index: entry.seq, treeSize: checkpoint.size,
                                           path: candidate.path, root: checkpoint.root)
            } catch {
                throw fail("the entry at seq \(entry.seq) is not proven included in the checkpoint (tree size \(checkpoint.size)): \(error)")
            }
            guard case .object(let record) = entry.record, case .string(let c)? = record["contract"], c.exact == contract.exact else {
                let other: String
                if case .string(let c)? = entry.record["contract"] { other = "of contract \(c)" } else { other = "of no contract" }
                throw fail("the entry at seq \(entry.seq) is \(other), offered as this contract's")
            }
            // Proven to be the log's entry at this seq: two offers of one seq are one entry.
            bySeq[entry.seq] = entry
        }
        let entries = bySeq.values.sorted { $0.seq < $1.seq }
        let reproduced = ContractIndex.value(of: contract, leaves: entries.map { (seq: $0.seq, leaf: $0.leaf) })

        switch (value, reproduced) {
        case (nil, nil):
            break
        case (nil, let r?):
            throw fail("the index proves the log holds no entry for it at tree size \(checkpoint.size), "
                       + "yet \(r.count) proven entr\(r.count == 1 ? "y is" : "ies are") tagged with it (the index is wrong)")
        case (let v?, nil):
            throw fail("the log holds \(v.count) entr\(v.count == 1 ? "y" : "ies") for it (the last at seq \(v.last)), none presented")
        case (let v?, let r?):
            if v.count != r.count || v.last != r.last {
                let missing = v.count > r.count ? "\(v.count - r.count) missing" : "\(r.count - v.count) more than the index holds"
                throw fail("the log holds \(v.count) entr\(v.count == 1 ? "y" : "ies") for it (the last at seq \(v.last)); "
                           + "\(r.count) proven were presented (the last at seq \(r.last)): \(missing)")
            }
            if v.chain != r.chain {
                throw fail("the \(r.count) proven entries presented are not the ones the index holds "
                           + "(their hash chain differs: an entry left out and another put in its place)")
            }
        }
        self.contract = contract
        self.value = value
        self.entries = entries
    }
}
