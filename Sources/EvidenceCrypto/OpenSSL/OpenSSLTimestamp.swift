import EvidenceSupport
internal import COpenSSL

// The one file that calls OpenSSL's RFC 3161 (TS_*) API. Above it:
// `TimestampRequest.make`, `TimestampResponse.check`, `TimestampResponse.verify`.

// OpenSSL's TS_VFY_* flags (ts.h), spelled out: Swift does not import the
// parenthesised macro expressions.
private let tsVerifySignature: Int32 = 1 << 0
private let tsVerifyVersion: Int32 = 1 << 1
private let tsVerifyData: Int32 = 1 << 4

public enum TimestampRequest {
    /// A DER TimeStampReq (RFC 3161 §2.4.1): version 1, SHA-256 imprint,
    /// the nonce, certReq true (so the token carries the TSA certificate).
    public static func make(imprint: [UInt8], nonce: [UInt8]) throws -> [UInt8] {
        guard let req = TS_REQ_new() else { throw OpenSSLError.fail("TS_REQ_new") }
        defer { TS_REQ_free(req) }
        guard let mi = TS_MSG_IMPRINT_new() else { throw OpenSSLError.fail("TS_MSG_IMPRINT_new") }
        defer { TS_MSG_IMPRINT_free(mi) }
        guard let alg = X509_ALGOR_new() else { throw OpenSSLError.fail("X509_ALGOR_new") }
        defer { X509_ALGOR_free(alg) }
        guard X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nil) == 1,
              TS_MSG_IMPRINT_set_algo(mi, alg) == 1,
              imprint.withUnsafeBufferPointer({ TS_MSG_IMPRINT_set_msg(mi, UnsafeMutablePointer(mutating: $0.baseAddress), Int32($0.count)) }) == 1,
              TS_REQ_set_version(req, 1) == 1,
              TS_REQ_set_msg_imprint(req, mi) == 1,
              TS_REQ_set_cert_req(req, 1) == 1 else {
            throw OpenSSLError.fail("building the timestamp request")
        }
        let n = try asn1Integer(nonce)
        defer { ASN1_INTEGER_free(n) }
        guard TS_REQ_set_nonce(req, n) == 1 else { throw OpenSSLError.fail("TS_REQ_set_nonce") }
        let length = i2d_TS_REQ(req, nil)
        guard length > 0 else { throw OpenSSLError.fail("i2d_TS_REQ") }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var p: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_TS_REQ(req, &p)
        }
        guard written == length else { throw OpenSSLError.fail("i2d_TS_REQ") }
        return out
    }

    static func asn1Integer(_ bytes: [UInt8]) throws -> UnsafeMutablePointer<ASN1_INTEGER> {
        guard let bn = bytes.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, Int32($0.count), nil) }) else {
            throw OpenSSLError.fail("BN_bin2bn")
        }
        defer { BN_free(bn) }
        guard let i = BN_to_ASN1_INTEGER(bn, nil) else { throw OpenSSLError.fail("BN_to_ASN1_INTEGER") }
        return i
    }
}

public enum TimestampResponse {
    private static func parse(_ der: [UInt8]) throws -> OpaquePointer {
        let resp: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var p: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_TS_RESP(nil, &p, buffer.count)
        }
        guard let resp else {
            ERR_clear_error()
            throw EvidenceError.failure("not an RFC 3161 timestamp response")
        }
        return resp
    }

    /// The response grants a token whose imprint and nonce are ours.
    public static func check(_ der: [UInt8], imprint: [UInt8], nonce: [UInt8]) throws {
        let resp = try parse(der)
        defer { TS_RESP_free(resp) }
        let status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)))
        guard status == 0 || status == 1 else {
            throw EvidenceError.failure("timestamp authority refused the request (PKIStatus \(status))")
        }
        guard let tst = TS_RESP_get_tst_info(resp), let mi = TS_TST_INFO_get_msg_imprint(tst),
              let msg = TS_MSG_IMPRINT_get_msg(mi) else {
            throw EvidenceError.failure("timestamp response carries no token")
        }
        let got = [UInt8](UnsafeBufferPointer(start: ASN1_STRING_get0_data(msg), count: Int(ASN1_STRING_length(msg))))
        guard got == imprint else { throw EvidenceError.failure("timestamp token is over another message") }
        let ours = try TimestampRequest.asn1Integer(nonce)
        defer { ASN1_INTEGER_free(ours) }
        guard let theirs = TS_TST_INFO_get_nonce(tst), ASN1_INTEGER_cmp(theirs, ours) == 0 else {
            throw EvidenceError.failure("timestamp token does not carry our nonce (replayed response?)")
        }
    }

    /// Verifies the token as of its own genTime, as `openssl ts -verify
    /// -attime GENTIME` does: the TSA's signature, its certificate chain to
    /// `caFile` checked at genTime (so a token stays verifiable after the
    /// TSA's certificate expires, and a genTime outside any certificate's
    /// validity fails), and the imprint over `data`. Refused besides: an
    /// imprint by MD5 or SHA-1 (or any digest but SHA-2, SHA-3 and SM3),
    /// and a genTime later than `latest` (the verifier's clock plus the
    /// allowed skew). Returns genTime in seconds since the epoch.
    public static func verify(_ der: [UInt8], data: [UInt8], caFile: String, latest: Int64) throws -> Int64 {
        let resp = try parse(der)
        defer { TS_RESP_free(resp) }
        guard let tst = TS_RESP_get_tst_info(resp), let mi = TS_TST_INFO_get_msg_imprint(tst),
              let algorithm = TS_MSG_IMPRINT_get_algo(mi) else {
            throw EvidenceError.failure("timestamp response carries no token")
        }
        var object: OpaquePointer? = nil
        X509_ALGOR_get0(&object, nil, nil, algorithm)
        let nid = OBJ_obj2nid(object)
        guard acceptedImprintNIDs.contains(nid) else {
            let name = OBJ_nid2sn(nid).map { String(cString: $0) } ?? "an unknown digest"
            throw EvidenceError.failure("timestamp token imprint uses \(name): only SHA-2, SHA-3 and SM3 imprints are accepted "
                                        + "(MD5 and SHA-1 collisions can be made)")
        }
        guard let text = generationTime(der), let genTime = RFC3339.parse(text)?.seconds else {
            throw EvidenceError.failure("timestamp token has no readable genTime")
        }
        guard genTime <= latest else {
            throw EvidenceError.failure("timestamp genTime \(text) is in the future (later than the verifier's clock plus the allowed skew)")
        }
        guard let ctx = TS_VERIFY_CTX_new() else { throw OpenSSLError.fail("TS_VERIFY_CTX_new") }
        // The context owns the store and the data BIO from here on.
        defer { TS_VERIFY_CTX_free(ctx) }
        guard let store = X509_STORE_new() else { throw OpenSSLError.fail("X509_STORE_new") }
        guard X509_STORE_load_file(store, caFile) == 1 else {
            X509_STORE_free(store)
            throw EvidenceError.io("cannot load CA certificates: \(OpenSSLError.lastMessage())", at: caFile)
        }
        // Chain validity at genTime (X509_V_FLAG_USE_CHECK_TIME), as -attime sets it.
        guard let param = X509_VERIFY_PARAM_new() else {
            X509_STORE_free(store)
            throw OpenSSLError.fail("X509_VERIFY_PARAM_new")
        }
        X509_VERIFY_PARAM_set_time(param, time_t(genTime))
        let setParam = X509_STORE_set1_param(store, param)
        X509_VERIFY_PARAM_free(param)
        guard setParam == 1 else {
            X509_STORE_free(store)
            throw OpenSSLError.fail("X509_STORE_set1_param")
        }
        _ = TS_VERIFY_CTX_set_store(ctx, store)
        // A memory BIO holding its own copy of the data.
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError.fail("BIO_new") }
        _ = TS_VERIFY_CTX_set_data(ctx, bio)
        guard data.isEmpty || data.withUnsafeBufferPointer({ BIO_write(bio, $0.baseAddress, Int32($0.count)) }) == Int32(data.count) else {
            throw OpenSSLError.fail("BIO_write")
        }
        _ = TS_VERIFY_CTX_set_flags(ctx, tsVerifyVersion | tsVerifySignature | tsVerifyData)
        guard TS_RESP_verify_response(ctx, resp) == 1 else {
            throw EvidenceError.failure("timestamp does not verify at its genTime \(text): \(OpenSSLError.lastMessage())")
        }
        return genTime
    }

    /// Message-imprint digests a token may use: collision-resistant ones.
    static let acceptedImprintNIDs: Set<Int32> = [
        NID_sha256, NID_sha384, NID_sha512, NID_sha512_256, NID_sha3_256, NID_sha3_384, NID_sha3_512, NID_sm3,
    ]
}

extension TimestampResponse {
    /// The token's genTime (GeneralizedTime, e.g. `20261125100000Z`) as RFC
    /// 3339 UTC, for reports; nil when the response holds no token.
    public static func generationTime(_ der: [UInt8]) -> String? {
        guard let resp = try? parse(der) else { return nil }
        defer { TS_RESP_free(resp) }
        guard let tst = TS_RESP_get_tst_info(resp), let time = TS_TST_INFO_get_time(tst),
              let data = ASN1_STRING_get0_data(time) else { return nil }
        let text = String(decoding: UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(time))), as: UTF8.self)
        let b = Array(text.utf8)
        guard b.count >= 15, b.last == UInt8(ascii: "Z") else { return nil }
        func part(_ from: Int, _ n: Int) -> String { String(decoding: b[from..<(from + n)], as: UTF8.self) }
        var fraction = ""
        if b.count > 15, b[14] == UInt8(ascii: ".") { fraction = "." + String(decoding: b[15..<(b.count - 1)], as: UTF8.self) }
        return RFC3339.normalize("\(part(0, 4))-\(part(4, 2))-\(part(6, 2))T\(part(8, 2)):\(part(10, 2)):\(part(12, 2))\(fraction)Z")
    }
}
