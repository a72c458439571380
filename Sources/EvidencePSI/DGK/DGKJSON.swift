import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

// DGK keys in JSON, integers as lowercase hex (DESIGN.md):
//   public (a cmp-1 header's "dgk")  {"n":<hex>,"g":<hex>,"h":<hex>,"u":193,"t":224}
//   private (B's comparison state)   the public fields and "p","q","vp","vq" (hex)
// The private key lives only in B's state file (0600, sealed): a key is
// made for each ge request and used by its result step only.

extension DGKPublicKey {
    public func json() -> JSONValue {
        .object(["n": .string(n.hex), "g": .string(g.hex), "h": .string(h.hex),
                 "u": .number(Double(u)), "t": .number(Double(t))])
    }

    /// Reads and checks a peer's public key (see `init(n:g:h:u:t:…)`).
    public init(json value: JSONValue, comparisonBits: Int, allowInsecure: Bool) throws {
        let o = value.objectValue ?? [:]
        let n = try Self.hexField(o, "n"), g = try Self.hexField(o, "g"), h = try Self.hexField(o, "h")
        guard let u = o["u"]?.integerValue, let t = o["t"]?.integerValue else {
            throw EvidenceError.input("dgk key: expected \"u\" and \"t\" (integers)")
        }
        try self.init(n: n, g: g, h: h, u: u, t: t, comparisonBits: comparisonBits, allowInsecure: allowInsecure)
    }

    static func hexField(_ o: JSONObject, _ name: String) throws -> BigInt {
        // 2048 hex digits is 8192 bits: the bound comes before any parsing.
        guard let s = o[name]?.stringValue, s.utf8.count <= paillierMaximumBits / 4,
              s.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let x = BigInt(hex: s) else {
            throw EvidenceError.input("dgk key: expected \"\(name)\" (lowercase hex integer)")
        }
        return x
    }
}

extension DGKPrivateKey {
    public func json() -> JSONValue {
        var o = publicKey.json().objectValue!
        o["p"] = .string(p.hex); o["q"] = .string(q.hex)
        o["vp"] = .string(vp.hex); o["vq"] = .string(vq.hex)
        return .object(o)
    }

    /// B's key from its state, for zero tests (no encryption tables).
    public init(json value: JSONValue, comparisonBits: Int) throws {
        let o = value.objectValue ?? [:]
        let f = DGKPublicKey.hexField
        guard let u = o["u"]?.integerValue, let t = o["t"]?.integerValue else {
            throw EvidenceError.input("dgk key: expected \"u\" and \"t\" (integers)")
        }
        try self.init(p: try f(o, "p"), q: try f(o, "q"), vp: try f(o, "vp"), vq: try f(o, "vq"), g: try f(o, "g"), h: try f(o, "h"),
                      u: u, t: t, comparisonBits: comparisonBits, encryptions: 0)
        guard publicKey.n == (try f(o, "n")) else { throw EvidenceError.input("dgk key: n is not p·q") }
    }
}
