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

    /// Verifies a stored response against `data`: the TSA's signature, its
    /// certificate chain to `caFile`, and the message imprint.
    public static func verifyToken(_ response: [UInt8], for data: [UInt8], caFile: String) throws {
        try TimestampResponse.verify(response, data: data, caFile: caFile)
    }
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

    /// Verifies a checkpoint's token (see `stampedBytes(ofCheckpoint:logKey:)`).
    public static func verifyCheckpointToken(_ response: [UInt8], note: SignedNote, logKey: NoteVerifierKey,
                                             caFile: String) throws {
        try verifyToken(response, for: stampedBytes(ofCheckpoint: note, logKey: logKey), caFile: caFile)
    }

    /// The time the authority put in the token (RFC 3339 UTC), if any.
    public static func generationTime(_ response: [UInt8]) -> String? {
        TimestampResponse.generationTime(response)
    }
}
