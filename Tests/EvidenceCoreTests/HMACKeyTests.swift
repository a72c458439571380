import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto

/// One vector of Tests/Vectors/rfc4231-hmac-sha256.json (its source is named in the file).
struct HMACVector: Sendable, CustomTestStringConvertible {
    let number: Int
    let key: [UInt8]
    let data: [UInt8]
    let mac: String
    var testDescription: String { "RFC 4231 test case \(number)" }

    static let all: [HMACVector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/rfc4231-hmac-sha256.json")
        let doc = try! JSON.parse(Array(try! Data(contentsOf: url)))
        return doc.objectValue!["cases"]!.arrayValue!.map { c in
            let o = c.objectValue!
            return HMACVector(number: o["case"]!.integerValue!, key: Hex.decode(o["key"]!.stringValue!)!,
                              data: Hex.decode(o["data"]!.stringValue!)!, mac: o["hmac_sha256"]!.stringValue!)
        }
    }()
}

@Test(arguments: HMACVector.all)
func hmacSHA256MatchesRFC4231(vector: HMACVector) {
    let context = HashContext(hmac: .sha256, key: vector.key)
    context.update(vector.data)
    #expect(Hex.encode(context.finalize()) == vector.mac)
}

/// An HMACKey (the key of keyed records) is 16 to 64 bytes: the RFC's
/// 20- and 25-byte keys are accepted, its 4-byte "Jefe" is refused.
@Test(arguments: HMACVector.all)
func hmacKeyAcceptsOnlySixteenToSixtyFourBytes(vector: HMACVector) {
    let key = try? HMACKey(bytes: vector.key)
    #expect((key != nil) == (16...64).contains(vector.key.count))
    if let key { #expect(key.keyID.count == 16) }
}
