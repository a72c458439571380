import Foundation

/// Private comparisons between B, who holds a Paillier key and values b_k,
/// and A, who holds values a_k; the k-th values are compared. B learns only
/// the result bit of each comparison; A learns nothing but the count.
///
/// - `eq`: B sends Enc(b); A returns Enc(r·(a − b)) rerandomised, r a random
///   unit mod n. It decrypts to 0 exactly when a = b, and to a uniformly
///   random unit otherwise.
/// - `ge` (a ≥ b): the bitwise comparison of Damgård, Geisler and Krøigaard
///   (ACISP 2007) over Paillier, in the arrangement where the key holder is
///   meant to learn the bit (the blinding bit s of DGK/Veugen is fixed to 1,
///   since nothing is to be hidden from B). With x = a + 2^(ℓ−1) and
///   y = b + 2^(ℓ−1) as ℓ-bit numbers, B sends Enc(y_i) for every bit; A
///   computes for every i
///       c_i = x_i − y_i + 1 + 3·Σ_{j>i} (x_j ⊕ y_j)
///   homomorphically (x_j ⊕ y_j is Enc(y_j) or Enc(1 − y_j) since A knows x_j),
///   multiplies each by a random unit r_i, rerandomises and shuffles. At most
///   one c_i is zero, and one is exactly when x < y (at the highest bit where
///   they differ, x_i = 0 and y_i = 1); every other value B decrypts is a
///   uniformly random unit. So B learns [a ≥ b] and nothing else — not the
///   position, not the magnitude of the difference.
public enum PrivateComparison {
    public enum Operation: String, Sendable, CaseIterable { case eq, ge }

    public static let defaultBits = 64
    public static let maximumBits = 256

    /// The ℓ-bit offset encoding of a signed value in [−2^(ℓ−1), 2^(ℓ−1)).
    static func offset(_ v: BigInt, bits: Int) throws -> BigInt {
        let half = BigInt.one.shiftedLeft(bits - 1)
        let u = v + half
        guard !u.isNegative, u.bitWidth <= bits else {
            throw EvidenceError.input("value \(v) is outside the \(bits)-bit range [-2^\(bits - 1), 2^\(bits - 1))")
        }
        return u
    }

    /// B's message for one value: one ciphertext (eq) or ℓ bit ciphertexts,
    /// most significant first (ge).
    public static func encryptOwn(_ b: BigInt, op: Operation, bits: Int, key: PaillierPrivateKey) throws -> [PaillierCiphertext] {
        switch op {
        case .eq:
            return [try key.encrypt(b)]
        case .ge:
            let y = try offset(b, bits: bits)
            return try (0..<bits).reversed().map { i in try key.encrypt(y.bit(i) ? .one : .zero) }
        }
    }

    /// A's answer for one comparison, shuffled for ge.
    public static func answer(_ a: BigInt, to received: [PaillierCiphertext], op: Operation, bits: Int,
                              publicKey pk: PaillierPublicKey) throws -> [PaillierCiphertext] {
        switch op {
        case .eq:
            guard received.count == 1 else { throw EvidenceError.input("expected 1 ciphertext, found \(received.count)") }
            let difference = try pk.addPlain(pk.negate(received[0]), a)
            return [pk.rerandomise(pk.multiplySecret(difference, by: BigInt.randomUnit(modulo: pk.n)))]
        case .ge:
            guard received.count == bits else {
                throw EvidenceError.input("expected \(bits) bit ciphertexts, found \(received.count)")
            }
            let x = try offset(a, bits: bits)
            let one = try pk.encryptDeterministic(.one)
            var differing = try pk.encryptDeterministic(.zero)   // Enc(Σ_{j>i} x_j ⊕ y_j)
            var out: [PaillierCiphertext] = []
            out.reserveCapacity(bits)
            for (k, yBit) in received.enumerated() {
                let i = bits - 1 - k
                let xi = x.bit(i)
                // Enc(x_i − y_i + 1 + 3·W)
                var c = pk.add(pk.negate(yBit), pk.multiply(differing, by: BigInt(3)))
                c = try pk.addPlain(c, xi ? BigInt(2) : .one)
                out.append(pk.rerandomise(pk.multiplySecret(c, by: BigInt.randomUnit(modulo: pk.n))))
                differing = pk.add(differing, xi ? pk.add(one, pk.negate(yBit)) : yBit)
            }
            shuffle(&out)
            return out
        }
    }

    /// B's reading of A's answer: the result bit.
    public static func result(_ answer: [PaillierCiphertext], op: Operation, key: PaillierPrivateKey) -> Bool {
        switch op {
        case .eq:
            return key.decryptsToZero(answer[0])
        case .ge:
            // Examine every element (no early exit), so timing does not depend on the position of a zero.
            var zeros = 0
            for c in answer where key.decryptsToZero(c) { zeros += 1 }
            return zeros == 0
        }
    }

    /// Fisher–Yates with the DRBG.
    static func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = BigInt.random(below: BigInt(i + 1)).intValue!
            a.swapAt(i, j)
        }
    }

    // MARK: - The three steps over message files

    /// B, step 1: encrypt B's values.
    public static func request(items: [(JSONObject, String)], valueField: String, op: Operation, bits: Int,
                               key: PaillierPrivateKey, session: String, statePath: String, messagePath: String) throws -> JSONObject {
        _ = try PSIProtocol.parseSession(session)
        guard (2...maximumBits).contains(bits) else { throw EvidenceError.usage("--bits must be in 2…\(maximumBits)") }
        let pk = key.publicKey
        let writer = try PSIMessageWriter(path: messagePath, header: PSIHeader(
            kind: "cmp-1", session: session, from: "b", group: "paillier", mode: op.rawValue,
            extra: ["bits": .number(Double(bits)), "paillier": pk.jwk()]))
        writer.declare("c")
        let values = try items.map { try bigIntValue($0.0[valueField], field: valueField, at: $0.1) }
        let encrypted = try parallelMap(Array(zip(values, items.map(\.1)))) { (v, at) in
            do { return try encryptOwn(v, op: op, bits: bits, key: key) } catch let e as EvidenceError { throw e.located(at) }
        }
        for cs in encrypted {
            try writer.entry("c", .array(cs.map { .string(Data(pk.bytes($0)).base64EncodedString()) }))
        }
        let digest = HashContext(.sha256)
        for (o, _) in items { digest.update(JCS.canonical(.object(o))); digest.update([0x0a]) }
        try SecretFile.writeJSON(statePath, .object([
            "protocol": .string(PSIProtocol.name), "version": .number(Double(PSIProtocol.version)), "kind": "cmp-state",
            "session": .string(session), "mode": .string(op.rawValue), "bits": .number(Double(bits)),
            "count": .number(Double(items.count)), "items_sha256": .string(Hex.encode(digest.finalize()))]))
        try writer.finish()
        return ["session": .string(session), "op": .string(op.rawValue), "count": .number(Double(items.count))]
    }

    static func ciphertexts(_ reader: PSIMessageReader, _ o: JSONObject, _ key: String, pk: PaillierPublicKey) throws -> [PaillierCiphertext] {
        guard let list = o[key]?.arrayValue else {
            throw EvidenceError.input("expected \"\(key)\" (array of base64 ciphertexts)", at: reader.location)
        }
        return try list.map { v in
            guard let s = v.stringValue, let d = Data(base64Encoded: s) else {
                throw EvidenceError.input("\"\(key)\": expected base64 ciphertexts", at: reader.location)
            }
            do { return try pk.ciphertext(bytes: [UInt8](d)) } catch let e as EvidenceError { throw e.located(reader.location) }
        }
    }

    /// A, step 2: answer each comparison with A's value at the same position.
    public static func respond(messagePath inPath: String, items: [(JSONObject, String)], valueField: String,
                               allowInsecureKey: Bool, messagePath: String) throws -> JSONObject {
        let first = try PSIMessageReader(path: inPath, expect: PSIExpectation(kinds: ["cmp-1"], from: "b", group: "paillier"))
        let at = "\(first.name):1"
        guard let op = Operation(rawValue: first.header.mode) else {
            throw EvidenceError.input("unknown comparison \"\(first.header.mode)\"", at: at)
        }
        guard let bits = first.headerObject["bits"]?.integerValue, (2...maximumBits).contains(bits) else {
            throw EvidenceError.input("header: expected \"bits\" (2…\(maximumBits))", at: at)
        }
        let pk: PaillierPublicKey
        do { pk = try PaillierPublicKey(jwk: first.headerObject["paillier"] ?? .null, allowInsecure: allowInsecureKey) } catch let e as EvidenceError {
            throw e.located(at)
        }
        var requests: [([PaillierCiphertext], String)] = []
        while let (section, o) = try first.next() {
            guard section == "c" else { throw EvidenceError.input("unexpected line in a cmp-1 message", at: first.location) }
            let cs = try ciphertexts(first, o, "c", pk: pk)
            guard cs.count == (op == .eq ? 1 : bits) else {
                throw EvidenceError.input("expected \(op == .eq ? 1 : bits) ciphertexts, found \(cs.count)", at: first.location)
            }
            requests.append((cs, first.location))
        }
        guard requests.count == items.count else {
            throw EvidenceError.input("the peer asks \(requests.count) comparisons, this party has \(items.count) values", at: first.location)
        }
        let values = try items.map { try bigIntValue($0.0[valueField], field: valueField, at: $0.1) }
        let answers = try parallelMap(Array(zip(values, zip(requests, items.map(\.1))))) { (a, pair) in
            do { return try answer(a, to: pair.0.0, op: op, bits: bits, publicKey: pk) } catch let e as EvidenceError {
                throw e.located(pair.1)
            }
        }
        let writer = try PSIMessageWriter(path: messagePath, header: PSIHeader(
            kind: "cmp-2", session: first.header.session, from: "a", group: "paillier", mode: op.rawValue,
            extra: ["bits": .number(Double(bits))]))
        writer.declare("z")
        for cs in answers {
            try writer.entry("z", .array(cs.map { .string(Data(pk.bytes($0)).base64EncodedString()) }))
        }
        try writer.finish()
        return ["session": .string(first.header.session), "op": .string(op.rawValue), "count": .number(Double(items.count))]
    }

    /// B, step 3: the result of each comparison, added to B's input lines as
    /// `"result": true|false` (for ge: the peer's value ≥ B's value).
    public static func result(messagePath inPath: String, statePath: String, items: [(JSONObject, String)],
                              key: PaillierPrivateKey) throws -> [JSONValue] {
        let state = try SecretFile.readJSON(statePath)
        guard state["kind"]?.stringValue == "cmp-state", let session = state["session"]?.stringValue,
              let mode = state["mode"]?.stringValue, let op = Operation(rawValue: mode),
              let bits = state["bits"]?.integerValue, let count = state["count"]?.integerValue else {
            throw EvidenceError.input("not an evpsi comparison state file", at: statePath)
        }
        let second = try PSIMessageReader(path: inPath, expect: PSIExpectation(kinds: ["cmp-2"], from: "a", session: session, group: "paillier"))
        guard second.header.mode == mode else {
            throw EvidenceError.input("answer is for \(second.header.mode), this session asked \(mode)", at: "\(second.name):1")
        }
        var answers: [([PaillierCiphertext], String)] = []
        while let (section, o) = try second.next() {
            guard section == "z" else { throw EvidenceError.input("unexpected line in a cmp-2 message", at: second.location) }
            let cs = try ciphertexts(second, o, "z", pk: key.publicKey)
            guard cs.count == (op == .eq ? 1 : bits) else {
                throw EvidenceError.input("expected \(op == .eq ? 1 : bits) ciphertexts, found \(cs.count)", at: second.location)
            }
            answers.append((cs, second.location))
        }
        guard answers.count == count, items.count == count else {
            throw EvidenceError.input("\(answers.count) answers for \(count) comparisons", at: second.location)
        }
        let digest = HashContext(.sha256)
        for (o, _) in items { digest.update(JCS.canonical(.object(o))); digest.update([0x0a]) }
        guard Hex.encode(digest.finalize()) == state["items_sha256"]?.stringValue else {
            throw EvidenceError.usage("the input differs from the one the request was made from")
        }
        let bitsOut = try parallelMap(answers) { result($0.0, op: op, key: key) }
        return zip(items, bitsOut).map { item, r in
            var o = item.0
            o["result"] = .bool(r)
            return .object(o)
        }
    }

    /// Reads all lines of JSONL files (comparisons are batched in memory: one line each).
    public static func readItems(_ paths: [String]) throws -> [(JSONObject, String)] {
        var out: [(JSONObject, String)] = []
        for path in paths.isEmpty ? ["-"] : paths {
            let r = try JSONLinesReader.open(path)
            while let o = try r.nextObject() { out.append((o, r.location)) }
        }
        return out
    }
}
