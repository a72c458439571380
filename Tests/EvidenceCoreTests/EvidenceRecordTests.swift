import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

private let digest = String(repeating: "ab", count: 32)

private func record(_ text: String) throws -> EvidenceRecord {
    try EvidenceRecord(json: try JSON.parse(text))
}

@Test func roundTripsAFullRecord() throws {
    let text = #"{"id":"C1/esign/contract.pdf","contract":"C1","stage":"esign","name":"contract.pdf","source":"esign-platform","time":"2025-04-16T14:02:33Z","size":48213,"pages":3,"kind":"file","alg":"sha256","digest":"\#(digest)","digests":{"sha256":"\#(digest)","sm3":"\#(digest)"}}"#
    let r = try record(text)
    #expect(r.json.jsonText == text)
    var w = JSONWriter()
    r.write(to: &w)
    #expect(String(decoding: w.bytes, as: UTF8.self) == text)
}

@Test(arguments: [
    (#"{"alg":"sha256","digest":"D"}"#, "missing \"id\""),
    (#"{"id":"x","digest":"D"}"#, "missing \"alg\""),
    (#"{"id":"x","alg":"md5","digest":"D"}"#, "unknown \"alg\" \"md5\""),
    (#"{"id":"x","alg":"sha256"}"#, "missing \"digest\""),
    (#"{"id":"x","alg":"sha256","digest":"abc"}"#, "expected \"digest\" (string of 64 lowercase hex digits)"),
    (#"{"id":"x","alg":"sha512","digest":"D"}"#, "expected \"digest\" (string of 128 lowercase hex digits)"),
    (#"{"id":"x","alg":"sha256","digest":"\#(digest.uppercased())"}"#, "expected \"digest\""),
    (#"{"id":"x","alg":"sha256","digest":"D","size":-1}"#, "expected \"size\" (non-negative integer)"),
    (#"{"id":"x","alg":"sha256","digest":"D","size":"12"}"#, "expected \"size\" (non-negative integer), found string"),
    (#"{"id":"x","alg":"sha256","digest":"D","stage":"Esign"}"#, "expected \"stage\""),
    (#"{"id":"x","alg":"sha256","digest":"D","time":"2025-04-16T22:02:33+08:00"}"#, "expected \"time\" (RFC 3339 UTC"),
    (#"{"id":"x","alg":"sha256","digest":"D","digest2":"D"}"#, "unknown field \"digest2\""),
    (#"{"id":"","alg":"sha256","digest":"D"}"#, "expected \"id\" (non-empty string"),
    (#"{"id":"a\u0007b","alg":"sha256","digest":"D"}"#, "without control characters"),
    (#"{"id":"x","alg":"sha256","digest":"D","digests":{"sha256":"\#(String(repeating: "cd", count: 32))"}}"#, "equal to \"digest\""),
    (#"{"id":"x","alg":"sha256","digest":"D","keyid":"0011223344556677"}"#, "\"keyid\" belongs only to keyed"),
])
func refusesInvalidRecordsNamingTheField(text: String, message: String) {
    do {
        _ = try record(text.replacingOccurrences(of: "\"D\"", with: "\"\(digest)\""))
        Issue.record("accepted \(text)")
    } catch let error as EvidenceError {
        #expect(error.kind == .input)
        #expect(error.message.contains(message), "\(error.message)")
    } catch {
        Issue.record("\(error)")
    }
}

@Test func keyedRecordsCarryTheirKeyID() throws {
    let r = try record(#"{"id":"x","alg":"hmac-sm3","digest":"\#(digest)","keyid":"0011223344556677"}"#)
    #expect(r.algorithm.isKeyed && r.algorithm.digest == .sm3)
}

@Test func manifestItemsDefaultTheirNameAndID() throws {
    let item = try ManifestItem(json: try JSON.parse(#"{"contract":"C1","stage":"esign","path":"a/b/contract.pdf","time":"2025-04-16T22:02:33+08:00"}"#).objectValue!)
    #expect(item.name == "contract.pdf")
    #expect(item.defaultID == "C1/esign/contract.pdf")
    #expect(item.time == "2025-04-16T14:02:33Z")
    #expect(throws: EvidenceError.self) {
        try ManifestItem(json: try JSON.parse(#"{"contract":"C1","stage":"face","data":{}}"#).objectValue!)
    }
    #expect(throws: EvidenceError.self) {
        try ManifestItem(json: try JSON.parse(#"{"contract":"C1","stage":"face","path":"x","data":{}}"#).objectValue!)
    }
}

@Test func hmacKeysRefuseWeakLengths() {
    #expect(throws: EvidenceError.self) { try HMACKey(bytes: [UInt8](repeating: 1, count: 8)) }
    #expect(throws: Never.self) { try HMACKey(bytes: [UInt8](repeating: 1, count: 32)) }
    let a = try! HMACKey(bytes: [UInt8](repeating: 1, count: 32))
    let b = try! HMACKey(bytes: [UInt8](repeating: 2, count: 32))
    #expect(a.keyID != b.keyID && a.keyID.count == 16)
}

/// A field name is its bytes: "\u{212A}ind" (KELVIN SIGN) equals "Kind" as a
/// Swift string, but is no field "Kind"; the ASCII fast path must not let it in.
@Test func aLookAlikeOfAFieldNameIsAnUnknownField() throws {
    let known: Set<String> = ["Kind", "caf\u{E9}"]
    let accepted = try JSON.parse(Array(#"{"Kind":1,"caf\u00e9":2}"#.utf8)).objectValue!
    try FieldReader(accepted).refuseUnknown(known)
    for twin in ["\\u212Aind", "cafe\\u0301"] {
        let object = try JSON.parse(Array("{\"\(twin)\":1}".utf8)).objectValue!
        #expect(throws: EvidenceError.self, "\(twin)") { try FieldReader(object).refuseUnknown(known) }
    }
}
