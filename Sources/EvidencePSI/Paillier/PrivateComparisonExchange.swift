import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// The three steps of a comparison over message files. Rows are paired by
/// a join key (`--join`, e.g. the contract number), never by line order:
/// each of B's rows travels with a salted digest of its join key, A answers
/// each with its own row of the same key, and B matches the answers back
/// by the digest. The digest hides the key from nobody who can guess it (A
/// recomputes it for its own keys, and could for any candidate), so A learns
/// which keys B asks about; what stays hidden is the values.
extension PrivateComparison {
    /// The tag of a row: SHA-256 over a domain, the session and the join key's canonical form.
    static func joinTag(_ session: [UInt8], _ joinKey: [UInt8]) -> String {
        let h = HashContext(.sha256)
        h.update(Array("evpsi-v1:cmp-join\u{0}".utf8))
        h.update(session)
        h.update(joinKey)
        return Data(h.finalize()).base64EncodedString()
    }

    /// Each row's tag, refusing a row without the join fields or a key seen before.
    static func joinTags(_ items: [(JSONObject, String)], join: [String], session: [UInt8]) throws -> [String] {
        guard !join.isEmpty, join.allSatisfy({ !$0.isEmpty }) else {
            throw EvidenceError.usage("\(Setting("join")) needs at least one field name")
        }
        var seen: [String: String] = [:]
        return try items.map { o, at in
            let tag = joinTag(session, try PSIItemReader.item(of: o, fields: join, at: at))
            if let first = seen[tag] {
                throw EvidenceError.input("duplicate \(Setting("join")) key (same as \(first)): each row must name one pair", at: at)
            }
            seen[tag] = at
            return tag
        }
    }

    static func itemsDigest(_ items: [(JSONObject, String)]) -> String {
        let digest = HashContext(.sha256)
        for (o, _) in items { digest.update(JCS.canonical(.object(o))); digest.update([0x0a]) }
        return Hex.encode(digest.finalize())
    }

    static func encoded(_ cs: [PaillierCiphertext], _ pk: PaillierPublicKey) -> JSONValue {
        .array(cs.map { .string(Data(pk.bytes($0)).base64EncodedString()) })
    }

    /// B, step 1: encrypt B's values.
    public static func request(channel: PSIChannel, items: [(JSONObject, String)], join: [String], valueField: String, op: Operation, bits: Int,
                               key: PaillierPrivateKey, session: String, statePath: String, out: PSIMessageDestination) throws -> JSONObject {
        let sessionBytes = try PSIProtocol.parseSession(session)
        guard (2...maximumBits).contains(bits) else { throw EvidenceError.usage("\(Setting("bits")) must be in 2…\(maximumBits)") }
        try PSIStateFile.checkOutputs(state: statePath, message: out)
        let tags = try joinTags(items, join: join, session: sessionBytes)
        let pk = key.publicKey
        var extra = PSIParameters.join(join)
        extra["bits"] = .number(Double(bits))
        extra["paillier"] = pk.jwk()
        let writer = try PSIMessageWriter(channel: channel, to: out, header: PSIHeader(
            kind: "cmp-1", session: session, from: "b", group: "paillier", mode: op.rawValue, extra: extra))
        writer.declare("c")
        let values = try items.map { try bigIntValue($0.0[valueField], field: valueField, at: $0.1) }
        let encrypted = try parallelMap(Array(zip(values, items.map(\.1)))) { (v, at) in
            do { return try encryptOwn(v, op: op, bits: bits, key: key) } catch let e as EvidenceError { throw e.located(at) }
        }
        for (cs, tag) in zip(encrypted, tags) {
            try writer.record("c", ["c": encoded(cs, pk), "k": .string(tag)])
        }
        var state = PSIParameters.join(join)
        state["mode"] = .string(op.rawValue)
        state["bits"] = .number(Double(bits))
        state["count"] = .number(Double(items.count))
        state["items_sha256"] = .string(itemsDigest(items))
        try PSIStateFile.write(statePath, kind: "cmp-state", session: session, state)
        try PSIStateFile.finish(writer, elseRemove: statePath)
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

    static func tag(_ reader: PSIMessageReader, _ o: JSONObject) throws -> String {
        guard let t = o["k"]?.stringValue, Data(base64Encoded: t)?.count == 32 else {
            throw EvidenceError.input("expected \"k\" (base64 join-key digest of 32 bytes)", at: reader.location)
        }
        return t
    }

    /// A, step 2: answer each comparison with A's value of the same join key.
    public static func respond(channel: PSIChannel, message input: PSIMessageSource, items: [(JSONObject, String)], join: [String], valueField: String,
                               allowInsecureKey: Bool, out: PSIMessageDestination) throws -> JSONObject {
        let first = try PSIMessageReader(channel: channel, source: input, expect: PSIExpectation(kinds: ["cmp-1"], from: "b", group: "paillier"))
        let at = "\(first.name):1"
        guard let op = Operation(rawValue: first.header.mode) else {
            throw EvidenceError.input("unknown comparison \"\(first.header.mode)\"", at: at)
        }
        try PSIParameters.check(mine: PSIParameters.join(join), peer: first.headerObject, at: at)
        guard let bits = first.headerObject["bits"]?.integerValue, (2...maximumBits).contains(bits) else {
            throw EvidenceError.input("header: expected \"bits\" (2…\(maximumBits))", at: at)
        }
        let pk: PaillierPublicKey
        do { pk = try PaillierPublicKey(jwk: first.headerObject["paillier"] ?? .null, allowInsecure: allowInsecureKey) } catch let e as EvidenceError {
            throw e.located(at)
        }
        let tags = try joinTags(items, join: join, session: first.header.sessionBytes)
        var mine: [String: Int] = [:]
        for (i, t) in tags.enumerated() { mine[t] = i }
        // (row of A, B's ciphertexts, B's tag, B's line)
        var requests: [(Int, [PaillierCiphertext], String, String)] = []
        var asked = Set<String>()
        while let (section, o) = try first.next() {
            guard section == "c" else { throw EvidenceError.input("unexpected line in a cmp-1 message", at: first.location) }
            let cs = try ciphertexts(first, o, "c", pk: pk)
            guard cs.count == (op == .eq ? 1 : bits) else {
                throw EvidenceError.input("expected \(op == .eq ? 1 : bits) ciphertexts, found \(cs.count)", at: first.location)
            }
            let t = try tag(first, o)
            guard asked.insert(t).inserted else {
                throw EvidenceError.input("the peer asks about the same \(Setting("join")) key twice", at: first.location)
            }
            guard let row = mine[t] else {
                throw EvidenceError.input("the peer asks about a \(Setting("join")) key this party has no row for", at: first.location)
            }
            requests.append((row, cs, t, first.location))
        }
        let answers = try parallelMap(requests) { (row, cs, _, _) in
            let (o, rowAt) = items[row]
            let a = try bigIntValue(o[valueField], field: valueField, at: rowAt)
            do { return try answer(a, to: cs, op: op, bits: bits, publicKey: pk) } catch let e as EvidenceError {
                throw e.located(rowAt)
            }
        }
        var extra = PSIParameters.join(join)
        extra["bits"] = .number(Double(bits))
        let writer = try PSIMessageWriter(channel: channel, to: out, header: PSIHeader(
            kind: "cmp-2", session: first.header.session, from: "a", group: "paillier", mode: op.rawValue, extra: extra))
        writer.declare("z")
        for (cs, request) in zip(answers, requests) {
            try writer.record("z", ["z": encoded(cs, pk), "k": .string(request.2)])
        }
        try writer.finish()
        return ["session": .string(first.header.session), "op": .string(op.rawValue), "count": .number(Double(requests.count))]
    }

    /// B, step 3: the result of each comparison, added to B's input lines as
    /// `"result": true|false` (for ge: the peer's value ≥ B's value).
    public static func result(channel: PSIChannel, message input: PSIMessageSource, statePath: String, items: [(JSONObject, String)],
                              key: PaillierPrivateKey) throws -> [JSONValue] {
        let state = try PSIStateFile.read(statePath, kind: "cmp-state")
        guard let session = state["session"]?.stringValue, let mode = state["mode"]?.stringValue,
              let op = Operation(rawValue: mode), let bits = state["bits"]?.integerValue,
              let count = state["count"]?.integerValue,
              let join = state["join"]?.arrayValue?.compactMap(\.stringValue) else {
            throw EvidenceError.input("not an evpsi comparison state file", at: statePath)
        }
        let second = try PSIMessageReader(channel: channel, source: input, expect: PSIExpectation(kinds: ["cmp-2"], from: "a", session: session, group: "paillier"))
        guard second.header.mode == mode else {
            throw EvidenceError.input("answer is for \(second.header.mode), this session asked \(mode)", at: "\(second.name):1")
        }
        try PSIParameters.check(mine: PSIParameters.join(join), peer: second.headerObject, at: "\(second.name):1")
        guard items.count == count, itemsDigest(items) == state["items_sha256"]?.stringValue else {
            throw EvidenceError.usage("the input differs from the one the request was made from")
        }
        let tags = try joinTags(items, join: join, session: try PSIProtocol.parseSession(session))
        var answers: [String: ([PaillierCiphertext], String)] = [:]
        while let (section, o) = try second.next() {
            guard section == "z" else { throw EvidenceError.input("unexpected line in a cmp-2 message", at: second.location) }
            let cs = try ciphertexts(second, o, "z", pk: key.publicKey)
            guard cs.count == (op == .eq ? 1 : bits) else {
                throw EvidenceError.input("expected \(op == .eq ? 1 : bits) ciphertexts, found \(cs.count)", at: second.location)
            }
            let t = try tag(second, o)
            guard answers[t] == nil else { throw EvidenceError.input("a second answer for the same row", at: second.location) }
            answers[t] = (cs, second.location)
        }
        guard answers.count == count else {
            throw EvidenceError.input("\(answers.count) answers for \(count) comparisons", at: second.location)
        }
        let paired = try zip(items, tags).map { item, t -> ([PaillierCiphertext], String) in
            guard let a = answers[t] else { throw EvidenceError.input("no answer for this row", at: item.1) }
            return a
        }
        let bitsOut = try parallelMap(paired) { cs, at in
            do { return try result(cs, op: op, key: key) } catch let e as EvidenceError { throw e.located(at) }
        }
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
