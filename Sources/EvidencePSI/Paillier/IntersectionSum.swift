import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// Private intersection-sum as in Google's private-join-and-compute
/// (Ion et al., "On Deploying Secure Computing: Private Intersection-Sum-
/// with-Cardinality", EuroS&P 2020), three messages:
///   1. A → B  H(x)^α for A's identifiers, sorted                 (section "a")
///   2. B → A  H(x)^αβ, sorted                                     (section "d")
///            and (H(y)^β, Enc_B(v_y)) for B's pairs, sorted       (section "v")
///            with B's Paillier public key in the header
///   3. A → B  |A ∩ B| and Enc_B(Σ v over the intersection), rerandomised
/// A learns |B| and |A ∩ B|; B learns |A|, |A ∩ B| and the sum.
public enum IntersectionSum {
    static let chunk = 2048

    /// A, step 1.
    public static func start(channel: PSIChannel, items: PSIItemReader, group: any PSIGroup, session: String,
                             statePath: String, out: PSIMessageDestination) throws -> JSONObject {
        let sessionBytes = try PSIProtocol.parseSession(session)
        try PSIStateFile.checkOutputs(state: statePath, message: out)
        let alpha = group.randomExponent()
        let writer = try PSIMessageWriter(channel: channel, to: out, header: PSIHeader(
            kind: "sum-1", session: session, from: "a", group: group.name, mode: "sum", extra: items.options.parameters))
        writer.declare("a")
        for e in try group.blindSorted(items, session: sessionBytes, exponent: alpha, chunk: chunk) {
            try writer.element("a", e)
        }
        try DHPSIState(session: session, group: group.name, mode: "sum", secret: alpha, count: items.count,
                       distinct: items.count - items.duplicates, itemsDigest: items.finishDigest(), parameters: items.options.parameters, kind: "sum-state-a").save(statePath)
        try PSIStateFile.finish(writer, elseRemove: statePath)
        return ["session": .string(session), "group": .string(group.name), "count": .number(Double(items.count)),
                "duplicates": .number(Double(items.duplicates))]
    }

    /// B, step 2: B's items carry a value field; B holds the Paillier key.
    public static func reply(channel: PSIChannel, message input: PSIMessageSource, items: PSIItemReader, valueField: String,
                             key: PaillierPrivateKey, group: any PSIGroup,
                             statePath: String, out: PSIMessageDestination) throws -> JSONObject {
        try PSIStateFile.checkOutputs(state: statePath, message: out)
        let first = try PSIMessageReader(channel: channel, source: input, expect: PSIExpectation(kinds: ["sum-1"], from: "a", group: group.name))
        try PSIParameters.check(mine: items.options.parameters, peer: first.headerObject, at: "\(first.name):1")
        let session = first.header.sessionBytes
        let beta = group.randomExponent()
        let pk = key.publicKey
        var extra = items.options.parameters
        extra["paillier"] = pk.jwk()
        let writer = try PSIMessageWriter(channel: channel, to: out, header: PSIHeader(
            kind: "sum-2", session: first.header.session, from: "b", group: group.name, mode: "sum", extra: extra))
        var doubled: [[UInt8]] = []
        try first.forEachChunk(section: "a", length: group.elementByteCount, chunk: chunk) { batch in
            doubled += try mapElements(batch) { try group.reblind($0, exponent: beta) }
        }
        if try first.next() != nil { throw EvidenceError.input("unexpected line in a sum-1 message", at: first.location) }
        doubled.sort { $0.lexicographicallyPrecedes($1) }
        writer.declare("d")
        for e in doubled { try writer.element("d", e) }

        var pairs: [([UInt8], [UInt8])] = []
        while true {
            let batch = try items.nextChunk(chunk)
            if batch.isEmpty { break }
            pairs += try parallelMap(batch) { item -> ([UInt8], [UInt8]) in
                let v = try bigIntValue(item.object[valueField], field: valueField, at: item.location)
                let c: PaillierCiphertext
                do { c = try key.encrypt(v) } catch let e as EvidenceError { throw e.located(item.location) }
                return (group.blind(item.item, session: session, exponent: beta), pk.bytes(c))
            }
        }
        pairs.sort { $0.0.lexicographicallyPrecedes($1.0) }
        writer.declare("v")
        for (e, c) in pairs {
            try writer.record("v", ["v": .string(Data(e).base64EncodedString()), "c": .string(Data(c).base64EncodedString())])
        }
        // β is not needed after this step, so it is not kept.
        try DHPSIState(session: first.header.session, group: group.name, mode: "sum", secret: nil,
                       count: items.count, distinct: items.count - items.duplicates, itemsDigest: items.finishDigest(), parameters: items.options.parameters,
                       kind: "sum-state-b").save(statePath)
        try PSIStateFile.finish(writer, elseRemove: statePath)
        return ["session": .string(first.header.session), "count": .number(Double(items.count)),
                "peer_count": .number(Double(doubled.count)), "duplicates": .number(Double(items.duplicates))]
    }

    /// A, step 3: intersect, add the matched ciphertexts, rerandomise.
    public static func finish(channel: PSIChannel, message input: PSIMessageSource, statePath: String, allowInsecureKey: Bool,
                              out: PSIMessageDestination) throws -> JSONObject {
        let state = try DHPSIState.load(statePath, kind: "sum-state-a")
        guard let alpha = state.secret else { throw EvidenceError.input("state file has no secret", at: statePath) }
        let group = try PSIGroups.named(state.group)
        let second = try PSIMessageReader(channel: channel, source: input, expect: PSIExpectation(
            kinds: ["sum-2"], from: "b", session: state.session, group: state.group))
        try PSIParameters.check(mine: state.parameters, peer: second.headerObject, at: "\(second.name):1")
        guard let jwk = second.headerObject["paillier"] else {
            throw EvidenceError.input("header: expected \"paillier\" (B's public key)", at: "\(second.name):1")
        }
        let pk: PaillierPublicKey
        do { pk = try PaillierPublicKey(jwk: jwk, allowInsecure: allowInsecureKey) } catch let e as EvidenceError {
            throw e.located("\(second.name):1")
        }
        let session = try PSIProtocol.parseSession(state.session)
        var theirs = Set<PSIDigestKey>()
        var peerSeen = 0
        try second.forEachChunk(section: "d", length: group.elementByteCount, chunk: chunk) { batch in
            let keys = try mapElements(batch) { e in try group.validate(e); return DHPSI.matchKey(session, e) }
            theirs.formUnion(keys)
            peerSeen += batch.count
        }
        guard peerSeen == state.count else {
            throw EvidenceError.input("message re-blinds \(peerSeen) items, this party sent \(state.count)", at: second.location)
        }
        var sum = try pk.encryptDeterministic(BigInt.zero)
        var cardinality = 0
        var peerCount = 0
        var batch: [([UInt8], [UInt8], String)] = []
        func flush() throws {
            let results = try parallelMap(batch) { (e, c, loc) -> (PSIDigestKey, PaillierCiphertext) in
                do {
                    let k = DHPSI.matchKey(session, try group.reblind(e, exponent: alpha))
                    return (k, try pk.ciphertext(bytes: c))
                } catch let error as EvidenceError { throw error.located(loc) }
            }
            for (k, c) in results where theirs.contains(k) {
                sum = pk.add(sum, c)
                cardinality += 1
            }
            peerCount += batch.count
            batch.removeAll(keepingCapacity: true)
        }
        while let s = try second.peekSection(), s == "v" {
            let (_, o) = try second.next()!
            let e = try second.element(o, "v", length: group.elementByteCount)
            let c = try second.element(o, "c", length: pk.ciphertextByteCount)
            batch.append((e, c, second.location))
            if batch.count == chunk { try flush() }
        }
        try flush()
        if try second.next() != nil { throw EvidenceError.input("unexpected line in a sum-2 message", at: second.location) }
        let writer = try PSIMessageWriter(channel: channel, to: out, header: PSIHeader(
            kind: "sum-3", session: state.session, from: "a", group: state.group, mode: "sum"))
        try writer.record("s", ["s": .string(Data(pk.bytes(pk.rerandomise(sum))).base64EncodedString()),
                                "cardinality": .number(Double(cardinality))])
        try writer.finish()
        return ["session": .string(state.session), "cardinality": .number(Double(cardinality)),
                "count": .number(Double(state.count)), "peer_count": .number(Double(peerCount))]
    }

    /// B, step 4: decrypt the sum.
    public static func result(channel: PSIChannel, message input: PSIMessageSource, statePath: String, key: PaillierPrivateKey) throws -> JSONObject {
        let state = try DHPSIState.load(statePath, kind: "sum-state-b")
        let third = try PSIMessageReader(channel: channel, source: input, expect: PSIExpectation(
            kinds: ["sum-3"], from: "a", session: state.session, group: state.group))
        guard let (section, o) = try third.next(), section == "s" else {
            throw EvidenceError.input("expected the \"s\" line (encrypted sum)", at: third.location)
        }
        let pk = key.publicKey
        let c: PaillierCiphertext
        do { c = try pk.ciphertext(bytes: try third.element(o, "s", length: pk.ciphertextByteCount)) } catch let e as EvidenceError {
            throw e.located(third.location)
        }
        guard let cardinality = o["cardinality"]?.integerValue, cardinality >= 0, cardinality <= state.count else {
            throw EvidenceError.input("expected \"cardinality\" (0…\(state.count))", at: third.location)
        }
        let at = third.location
        if try third.next() != nil { throw EvidenceError.input("unexpected line in a sum-3 message", at: third.location) }
        let sum: BigInt
        do { sum = try key.decrypt(c) } catch let e as EvidenceError { throw e.located(at) }
        return ["cardinality": .number(Double(cardinality)), "sum": jsonInteger(sum), "count": .number(Double(state.count))]
    }
}
