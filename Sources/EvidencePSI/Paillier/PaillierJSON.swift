import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

// Paillier keys and ciphertexts in the JSON of python-paillier's `pheutil`
// (phe/command_line.py), so that files move between evpsi and phe:
//   public key   {"kty":"DAJ","alg":"PAI-GN1","key_ops":["encrypt"],"n":<b64url>,"kid":…}
//   private key  {"kty":"DAJ","key_ops":["decrypt"],"p":<b64url>,"q":<b64url>,"pub":<public key>,"kid":…}
//   ciphertext   {"v":"<decimal ciphertext>","e":<exponent>}
// Integers in keys are big-endian bytes in unpadded base64url (phe.util.int_to_base64).
// evpsi handles integers only: a ciphertext's exponent "e" must be 0.

public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacing("+", with: "-").replacing("/", with: "_")
            .replacing("=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ c in
            (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f
        }), text.utf8.count % 4 != 1 else { return nil }
        var s = text.replacing("-", with: "+").replacing("_", with: "/")
        while s.utf8.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map { [UInt8]($0) }
    }
}

extension PaillierPublicKey {
    public func jwk(kid: String = "evpsi paillier public key") -> JSONValue {
        .object(["kty": "DAJ", "alg": "PAI-GN1", "key_ops": ["encrypt"],
                 "n": .string(Base64URL.encode(n.bigEndianBytes)), "kid": .string(kid)])
    }

    /// Reads a public key, refusing one below 2048 bits unless `allowInsecure`,
    /// and a malformed modulus always (`checkModulus`).
    public init(jwk value: JSONValue, allowInsecure: Bool = false) throws {
        guard case .object(let o) = value, o["kty"]?.stringValue == "DAJ" else {
            throw EvidenceError.input("not a paillier key (expected \"kty\":\"DAJ\")")
        }
        guard let text = o["n"]?.stringValue, let bytes = Base64URL.decode(text), !bytes.isEmpty else {
            throw EvidenceError.input("paillier key: expected \"n\" (base64url integer)")
        }
        let n = BigInt(bigEndian: bytes)
        guard allowInsecure || n.bitWidth >= paillierMinimumBits else {
            throw EvidenceError.input("paillier key of \(n.bitWidth) bits refused: at least \(paillierMinimumBits) required")
        }
        try self.init(n: n)
        // After init's bounds, so an oversized key is refused before any work.
        try Self.checkModulus(n)
    }

    /// phe's ciphertext object for an integer (exponent 0).
    public func json(_ c: PaillierCiphertext) -> JSONValue {
        .object(["v": .string(c.value.description), "e": 0])
    }

    public func ciphertext(json value: JSONValue) throws -> PaillierCiphertext {
        guard let text = value["v"]?.stringValue, let c = BigInt(text) else {
            throw EvidenceError.input("expected \"v\" (ciphertext as a decimal string)")
        }
        if let e = value["e"], e.integerValue != 0 {
            throw EvidenceError.input("\"e\": only integer plaintexts (exponent 0) are supported")
        }
        return try validate(c)
    }
}

extension PaillierPrivateKey {
    public func jwk(kid: String = "evpsi paillier private key") -> JSONValue {
        .object(["kty": "DAJ", "key_ops": ["decrypt"],
                 "p": .string(Base64URL.encode(p.bigEndianBytes)), "q": .string(Base64URL.encode(q.bigEndianBytes)),
                 "pub": publicKey.jwk(kid: kid.replacing("private", with: "public")), "kid": .string(kid)])
    }

    public init(jwk value: JSONValue, allowInsecure: Bool = false) throws {
        guard case .object(let o) = value, o["kty"]?.stringValue == "DAJ",
              o["key_ops"]?.arrayValue?.contains(.string("decrypt")) == true else {
            throw EvidenceError.input("not a paillier private key (expected \"kty\":\"DAJ\" and key_ops [\"decrypt\"])")
        }
        guard let ps = o["p"]?.stringValue, let p = Base64URL.decode(ps),
              let qs = o["q"]?.stringValue, let q = Base64URL.decode(qs) else {
            throw EvidenceError.input("paillier private key: expected \"p\" and \"q\" (base64url integers)")
        }
        try self.init(p: BigInt(bigEndian: p), q: BigInt(bigEndian: q), allowInsecure: allowInsecure)
        if let pub = o["pub"] {
            let declared = try PaillierPublicKey(jwk: pub, allowInsecure: true)
            guard declared.n == publicKey.n else { throw EvidenceError.input("paillier private key: \"pub\".n ≠ p·q") }
        }
    }

    /// Loads a private key file (0600 enforced).
    public static func load(_ path: String, allowInsecure: Bool = false) throws -> PaillierPrivateKey {
        let o = try SecretFile.readJSON(path)
        do { return try PaillierPrivateKey(jwk: .object(o), allowInsecure: allowInsecure) } catch let e as EvidenceError {
            throw e.located(path)
        }
    }
}

/// Reads a public key from a file: a public JWK, or the "pub" of a private one.
public func loadPaillierPublicKey(_ path: String, allowInsecure: Bool = false) throws -> PaillierPublicKey {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw EvidenceError.io("cannot read", at: path)
    }
    do {
        var value = try JSON.parse([UInt8](data).filter { $0 != 0x0a })
        if let pub = value["pub"] { value = pub }
        return try PaillierPublicKey(jwk: value, allowInsecure: allowInsecure)
    } catch let e as EvidenceError { throw e.located(path) }
}

/// An integer from a JSON value: a number that is an exact integer of
/// magnitude below 2^53, or a string of decimal digits for anything larger.
/// A number at or beyond 2^53 is refused, not rounded: the parser holds
/// numbers as doubles, so 9007199254740993 would arrive as …992.
public func bigIntValue(_ value: JSONValue?, field: String, at location: String) throws -> BigInt {
    if case .number = value {
        guard let i = try exactInteger(value!, field: field, at: location) else {
            throw EvidenceError.input("\"\(field)\": expected an integer, found a fraction", at: location)
        }
        return BigInt(i)
    }
    if let s = value?.stringValue, let b = BigInt(s) { return b }
    throw EvidenceError.input("expected \"\(field)\" (integer, or decimal string for large values)", at: location)
}

/// Magnitudes from 2^53 on may have been rounded by the JSON parser.
public let largestExactJSONInteger = 9_007_199_254_740_991

/// The integer a JSON number stands for, nil for a fraction; throws for a
/// number too large to have been read exactly.
public func exactInteger(_ value: JSONValue, field: String, at location: String) throws -> Int? {
    guard case .number(let d) = value else { return nil }
    guard abs(d) <= Double(largestExactJSONInteger) else {
        throw EvidenceError.input("\"\(field)\": number beyond ±(2^53−1) cannot be read exactly; write it as a decimal string", at: location)
    }
    return d.rounded(.towardZero) == d ? Int(d) : nil
}

/// The JSON form of an integer: a number when exactly representable, else a decimal string.
public func jsonInteger(_ b: BigInt) -> JSONValue {
    if let i = b.intValue, abs(i) <= 9_007_199_254_740_992 { return .number(Double(i)) }
    return .string(b.description)
}
