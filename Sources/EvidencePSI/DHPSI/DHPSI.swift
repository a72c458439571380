import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// What the receiving party (B) learns from a DH-PSI run.
public enum PSIMode: String, Sendable, CaseIterable {
    /// B learns which of its items A also holds; A learns |B|.
    case intersection
    /// B learns only |A ∩ B| (and |A|); A learns |B|.
    case cardinality
    /// As `intersection`, plus A's label (associated data) of each matched item.
    case labels
}

/// A party's private state between two of its steps (a sealed 0600 file,
/// see `PSIStateFile`): the session, the group, the mode, the secret
/// exponent when a later step needs it, the parameters the peer must share,
/// and a digest of the items so that the later step can check it is given
/// the same input.
public struct DHPSIState {
    public var session: String
    public var group: String
    /// A `PSIMode` raw value, or "sum".
    public var mode: String
    public var secret: BigInt?
    public var count: Int
    /// How many of the `count` items differ from one another: an honest
    /// peer's answers take exactly this many values (rule distinct-answers).
    public var distinct: Int
    public var itemsDigest: String
    /// `PSIItemOptions.parameters` of the step that made the state.
    public var parameters: JSONObject
    public var kind: String

    public func save(_ path: String) throws {
        var o: JSONObject = ["group": .string(group), "mode": .string(mode), "count": .number(Double(count)),
                             "distinct": .number(Double(distinct)), "items_sha256": .string(itemsDigest), "parameters": .object(parameters)]
        if let secret { o["secret"] = .string(secret.hex) }
        try PSIStateFile.write(path, kind: kind, session: session, o)
    }

    public static func load(_ path: String, kind: String) throws -> DHPSIState {
        let o = try PSIStateFile.read(path, kind: kind)
        func s(_ k: String) throws -> String {
            guard let v = o[k]?.stringValue else { throw EvidenceError.input("state: expected \"\(k)\" (string)", at: path) }
            return v
        }
        var secret: BigInt?
        if o["secret"] != nil {
            guard let k = BigInt(hex: try s("secret")), k.signum > 0 else {
                throw EvidenceError.input("state file is damaged", at: path)
            }
            secret = k
        }
        guard let count = o["count"]?.integerValue, case .object(let parameters)? = o["parameters"] else {
            throw EvidenceError.input("state file is damaged", at: path)
        }
        guard let distinct = o["distinct"]?.integerValue, (0...count).contains(distinct) else {
            throw EvidenceError.input("state: expected \"distinct\" (a state made by an older evpsi: start the session again)", at: path)
        }
        return DHPSIState(session: try s("session"), group: try s("group"), mode: try s("mode"), secret: secret,
                          count: count, distinct: distinct, itemsDigest: try s("items_sha256"), parameters: parameters, kind: kind)
    }
}

/// DH-PSI in the OPRF arrangement (two messages): B sends its blinded
/// items H(y)^β; A answers with them re-blinded, H(y)^βα, and with its own
/// set — either blinded elements H(x)^α (intersection, cardinality), which
/// B raises to β and compares with H(y)^βα, or tags and sealed labels keyed
/// by H(x)^α (labels), which B recomputes by removing β from H(y)^βα.
public enum DHPSI {
    static let chunk = 2048

    static func digestKey(_ domain: String, _ session: [UInt8], _ element: [UInt8]) -> [UInt8] {
        let h = HashContext(.sha256)
        h.update(Array("evpsi-v1:\(domain)\u{0}".utf8))
        h.update(session)
        h.update(element)
        return h.finalize()
    }
    static func matchKey(_ session: [UInt8], _ element: [UInt8]) -> PSIDigestKey {
        PSIDigestKey(digestKey("match", session, element))
    }
    static func labelTag(_ session: [UInt8], _ element: [UInt8]) -> [UInt8] {
        Array(digestKey("label-tag", session, element).prefix(16))
    }
    static func labelKey(_ session: [UInt8], _ element: [UInt8]) -> [UInt8] {
        digestKey("label-key", session, element)
    }

    // MARK: B, step 1

    /// Blinds B's items, writes the request message and B's state.
    public static func request(channel: PSIChannel, items: PSIItemReader, group: any PSIGroup, mode: PSIMode, session: String,
                               statePath: String, out: PSIMessageDestination) throws -> JSONObject {
        let sessionBytes = try PSIProtocol.parseSession(session)
        try PSIStateFile.checkOutputs(state: statePath, message: out)
        let beta = group.randomExponent()
        let header = PSIHeader(kind: "psi-request", session: session, from: "b", group: group.name, mode: mode.rawValue,
                               extra: items.options.parameters)
        let writer = try PSIMessageWriter(channel: channel, to: out, header: header)
        writer.declare("q")
        try pipelinedMap(next: { try items.nextChunk(chunk).map(\.item) },
                         transform: { Data(group.blind($0, session: sessionBytes, exponent: beta)).base64EncodedString() },
                         consume: { for b in $0 { try writer.entry("q", .string(b)) } })
        let state = DHPSIState(session: session, group: group.name, mode: mode.rawValue, secret: beta, count: items.count,
                               distinct: items.count - items.duplicates, itemsDigest: items.finishDigest(), parameters: items.options.parameters, kind: "psi-state")
        try state.save(statePath)
        try PSIStateFile.finish(writer, elseRemove: statePath)
        return ["session": .string(session), "group": .string(group.name), "mode": .string(mode.rawValue),
                "count": .number(Double(items.count)), "duplicates": .number(Double(items.duplicates))]
    }

    // MARK: A, step 2

    /// Answers a request with A's items. `mode` is what A agrees B may
    /// learn: a request asking for anything else is refused.
    public static func respond(channel: PSIChannel, request input: PSIMessageSource, items: PSIItemReader, group: any PSIGroup, mode: PSIMode,
                               labelField: String?, out: PSIMessageDestination) throws -> JSONObject {
        let request = try PSIMessageReader(channel: channel, source: input, expect: PSIExpectation(kinds: ["psi-request"], from: "b", group: group.name))
        let at = "\(request.name):1"
        guard request.header.mode == mode.rawValue else {
            throw EvidenceError.input("request asks for mode \(request.header.mode), but this party allows \(mode.rawValue)", at: at)
        }
        if mode == .labels && labelField == nil { throw EvidenceError.usage("\(Setting("labels")) needs \(Setting("label")) FIELD") }
        try PSIParameters.check(mine: items.options.parameters, peer: request.headerObject, at: at)
        let session = request.header.sessionBytes
        let alpha = group.randomExponent()
        let header = PSIHeader(kind: "psi-response", session: request.header.session, from: "a",
                               group: group.name, mode: mode.rawValue, extra: items.options.parameters)
        let writer = try PSIMessageWriter(channel: channel, to: out, header: header)

        // A's own set, sorted so that nothing in the order maps back to A's input.
        if mode == .labels {
            var tagged: [([UInt8], [UInt8])] = []
            writer.declare("t")
            while true {
                let batch = try items.nextChunk(chunk)
                if batch.isEmpty { break }
                tagged += try parallelMap(batch) { item -> ([UInt8], [UInt8]) in
                    guard let label = item.object[labelField!] else {
                        throw EvidenceError.input("expected \"\(labelField!)\" (the label field)", at: item.location)
                    }
                    let v = group.blind(item.item, session: session, exponent: alpha)
                    let tag = labelTag(session, v)
                    let sealed = try AES256GCM.seal(JCS.canonical(label), key: labelKey(session, v), aad: session + tag)
                    return (tag, sealed)
                }
            }
            tagged.sort { $0.0.lexicographicallyPrecedes($1.0) }
            for (tag, sealed) in tagged {
                try writer.record("t", ["t": .string(Data(tag).base64EncodedString()),
                                        "l": .string(Data(sealed).base64EncodedString())])
            }
        } else {
            writer.declare("a")
            for e in try group.blindSorted(items, session: session, exponent: alpha, chunk: chunk) {
                try writer.element("a", e)
            }
        }

        // B's request, re-blinded: in B's order, or sorted when B may learn only the count.
        var peerCount = 0
        var sorted: [[UInt8]] = []
        writer.declare("r")
        try pipelinedMap(
            next: { try request.nextChunk(section: "q", length: group.elementByteCount, chunk: chunk) },
            transform: { e in
                do { return try group.reblind(e.bytes, exponent: alpha) } catch let error as EvidenceError {
                    throw error.located(e.location)
                }
            },
            consume: { answers in
                peerCount += answers.count
                if mode == .cardinality { sorted += answers } else { for a in answers { try writer.element("r", a) } }
            })
        if try request.next() != nil {
            throw EvidenceError.input("unexpected line in a psi-request (expected \"q\")", at: request.location)
        }
        if mode == .cardinality {
            sorted.sort { $0.lexicographicallyPrecedes($1) }
            for a in sorted { try writer.element("r", a) }
        }
        try writer.finish()
        return ["session": .string(request.header.session), "group": .string(group.name), "mode": .string(mode.rawValue),
                "count": .number(Double(items.count)), "peer_count": .number(Double(peerCount)),
                "duplicates": .number(Double(items.duplicates))]
    }

    // MARK: B, step 3

    /// A refusal of what no honest peer sends: A raises each request
    /// element to one secret exponent, so equal elements get equal answers
    /// and distinct elements distinct ones (and then no cardinality exceeds
    /// either set). Copying one answer onto many lines would otherwise pass
    /// items A never held as matched.
    static func distinctAnswersRule(_ what: String, at location: String) -> EvidenceError {
        EvidenceError.input("refused: \(what) (rule distinct-answers: an honest peer answers equal items alike and distinct items distinctly)",
                            at: location)
    }

    /// Reads A's response and emits what B learns: the matched input lines
    /// (with `label` in labels mode), or one cardinality object.
    /// `items` is only opened when there are lines to print (not for cardinality).
    public static func finish(channel: PSIChannel, response input: PSIMessageSource, statePath: String, items openItems: () throws -> PSIItemReader,
                              emit: (JSONValue) -> Void) throws -> JSONObject {
        let state = try DHPSIState.load(statePath, kind: "psi-state")
        let group = try PSIGroups.named(state.group)
        let response = try PSIMessageReader(channel: channel, source: input, expect: PSIExpectation(
            kinds: ["psi-response"], from: "a", session: state.session, group: state.group))
        guard let mode = PSIMode(rawValue: state.mode), let beta = state.secret else {
            throw EvidenceError.input("not a DH-PSI state file", at: statePath)
        }
        guard response.header.mode == state.mode else {
            throw EvidenceError.input("response is for mode \(response.header.mode), this session uses \(state.mode)", at: "\(response.name):1")
        }
        try PSIParameters.check(mine: state.parameters, peer: response.headerObject, at: "\(response.name):1")
        let session = try PSIProtocol.parseSession(state.session)
        let size = group.elementByteCount
        var peerCount = 0
        var matchedIndices: [Int: [JSONValue]] = [:]   // item index → labels (empty unless labels mode)
        var answerCount = 0
        var cardinality = 0
        // Each answer's key, by item index (ordered modes), or the set of
        // them (cardinality: sorted, so only their number is known).
        var answerKeys: [PSIDigestKey] = []
        var distinctAnswers = Set<PSIDigestKey>()

        if mode == .labels {
            var table: [PSIDigestKey: [[UInt8]]] = [:]
            while let s = try response.peekSection(), s == "t" {
                let (_, o) = try response.next()!
                let tag = try response.element(o, "t", length: 16)
                guard let text = o["l"]?.stringValue, let sealed = Data(base64Encoded: text),
                      sealed.count >= AES256GCM.nonceSize + AES256GCM.tagSize else {
                    throw EvidenceError.input("expected \"l\" (base64 sealed label)", at: response.location)
                }
                table[PSIDigestKey(tag), default: []].append([UInt8](sealed))
                peerCount += 1
            }
            let unblind = group.inverse(of: beta)
            try response.forEachChunk(section: "r", length: size, chunk: chunk) { batch in
                let values = try mapElements(batch) { try group.reblind($0, exponent: unblind) }
                for (v, e) in zip(values, batch) {
                    defer { answerCount += 1 }
                    answerKeys.append(matchKey(session, e.bytes))
                    let tag = labelTag(session, v)
                    guard let sealedLabels = table[PSIDigestKey(tag)] else { continue }
                    var labels: [JSONValue] = []
                    for sealed in sealedLabels {
                        guard let plain = AES256GCM.open(sealed, key: labelKey(session, v), aad: session + tag),
                              let label = try? JSON.parse(plain) else {
                            throw EvidenceError.input("a label does not decrypt: the response was altered", at: e.location)
                        }
                        labels.append(label)
                    }
                    matchedIndices[answerCount] = labels
                }
            }
        } else {
            var theirs = Set<PSIDigestKey>()
            try response.forEachChunk(section: "a", length: size, chunk: chunk) { batch in
                let doubled = try mapElements(batch) { matchKey(session, try group.reblind($0, exponent: beta)) }
                theirs.formUnion(doubled)
                peerCount += batch.count
            }
            try response.forEachChunk(section: "r", length: size, chunk: chunk) { batch in
                let keys = try mapElements(batch) { e in try group.validate(e); return matchKey(session, e) }
                if mode == .cardinality { distinctAnswers.formUnion(keys) } else { answerKeys += keys }
                for k in keys {
                    if theirs.contains(k) {
                        cardinality += 1
                        if mode == .intersection { matchedIndices[answerCount] = [] }
                    }
                    answerCount += 1
                }
            }
        }
        if try response.next() != nil {
            throw EvidenceError.input("unexpected line in a psi-response", at: response.location)
        }
        guard answerCount == state.count else {
            throw EvidenceError.input("response answers \(answerCount) items, the request had \(state.count)", at: response.location)
        }

        if mode == .cardinality {
            // Distinct answers match distinct elements of A's set, so this
            // also bounds the cardinality by both sets.
            guard distinctAnswers.count == state.distinct else {
                throw distinctAnswersRule("\(distinctAnswers.count) distinct answers to \(state.distinct) distinct items", at: response.name)
            }
            emit(.object(["cardinality": .number(Double(cardinality)), "count": .number(Double(state.count)),
                          "peer_count": .number(Double(peerCount))]))
            return ["cardinality": .number(Double(cardinality))]
        }
        // Re-read B's input to print the matched lines; it must be the one the request was built from.
        let items = try openItems()
        items.reportDuplicates = false
        var out: [JSONValue] = []
        // The answers must repeat exactly where B's items repeat; a breach
        // is reported once the input is known to be the request's own.
        var answerOfItem: [PSIDigestKey: PSIDigestKey] = [:]
        var itemOfAnswer: [PSIDigestKey: String] = [:]
        var breach: EvidenceError?
        while let item = try items.next() {
            if breach == nil, item.index < answerKeys.count {
                let key = PSIDigestKey(DigestAlgorithm.sha256.hash(item.item)), answer = answerKeys[item.index]
                if let first = answerOfItem[key] {
                    if first != answer { breach = distinctAnswersRule("two answers to one item (\(item.location) and an earlier line)", at: response.name) }
                } else if let other = itemOfAnswer[answer] {
                    breach = distinctAnswersRule("one answer to two different items (\(other) and \(item.location))", at: response.name)
                } else {
                    answerOfItem[key] = answer
                    itemOfAnswer[answer] = item.location
                }
            }
            guard let labels = matchedIndices[item.index] else { continue }
            var o = item.object
            if mode == .labels {
                if labels.count == 1 { o["label"] = labels[0] } else { o["labels"] = .array(labels) }
            }
            out.append(.object(o))
        }
        guard items.count == state.count, items.finishDigest() == state.itemsDigest else {
            throw EvidenceError.usage("the input differs from the one the request was made from (same files, \(Setting("key")) and \(Setting("bucket")) needed)")
        }
        if let breach { throw breach }
        for o in out { emit(o) }
        return ["cardinality": .number(Double(matchedIndices.count)), "count": .number(Double(state.count)),
                "peer_count": .number(Double(peerCount))]
    }
}
