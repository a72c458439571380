import EvidenceSupport

/// What the catalogue can say about one piece of evidence. The first four
/// are evverify's verdicts (`Verdict.Status`); the others say how far the
/// input went.
public enum VerificationStatus: String, Sendable, CaseIterable {
    case ok
    /// The original's digest differs from the logged one, matches an entry
    /// of another contract or stage, or its id was logged again with
    /// another digest.
    case mismatch
    /// No chain entry holds the item; or its original is not there; or
    /// (`--complete`) a logged entry of the contract was not presented.
    case missing
    /// An entry was found, but its inclusion proof or checkpoint signature fails.
    case unproven
    /// A chain entry given without an evverify verdict.
    case notVerified = "not-verified"
    /// A bare evidence record, never appended to a chain.
    case notLogged = "not-logged"
    /// A stage required by `--require-stages` of which there is no evidence.
    case absent

    /// Evidence that was checked and found wanting, or is not there at all.
    public var isFailure: Bool {
        switch self {
        case .mismatch, .missing, .unproven, .absent: return true
        case .ok, .notVerified, .notLogged: return false
        }
    }

    /// Evidence nobody has checked against the chain yet.
    public var isUnverified: Bool { self == .notVerified || self == .notLogged }
}
