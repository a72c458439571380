import Glibc
import EvidenceCrypto
import EvidenceSupport

/// RFC 3161 timestamps over checkpoints: the request goes to a timestamp
/// authority by HTTP POST (application/timestamp-query); the response (a DER
/// TimeStampResp) is stored as is, so `openssl ts -verify -in FILE.tsr
/// -data FILE -CAfile tsa-ca.pem` checks it without this tool.
public enum Timestamping {
    /// Requests a token over SHA-256(`data`) with a fresh nonce; checks the
    /// response is granted and binds that imprint and nonce; returns its DER.
    /// `post` carries the DER request to the authority and returns its reply
    /// (EvidenceCLI's HTTP client, as application/timestamp-query).
    public static func requestToken(for data: [UInt8], post: ([UInt8]) throws -> [UInt8]) throws -> [UInt8] {
        let nonce = SecureRandom.bytes(8)
        let request = try TimestampRequest.make(imprint: DigestAlgorithm.sha256.hash(data), nonce: nonce)
        let response = try post(request)
        try TimestampResponse.check(response, imprint: DigestAlgorithm.sha256.hash(data), nonce: nonce)
        return response
    }

    /// Verifies a stored response against `data` as of its genTime: the
    /// TSA's signature, its certificate chain to `caFile` checked at genTime
    /// (not today: evidence outlives TSA certificates), and the message
    /// imprint (SHA-2, SHA-3 or SM3 only). A genTime later than `now` plus
    /// `skew` seconds is refused. Returns genTime, seconds since the epoch:
    /// the one verified time a token gives.
    @discardableResult
    public static func verifyToken(_ response: [UInt8], for data: [UInt8], caFile: String,
                                   now: Int64 = Int64(time(nil)), skew: Int64 = defaultClockSkew) throws -> Int64 {
        try TimestampResponse.verify(response, data: data, caFile: caFile, latest: now + skew)
    }

    /// Seconds a timestamp's genTime or a cosignature's time may be ahead of
    /// the verifier's clock: clocks disagree by seconds, a forged or broken
    /// one by far more.
    public static let defaultClockSkew: Int64 = 300
}

extension Timestamping {
    /// The bytes a checkpoint's token covers: the note as the log signed it,
    /// its text and the log's own signature lines. The log stamps its note
    /// before any witness sees it, and cosignatures are added afterwards, so
    /// one token has to stay valid however many witnesses cosign; `evchain
    /// audit` and `evverify` both check tokens by this one rule.
    public static func stampedBytes(ofCheckpoint note: SignedNote, logKey: NoteVerifierKey) -> [UInt8] {
        SignedNote(text: note.text, signatures: note.signatures.filter {
            $0.name == logKey.name && $0.keyID == logKey.keyID
        }).bytes
    }

    /// Verifies a checkpoint's token (see `stampedBytes(ofCheckpoint:logKey:)`
    /// and `verifyToken`); returns its verified genTime.
    @discardableResult
    public static func verifyCheckpointToken(_ response: [UInt8], note: SignedNote, logKey: NoteVerifierKey, caFile: String,
                                             now: Int64 = Int64(time(nil)), skew: Int64 = defaultClockSkew) throws -> Int64 {
        try verifyToken(response, for: stampedBytes(ofCheckpoint: note, logKey: logKey), caFile: caFile, now: now, skew: skew)
    }

    /// The time the authority put in the token (RFC 3339 UTC), if any.
    public static func generationTime(_ response: [UInt8]) -> String? {
        TimestampResponse.generationTime(response)
    }
}
