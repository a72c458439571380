import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// The chain's contract index, written: brought up to the committed size
/// before an append (a torn tail removed; an older chain's index built from
/// entry 0), and rebuilt by `audit --repair`. Requires `.write` access.
extension ChainStore {
    /// For bench/append-index.sh only (EVIDENCE_BENCH_NO_CONTRACT_INDEX=1,
    /// armed by EvidenceCLI): append neither computes contract keys nor
    /// writes the index, as before the index existed, to measure its cost
    /// in the same run. The chain's index is then behind (audit says so).
    nonisolated(unsafe) public static var benchmarkWithoutContractIndex = false

    /// Entries read per batch when the index catches up with the chain, so
    /// that memory stays bounded (72 bytes an entry) on a long chain.
    static let contractIndexCatchUpEntries: UInt64 = 1 << 20

    /// The index ready for a batch after `committed` entries: its store,
    /// its root at `committed`, and what had to be done first, said for the
    /// operator (nil when nothing).
    func contractIndexCaughtUp(to committed: UInt64) throws -> (ContractIndexStore, ContractIndexStore.Root, String?) {
        var notes: [String] = []
        var store = try ContractIndexStore(chain: path, writable: true)
        var base: ContractIndexStore.Root? = nil
        if let s = store {
            let (removed, intact) = try s.removeTornTail(committed: committed)
            if let removed { notes.append("removed a torn contract index tail (never committed): \(removed)") }
            if intact { base = try s.root(at: try s.rootCount() - 1) }
        }
        if base == nil {
            notes.append(store == nil
                ? "the chain had no contract index: built it from entry 0 (\(committed) entries)"
                : "the contract index had no committed version: rebuilt it from entry 0 (\(committed) entries)")
            store = try ContractIndexStore.create(chain: path)
        } else if base!.size < committed {
            // Entries appended by a tool that did not keep the index.
            notes.append("the contract index covered \(base!.size) of \(committed) entries: added the other \(committed - base!.size)")
        }
        let s = store!
        let root = try catchUp(s, from: base, to: committed)
        return (s, root, notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    /// Applies entries [base.size, committed) in bounded batches, each synced.
    private func catchUp(_ store: ContractIndexStore, from base: ContractIndexStore.Root?, to committed: UInt64) throws -> ContractIndexStore.Root {
        var root = base
        var from = base?.size ?? 0
        if root == nil || from < committed {
            repeat {
                let to = min(committed, from + ChainStore.contractIndexCatchUpEntries)
                root = try store.apply(try contractIndexBatch(from: from, to: to), to: root, newSize: to)
                try store.sync()
                from = to
            } while from < committed
        }
        return root!
    }

    /// The entries [from, to) that carry a contract, each leaf recomputed
    /// from its line (`ChainEntry.parse` checks it against the line's).
    func contractIndexBatch(from: UInt64, to: UInt64) throws -> ContractIndexBatch {
        var reader = SequentialReader(data, from: from == 0 ? 0 : try end(of: from - 1))
        let context = HashContext(.sha256)
        var batch = ContractIndexBatch()
        var seq = from
        while seq < to {
            guard let (bytes, complete) = try reader.nextLine(), complete else {
                throw EvidenceError.failure("entry \(seq) is missing or torn", at: path)
            }
            try bytes.withUnsafeBytes { line in
                let entry: ChainEntry
                do { entry = try ChainEntry.parse(line: line, expectedSeq: seq, context: context) } catch let error as EvidenceError {
                    throw EvidenceError.failure(error.message, at: "\(path):\(seq + 1)")
                }
                if let key = ContractIndexBatch.contractKey(line: line) {
                    batch.add(key: key, seq: seq, leaf: IndexHash(entry.leaf))
                }
            }
            seq += 1
        }
        return batch
    }

    /// Builds the index again from entry 0 (`audit --repair`).
    public func rebuildContractIndex() throws {
        let store = try ContractIndexStore.create(chain: path)
        _ = try catchUp(store, from: nil, to: try size())
    }

    /// Removes what lies past the index's last committed version; what was
    /// removed, or nil.
    func removeContractIndexTornTail(committed: UInt64) throws -> String? {
        guard let store = try ContractIndexStore(chain: path, writable: true) else { return nil }
        return try store.removeTornTail(committed: committed).removed
    }
}
