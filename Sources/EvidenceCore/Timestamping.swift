/// RFC 3161 timestamps over checkpoints: the request goes to a timestamp
/// authority by HTTP POST (application/timestamp-query); the response (a DER
/// TimeStampResp) is stored as is, so `openssl ts -verify -in FILE.tsr
/// -data FILE -CAfile tsa-ca.pem` checks it without this tool.
public enum Timestamping {
    /// Requests a token over SHA-256(`data`) with a fresh nonce; checks the
    /// response is granted and binds that imprint and nonce; returns its DER.
    public static func requestToken(for data: [UInt8], url: String) throws -> [UInt8] {
        let nonce = SecureRandom.bytes(8)
        let request = try TimestampRequest.make(imprint: DigestAlgorithm.sha256.hash(data), nonce: nonce)
        let response = try HTTPClient.post(url: url, body: request, contentType: "application/timestamp-query",
                                           accept: "application/timestamp-reply")
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
    /// The time the authority put in the token (RFC 3339 UTC), if any.
    public static func generationTime(_ response: [UInt8]) -> String? {
        TimestampResponse.generationTime(response)
    }
}
