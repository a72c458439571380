import EvidenceSupport

/// A (size, log root, contract index root) this witness verified itself:
/// where an index check may start.
public struct IndexWitnessStart: Sendable, Equatable {
    public let size: UInt64
    public let root: Hash
    public let indexRoot: Hash

    public init(size: UInt64, root: Hash, indexRoot: Hash) { self.size = size; self.root = root; self.indexRoot = indexRoot }

    /// Every log starts here: the empty tree and the empty index.
    public static let empty = IndexWitnessStart(size: 0, root: Merkle.emptyRoot, indexRoot: ContractIndex.emptyRoot)
}

/// What a witness hands the reader of the bank's material when it cosigns
/// verifying the contract index: where the check may start and what it
/// must end at. The reader calls `begin` with the material's old size and
/// frontier, feeds the proofs and entries, and returns the check; the
/// witness itself then runs `finish` against the checkpoint.
public struct IndexWitnessTask {
    /// The starts this witness accepts: size 0 always, and the last
    /// checkpoint it cosigned when it verified that one's index.
    public let starts: [IndexWitnessStart]
    /// The last checkpoint cosigned (size, root): a check replayed from
    /// size 0 must pass through its root.
    public let cosigned: (size: UInt64, root: Hash)?
    /// The checkpoint to cosign, with its index root.
    public let checkpoint: Checkpoint
    public let indexRoot: Hash

    /// Starts the check at `oldSize`, refusing a size this witness holds no
    /// verified index for (an older state, or one written by a plain
    /// `cosign`, can start only from 0), then check 1 of `IndexWitnessCheck`.
    public func begin(oldSize: UInt64, frontier: [Hash]) throws -> IndexWitnessCheck {
        guard let start = starts.first(where: { $0.size == oldSize }) else {
            let held = starts.filter { $0.size > 0 }.map { "size \($0.size)" }.first
            throw EvidenceError.failure("refused: the material starts at size \(oldSize), but this witness holds a verified contract index "
                                        + (held.map { "only at \($0) (or starts again from size 0)" }
                                           ?? "at no size of this log (it never checked its index, or its state predates it): the material must start at size 0"))
        }
        var check = try IndexWitnessCheck(oldSize: start.size, oldRoot: start.root, oldIndexRoot: start.indexRoot, frontier: frontier)
        if let cosigned, cosigned.size > start.size { check.expectRoot(cosigned.root, atSize: cosigned.size) }
        return check
    }
}

/// The reader of the bank's material: given the task, the fed check.
typealias IndexVerification = (IndexWitnessTask) throws -> IndexWitnessCheck

extension Witness {
    /// Where the witness keeps the index roots it verified for the log, beside
    /// its state: at most two lines `SIZE BASE64(ROOT) BASE64(INDEX ROOT)`,
    /// the last checkpoint's and the one before (written before the state
    /// is replaced, so a crash between the two leaves the old state still
    /// matched by a line). Its presence marks the log as one this witness
    /// verifies the index of.
    var indexStatePath: String { String(statePath.dropLast(".checkpoint".count)) + ".index" }

    /// The verified starts recorded for the log; nil when the witness never
    /// verified its index.
    func verifiedIndexStates() throws -> [IndexWitnessStart]? {
        guard let bytes = try readState(indexStatePath) else { return nil }
        var starts: [IndexWitnessStart] = []
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let words = line.split(separator: " ", omittingEmptySubsequences: false)
            guard words.count == 3, let size = UInt64(words[0]), String(size) == words[0],
                  let root = Hash(base64: words[1]), let indexRoot = Hash(base64: words[2]) else {
                throw EvidenceError.io("the witness's index state is damaged", at: indexStatePath)
            }
            starts.append(IndexWitnessStart(size: size, root: root, indexRoot: indexRoot))
        }
        guard bytes.last == UInt8(ascii: "\n"), (1...2).contains(starts.count) else {
            throw EvidenceError.io("the witness's index state is damaged", at: indexStatePath)
        }
        return starts
    }

    /// Cosigns `noteBytes` as a witness that also verifies the contract
    /// index (INDEX-SPEC §5): the checks of `cosign`, except that the
    /// consistency with the last cosigned checkpoint comes from `material`
    /// (the old frontier folds to the old root, the entries fold to the new
    /// one) instead of a proof; and the checkpoint must carry an index root
    /// that follows from the verified old one and those entries. The
    /// verified roots are recorded before the state; nothing is written on
    /// a refusal.
    public func cosignVerifyingIndex(_ noteBytes: [UInt8], now: UInt64, firstUse: Bool = false,
                                     material: @escaping (IndexWitnessTask) throws -> IndexWitnessCheck) throws -> SignedNote {
        do {
            return try accept(noteBytes, proof: nil, claimedOldSize: nil, index: material, now: now, firstUse: firstUse)
        } catch let refusal as WitnessRefusal {
            throw refusal.error
        }
    }

    /// The part of `accept` past the signature, for `cosignVerifyingIndex`.
    func acceptVerifyingIndex(_ note: SignedNote, _ cp: Checkpoint, old: Checkpoint?, verified: [IndexWitnessStart],
                              index: IndexVerification, now: UInt64, firstUse: Bool) throws -> SignedNote {
        guard let indexRoot = cp.contractIndexRoot else {
            throw WitnessRefusal(.inconsistent, .failure("refused: the checkpoint carries no contract index root "
                                                         + "(\(Checkpoint.contractIndexLinePrefix) line) for this witness to verify"))
        }
        var starts = [IndexWitnessStart.empty]
        if let old {
            guard !firstUse else {
                throw EvidenceError.usage("\(Setting("init")): this witness already cosigned \"\(origin)\" up to size \(old.size); cosign without \(Setting("init"))")
            }
            if cp.size < old.size {
                throw WitnessRefusal(.conflict(old.size), .failure("refused: checkpoint size \(cp.size) is smaller than the \(old.size) already cosigned (rollback or split view)"))
            }
            if cp.size == old.size && cp.root != old.root {
                throw WitnessRefusal(.inconsistent, .failure("refused: checkpoint of size \(cp.size) has a different root than the one already cosigned (split view)"))
            }
            if let held = verified.first(where: { $0.size == old.size && $0.root == old.root && $0.indexRoot == old.contractIndexRoot }),
               held.size > 0 {
                starts.append(held)
            }
        } else if !firstUse {
            throw EvidenceError.io("no state for log \"\(origin)\": if this witness never cosigned it, start with \(Setting("init")); "
                                   + "otherwise restore the state (starting over would accept a rollback)", at: statePath)
        }
        let task = IndexWitnessTask(starts: starts, cosigned: old.map { ($0.size, $0.root) }, checkpoint: cp, indexRoot: indexRoot)
        let check = try index(task)
        // The check must be one `begin` made: from a start this witness holds.
        guard let start = starts.first(where: { $0.size == check.oldSize && $0.root == check.oldRoot && $0.indexRoot == check.oldIndexRoot }) else {
            throw WitnessRefusal(.inconsistent, .failure("refused: the index check did not start from a state this witness holds"))
        }
        if let old, old.size > start.size, !check.passedThrough(size: old.size, root: old.root) {
            throw WitnessRefusal(.inconsistent, .failure("refused: the entries were not checked against the root of size \(old.size) already cosigned"))
        }
        do {
            try check.finish(size: cp.size, root: cp.root, indexRoot: indexRoot)
        } catch let e as EvidenceError {
            throw WitnessRefusal(.inconsistent, e)
        }
        // The verified roots first, then the state: a crash in between leaves
        // the old state matched by the line kept for it.
        let kept = verified.filter { $0.size == old?.size && $0.root == old?.root && $0.indexRoot == old?.contractIndexRoot }.prefix(1)
        let lines = (kept + [IndexWitnessStart(size: cp.size, root: cp.root, indexRoot: indexRoot)])
            .map { "\($0.size) \($0.root.base64) \($0.indexRoot.base64)\n" }.joined()
        try DurableFile.replace(indexStatePath, with: Array(lines.utf8), mode: 0o644)
        return try record(note, now: now)
    }
}
