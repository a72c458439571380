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

    static func encoded(_ cs: [[UInt8]]) -> JSONValue {
        .array(cs.map { .string(Data($0).base64EncodedString()) })
    }

    /// The group named in the header: Paillier for eq, DGK for ge.
    static func group(_ op: Operation) -> String { op == .eq ? "paillier" : "dgk" }

    /// B, step 1: encrypt B's values.
    public static func request(channel: PSIChannel, items: [(JSONObject, String)], join: [String], valueField: String, op: Operation, bits: Int,
                               key: PaillierPrivateKey, session: String, statePath: String, out: PSIMessageDestination) throws -> JSONObject {
        let sessionBytes = try PSIProtocol.parseSession(session)
        guard (2...maximumBits).contains(bits) else { throw EvidenceError.usage("\(Setting("bits")) must be in 2…\(maximumBits)") }
        try PSIStateFile.checkOutputs(state: statePath, message: out)
        let tags = try joinTags(items, join: join, session: sessionBytes)
        let pk = key.publicKey
        let values = try items.map { try bigIntValue($0.0[valueField], field: valueField, at: $0.1) }
        var extra = PSIParameters.join(join)
        extra["bits"] = .number(Double(bits))
        var state = PSIParameters.join(join)
        let encrypted: [[[UInt8]]]
        switch op {
        case .eq:
            extra["paillier"] = pk.jwk()
            encrypted = try parallelMap(Array(zip(values, items.map(\.1)))) { (v, at) in
                do { return [pk.bytes(try encryptOwn(v, key: key))] } catch let e as EvidenceError { throw e.located(at) }
            }
        case .ge:
            // Values are checked before the key is made (a bad line costs nothing).
            for (v, (_, at)) in zip(values, items) {
                do { _ = try offset(v, bits: bits) } catch let e as EvidenceError { throw e.located(at) }
            }
            // A fresh DGK key of the Paillier key's size; only this run's state holds it.
            let dgk = try DGKPrivateKey.generate(bits: pk.bits, comparisonBits: bits, encryptions: values.count * bits,
                                                 allowInsecure: pk.bits < paillierMinimumBits)
            extra["dgk"] = dgk.publicKey.json()
            state["dgk"] = dgk.json()
            encrypted = try parallelMap(values) { v in try encryptOwn(v, bits: bits, key: dgk).map(dgk.publicKey.bytes) }
        }
        let writer = try PSIMessageWriter(channel: channel, to: out, header: PSIHeader(
            kind: "cmp-1", session: session, from: "b", group: group(op), mode: op.rawValue, extra: extra))
        writer.declare("c")
        for (cs, tag) in zip(encrypted, tags) {
            try writer.record("c", ["c": encoded(cs), "k": .string(tag)])
        }
        state["mode"] = .string(op.rawValue)
        state["bits"] = .number(Double(bits))
        state["count"] = .number(Double(items.count))
        state["items_sha256"] = .string(itemsDigest(items))
        try PSIStateFile.write(statePath, kind: "cmp-state", session: session, state)
        try PSIStateFile.finish(writer, elseRemove: statePath)
        return ["session": .string(session), "op": .string(op.rawValue), "count": .number(Double(items.count))]
    }

    static func ciphertexts<C>(_ reader: PSIMessageReader, _ o: JSONObject, _ key: String, count: Int,
                               _ parse: ([UInt8]) throws -> C) throws -> [C] {
        guard let list = o[key]?.arrayValue else {
            throw EvidenceError.input("expected \"\(key)\" (array of base64 ciphertexts)", at: reader.location)
        }
        guard list.count == count else {
            throw EvidenceError.input("expected \(count) ciphertexts, found \(list.count)", at: reader.location)
        }
        return try list.map { v in
            guard let s = v.stringValue, let d = Data(base64Encoded: s) else {
                throw EvidenceError.input("\"\(key)\": expected base64 ciphertexts", at: reader.location)
            }
            do { return try parse([UInt8](d)) } catch let e as EvidenceError { throw e.located(reader.location) }
        }
    }

    /// B's ciphertexts of one row, or A's answer to it, under either key.
    enum Ciphertexts {
        case paillier(PaillierCiphertext)
        case dgk([BigInt])
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
        let first = try PSIMessageReader(channel: channel, source: input, expect: PSIExpectation(kinds: ["cmp-1"], from: "b"))
        let at = "\(first.name):1"
        guard let op = Operation(rawValue: first.header.mode) else {
            throw EvidenceError.input("unknown comparison \"\(first.header.mode)\"", at: at)
        }
        guard first.header.group == group(op) else {
            throw EvidenceError.input("message uses group \(first.header.group), a \(op.rawValue) comparison uses \(group(op))", at: at)
        }
        try PSIParameters.check(mine: PSIParameters.join(join), peer: first.headerObject, at: at)
        guard let bits = first.headerObject["bits"]?.integerValue, (2...maximumBits).contains(bits) else {
            throw EvidenceError.input("header: expected \"bits\" (2…\(maximumBits))", at: at)
        }
        var paillier: PaillierPublicKey?
        var dgk: DGKPublicKey?
        do {
            switch op {
            case .eq: paillier = try PaillierPublicKey(jwk: first.headerObject["paillier"] ?? .null, allowInsecure: allowInsecureKey)
            case .ge: dgk = try DGKPublicKey(json: first.headerObject["dgk"] ?? .null, comparisonBits: bits, allowInsecure: allowInsecureKey)
            }
        } catch let e as EvidenceError { throw e.located(at) }
        let tags = try joinTags(items, join: join, session: first.header.sessionBytes)
        var mine: [String: Int] = [:]
        for (i, t) in tags.enumerated() { mine[t] = i }
        // (row of A, B's ciphertexts, B's tag, B's line)
        var requests: [(Int, Ciphertexts, String, String)] = []
        var asked = Set<String>()
        while let (section, o) = try first.next() {
            guard section == "c" else { throw EvidenceError.input("unexpected line in a cmp-1 message", at: first.location) }
            let cs: Ciphertexts
            if let pk = paillier {
                cs = .paillier(try ciphertexts(first, o, "c", count: 1, pk.ciphertext(bytes:))[0])
            } else {
                cs = .dgk(try ciphertexts(first, o, "c", count: bits, dgk!.ciphertext(bytes:)))
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
        // h's table is sized for the answers to make: known once the request is read.
        let responder = try dgk.map { try Responder($0, answers: requests.count * bits) }
        let answers = try parallelMap(requests) { (row, cs, _, line) -> [[UInt8]] in
            let (o, rowAt) = items[row]
            let a = try bigIntValue(o[valueField], field: valueField, at: rowAt)
            switch cs {
            case .paillier(let c):
                let pk = paillier!
                do { return [pk.bytes(try answer(a, to: c, publicKey: pk))] } catch let e as EvidenceError { throw e.located(rowAt) }
            case .dgk(let bitsOfB):
                let r = responder!
                // A's own value out of range names A's line; a bad ciphertext, B's.
                do { _ = try offset(a, bits: bits) } catch let e as EvidenceError { throw e.located(rowAt) }
                do { return try answer(a, to: bitsOfB, bits: bits, responder: r).map(r.publicKey.bytes) } catch let e as EvidenceError {
                    throw e.located(line)
                }
            }
        }
        var extra = PSIParameters.join(join)
        extra["bits"] = .number(Double(bits))
        let writer = try PSIMessageWriter(channel: channel, to: out, header: PSIHeader(
            kind: "cmp-2", session: first.header.session, from: "a", group: group(op), mode: op.rawValue, extra: extra))
        writer.declare("z")
        for (cs, request) in zip(answers, requests) {
            try writer.record("z", ["z": encoded(cs), "k": .string(request.2)])
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
        let dgk: DGKPrivateKey?
        do { dgk = op == .ge ? try DGKPrivateKey(json: state["dgk"] ?? .null, comparisonBits: bits) : nil } catch let e as EvidenceError {
            throw e.located(statePath)
        }
        let second = try PSIMessageReader(channel: channel, source: input, expect: PSIExpectation(kinds: ["cmp-2"], from: "a", session: session, group: group(op)))
        guard second.header.mode == mode else {
            throw EvidenceError.input("answer is for \(second.header.mode), this session asked \(mode)", at: "\(second.name):1")
        }
        try PSIParameters.check(mine: PSIParameters.join(join), peer: second.headerObject, at: "\(second.name):1")
        guard items.count == count, itemsDigest(items) == state["items_sha256"]?.stringValue else {
            throw EvidenceError.usage("the input differs from the one the request was made from")
        }
        let tags = try joinTags(items, join: join, session: try PSIProtocol.parseSession(session))
        var answers: [String: (Ciphertexts, String)] = [:]
        // Honest answers are freshly randomised: a ciphertext seen twice is a copy (rule distinct-answers).
        var seen = Set<[UInt8]>()
        while let (section, o) = try second.next() {
            guard section == "z" else { throw EvidenceError.input("unexpected line in a cmp-2 message", at: second.location) }
            let cs: Ciphertexts
            if let dgk {
                let list = try ciphertexts(second, o, "z", count: bits) { b -> BigInt in
                    guard seen.insert(b).inserted else {
                        throw EvidenceError.input("refused: a ciphertext appears twice (rule distinct-answers: an honest answer is randomised afresh)")
                    }
                    return try dgk.publicKey.ciphertext(bytes: b)
                }
                cs = .dgk(list)
            } else {
                cs = .paillier(try ciphertexts(second, o, "z", count: 1, key.publicKey.ciphertext(bytes:))[0])
            }
            let t = try tag(second, o)
            guard answers[t] == nil else { throw EvidenceError.input("a second answer for the same row", at: second.location) }
            answers[t] = (cs, second.location)
        }
        guard answers.count == count else {
            throw EvidenceError.input("\(answers.count) answers for \(count) comparisons", at: second.location)
        }
        let paired = try zip(items, tags).map { item, t -> (Ciphertexts, String) in
            guard let a = answers[t] else { throw EvidenceError.input("no answer for this row", at: item.1) }
            return a
        }
        let bitsOut = try parallelMap(paired) { cs, at in
            do {
                switch cs {
                case .paillier(let c): return result(c, key: key)
                case .dgk(let list): return try result(list, key: dgk!)
                }
            } catch let e as EvidenceError { throw e.located(at) }
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
