import EvidenceSupport

extension DisplayText {
    /// The name people know an algorithm by: SHA-256, SM3, HMAC-SHA-256.
    public static func algorithm(_ a: RecordAlgorithm) -> String {
        let base: String
        switch a.digest {
        case .sha256: base = "SHA-256"
        case .sha512: base = "SHA-512"
        case .sha3_256: base = "SHA3-256"
        case .sm3: base = "SM3"
        case .blake2b512: base = "BLAKE2b-512"
        }
        return a.isKeyed ? "HMAC-" + base : base
    }
}
