import Synchronization
import EvidenceLog
import EvidenceSupport

/// A time someone other than the bank vouched for: an entry was included in
/// a checkpoint that a timestamp authority stamped (its genTime) or that
/// `quorum` trusted witnesses had cosigned (the quorum-th earliest
/// cosignature time), and that checkpoint is proven consistent with the one
/// verified. An entry's own `time` is only what the bank's machine said.
public struct Attestation: Sendable {
    public enum Basis: String, Sendable {
        /// The RFC 3161 token's genTime.
        case timestamp
        /// The time by which a quorum of trusted witnesses had cosigned.
        case cosignatures
    }

    public var time: RFC3339.Timestamp
    public var basis: Basis
    /// The attested checkpoint, and what re-checks it offline: its note with
    /// every signature line, its token, and the RFC 9162 consistency proof
    /// from its size to the verified checkpoint's.
    public var treeSize: UInt64
    public var note: [UInt8]
    public var token: [UInt8]?
    public var consistency: [Hash]

    public var timeText: String { RFC3339.format(time) }

    /// What a trusted checkpoint attests, the earlier of its token's genTime
    /// and its quorum of cosignature times; nil when it is not trusted or
    /// neither was checked (`--no-witness` without `--tsa-ca`).
    public static func attested(by trust: CheckpointTrust) -> (time: RFC3339.Timestamp, basis: Basis)? {
        guard trust.isTrusted else { return nil }
        var best: (time: RFC3339.Timestamp, basis: Basis)? = nil
        if let stamped = trust.timestampTime, let t = RFC3339.parse(stamped) { best = (t, .timestamp) }
        if trust.quorum > 0, trust.cosigners.count >= trust.quorum {
            let k = trust.cosigners.map(\.time).sorted()[trust.quorum - 1]
            if let t = RFC3339.parse(RFC3339.format(epochSeconds: Int64(clamping: k))), best == nil || t < best!.time {
                best = (t, .cosignatures)
            }
        }
        return best
    }
}

/// For each entry, the earliest attested checkpoint holding it: the first
/// past checkpoint (by tree size) above the entry's seq that verifies under
/// the same trust as the verified checkpoint and is proven consistent with
/// it, else the verified checkpoint itself. A kept checkpoint that fails
/// (edited, token dropped, another tree) is passed over, so a bank that
/// tampers with its past checkpoints only ever gets a later time.
///
/// `@unchecked Sendable`: the cache is read and written under `lock`, so
/// the verifier's workers resolve what their entries need as they go.
public final class AttestedTimes: @unchecked Sendable {
    private let lock = Mutex(())
    /// A past checkpoint as the source holds it; `consistency` nil when the
    /// verifier computes the proof itself (from the chain or the tiles).
    public struct Past: Sendable {
        public var note: [UInt8]
        public var token: [UInt8]?
        public var consistency: [Hash]?
        public init(note: [UInt8], token: [UInt8]?, consistency: [Hash]? = nil) {
            self.note = note; self.token = token; self.consistency = consistency
        }
    }

    let main: CheckpointTrust
    let requirements: CheckpointTrust.Requirements?
    /// Kept sizes not above the verified checkpoint's, ascending.
    let sizes: [UInt64]
    let load: (UInt64) throws -> Past?
    let prove: (UInt64) throws -> [Hash]
    private var evaluated: [UInt64: Attestation?] = [:]
    /// Why each past checkpoint passed over was not used.
    public private(set) var refusals: [UInt64: String] = [:]
    let mainAttestation: Attestation?

    /// Only the verified checkpoint (no past ones available).
    public convenience init(main: CheckpointTrust) {
        self.init(main: main, requirements: nil, sizes: [], load: { _ in nil }, prove: { _ in [] })
    }

    public init(main: CheckpointTrust, requirements: CheckpointTrust.Requirements?, sizes: [UInt64],
                load: @escaping (UInt64) throws -> Past?, prove: @escaping (UInt64) throws -> [Hash]) {
        self.main = main
        self.requirements = requirements
        self.sizes = sizes.filter { $0 > 0 && $0 <= main.checkpoint.size }.sorted()
        self.load = load
        self.prove = prove
        mainAttestation = Attestation.attested(by: main).map {
            Attestation(time: $0.time, basis: $0.basis, treeSize: main.checkpoint.size, note: main.noteBytes,
                        token: main.timestampToken, consistency: [])
        }
    }

    /// Evaluates the past checkpoints that entries `seqs` need.
    public func resolve(_ seqs: some Sequence<UInt64>) {
        lock.withLock { _ in resolveLocked(seqs) }
    }

    private func resolveLocked(_ seqs: some Sequence<UInt64>) {
        var starts = Set<Int>()
        for seq in seqs where seq < main.checkpoint.size { starts.insert(firstIndex(above: seq)) }
        for start in starts.sorted() { resolveLocked(from: start) }
    }

    /// Evaluates the past checkpoints from `sizes[start]` on, up to the
    /// first that attests.
    private func resolveLocked(from start: Int) {
        var i = start
        while i < sizes.count {
            if evaluated[sizes[i]] == nil { evaluated[sizes[i]] = .some(evaluate(sizes[i])) }
            if evaluated[sizes[i]]! != nil { break }
            i += 1
        }
    }

    /// The earliest attestation of entry `seq` (the past checkpoints it
    /// needs evaluated first, once); nil when the entry is not under the
    /// verified checkpoint or nothing attests it.
    public func attestation(for seq: UInt64) -> Attestation? {
        guard seq < main.checkpoint.size else { return nil }
        if sizes.isEmpty { return mainAttestation }
        return lock.withLock { _ in
            resolveLocked(from: firstIndex(above: seq))
            return resolvedAttestation(for: seq)
        }
    }

    private func resolvedAttestation(for seq: UInt64) -> Attestation? {
        var i = firstIndex(above: seq)
        while i < sizes.count {
            guard let found = evaluated[sizes[i]] else { break }
            if let found { return found }
            i += 1
        }
        return mainAttestation
    }

    func firstIndex(above seq: UInt64) -> Int {
        var lo = 0, hi = sizes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sizes[mid] > seq { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    func evaluate(_ size: UInt64) -> Attestation? {
        func refuse(_ why: String) -> Attestation? { refusals[size] = why; return nil }
        guard let requirements else { return refuse("no trust requirements") }
        let past: Past
        do {
            guard let p = try load(size) else { return refuse("not kept") }
            past = p
        } catch let e as EvidenceError { return refuse(e.message) } catch { return refuse("\(error)") }
        let trust: CheckpointTrust
        do {
            trust = try CheckpointTrust(noteBytes: past.note, timestampToken: past.token, requirements: requirements)
        } catch let e as EvidenceError { return refuse(e.message) } catch { return refuse("\(error)") }
        if let failure = trust.failure { return refuse(failure) }
        guard trust.checkpoint.size == size else {
            return refuse("kept as tree size \(size) but is of tree size \(trust.checkpoint.size)")
        }
        guard trust.checkpoint.origin == main.checkpoint.origin else { return refuse("another log's checkpoint") }
        let path: [Hash]
        do { path = try past.consistency ?? (size == main.checkpoint.size ? [] : prove(size)) } catch let e as EvidenceError {
            return refuse("no consistency proof: \(e.message)")
        } catch { return refuse("no consistency proof: \(error)") }
        do {
            try Merkle.verifyConsistency(oldSize: size, newSize: main.checkpoint.size, oldRoot: trust.checkpoint.root,
                                         newRoot: main.checkpoint.root, path: path)
        } catch {
            return refuse("not consistent with the checkpoint verified (tree size \(main.checkpoint.size)): \(error)")
        }
        guard let (time, basis) = Attestation.attested(by: trust) else {
            return refuse("neither a timestamp nor a witness quorum was checked")
        }
        return Attestation(time: time, basis: basis, treeSize: size, note: past.note, token: past.token, consistency: path)
    }
}
