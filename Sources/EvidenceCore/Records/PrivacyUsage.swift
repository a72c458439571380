import EvidenceSupport

/// How often privacy computations were run on a party's data: the records
/// of stage `privacy-computing` (`evpsi --record`) of a chain or a file,
/// counted per purpose, per peer key and per month — what a data officer
/// asks ("who computed what on our customers' data, for what purpose, how
/// often"). Each line read is a chain entry or a bare evidence record;
/// records of other stages are skipped, every record is validated.
///
/// Counts, per group: `sessions` (distinct session ids), `records` (steps
/// logged), `requested` (items in the opening messages: the requester's
/// items, comparisons or identifiers) and `answered` (elements the
/// responder sent back). A message is counted once per group however many
/// records name it (the sender's and the receiver's).
///
/// Only what the log commits to is counted. Purpose, peer, session and
/// counts are inside `computation`, which the record's digest covers; the
/// record's own `time` is not, so the month is the log's entry time (which
/// the entry's leaf covers, checked here), and a bare record, never logged,
/// has no month (`notLogged`). A record is one step, known by its digest:
/// read twice (given twice, or appended twice) it counts once, in the month
/// of its earliest entry. Two records that name one message (by SHA-256)
/// with different kinds, senders, counts, sessions or purposes cannot both
/// be true: refused, naming both lines.
public struct PrivacyUsage {
    public struct Row: Equatable, Sendable {
        /// `purpose`, `peer` or `month`.
        public var by: String
        public var value: String
        public var sessions: Int
        public var records: Int
        public var requested: Int
        public var answered: Int

        public var json: JSONValue {
            var o = JSONObject()
            o.appendNew("by", .string(by))
            o.appendNew(by, .string(value))
            o.appendNew("sessions", .number(Double(sessions)))
            o.appendNew("records", .number(Double(records)))
            o.appendNew("requested", .number(Double(requested)))
            o.appendNew("answered", .number(Double(answered)))
            return .object(o)
        }
    }

    private struct Tally {
        var sessions: Set<String> = []
        var records = 0
        var messages: Set<String> = []
        var requested = 0
        var answered = 0
    }

    /// What a record says of one message; two records naming the message
    /// must say the same. Compared as bytes (purposes as UTF-8).
    private struct MessageClaim: Equatable {
        var kind: String
        var from: String
        var count: Int
        var session: String
        var purpose: [UInt8]?
        var location: String

        static func == (a: MessageClaim, b: MessageClaim) -> Bool {
            Array(a.kind.utf8) == Array(b.kind.utf8) && Array(a.from.utf8) == Array(b.from.utf8) && a.count == b.count
                && Array(a.session.utf8) == Array(b.session.utf8) && a.purpose == b.purpose
        }

        var description: String {
            "\(kind) from \(from), count \(count), session \(session), purpose "
                + (purpose.map { "\"\(String(decoding: $0, as: UTF8.self))\"" } ?? "none")
        }
    }

    public static let dimensions = ["purpose", "peer", "month"]
    public static let unsigned = "(unsigned)"
    public static let noPurpose = "(none)"
    /// The month of a bare record: it was never logged.
    public static let notLogged = "(not logged)"

    /// Each step once, by its record's digest, with its earliest entry time.
    private var steps: [String: (computation: PrivacyComputation, logged: RFC3339.Timestamp?, time: String?)] = [:]
    private var order: [String] = []
    private var claims: [String: MessageClaim] = [:]

    public init() {}

    /// The party that states the purpose in each protocol's first message.
    static let requester = ["dh-psi": "b", "intersection-sum": "a", "comparison": "b"]
    static let openingKinds: Set<String> = ["psi-request", "sum-1", "cmp-1"]

    /// Adds one input line: a chain entry (`{"seq","time","record","leaf"}`,
    /// its leaf recomputed) or a bare record. Errors carry `location`.
    public mutating func add(_ object: JSONObject, at location: String) throws {
        do {
            if object["record"] != nil {
                let fields = FieldReader(object)
                for k in object.keys where !["seq", "time", "record", "leaf"].contains(k) {
                    throw EvidenceError.input("unknown field \"\(k)\" in a chain entry")
                }
                guard case .object(let r)? = object["record"] else {
                    throw EvidenceError.input("expected \"record\" (object) in a chain entry")
                }
                let seq = try fields.requiredCount("seq"), time = try fields.requiredUTCTime("time")
                let leaf = try fields.requiredHex("leaf", bytes: 32)
                // The entry time counts only as the log committed to it.
                let recomputed = ChainEntry(seq: UInt64(seq), time: time, canonicalRecord: JCS.canonical(.object(r))).leaf
                guard Hex.encode(recomputed) == leaf else {
                    throw EvidenceError.input("\"leaf\" does not match the entry (recomputed \(Hex.encode(recomputed))): its time, seq or record was altered")
                }
                try add(try EvidenceRecord(json: r), logged: time, at: location)
            } else {
                try add(try EvidenceRecord(json: object), logged: nil, at: location)
            }
        } catch let e as EvidenceError {
            throw e.location == nil ? e.located(location) : e
        }
    }

    /// Adds a record, logged at `logged` (the entry's time), or nil for a
    /// bare record; `location` names it in a contradiction.
    public mutating func add(_ record: EvidenceRecord, logged: String?, at location: String = "") throws {
        guard record.stage == PrivacyComputation.stage else { return }
        guard let c = record.computation else {
            throw EvidenceError.input("a \(PrivacyComputation.stage) record must carry \"computation\"")
        }
        for m in c.sent + c.received {
            let claim = MessageClaim(kind: m.kind, from: m.from, count: m.count, session: c.session,
                                     purpose: c.purpose.map { Array($0.utf8) }, location: location)
            if let earlier = claims[m.sha256] {
                guard earlier == claim else {
                    throw EvidenceError.input("message \(m.sha256) is named as \(claim.description) here but as \(earlier.description) at \(earlier.location): the records contradict each other")
                }
            } else {
                claims[m.sha256] = claim
            }
        }
        let stamp = logged.flatMap(RFC3339.parse)
        if let seen = steps[record.digest] {
            if let stamp, seen.logged.map({ stamp < $0 }) ?? true { steps[record.digest] = (c, stamp, logged) }
            return
        }
        steps[record.digest] = (c, stamp, logged)
        order.append(record.digest)
    }

    /// Values (purposes, peers) are bytes: two that differ only in Unicode
    /// normalisation are two rows, never one.
    private var tallies: [String: [ExactString: Tally]] {
        var tallies: [String: [ExactString: Tally]] = [:]
        for digest in order {
            let (c, _, logged) = steps[digest]!
            let month = logged.map { String($0.prefix(7)) } ?? Self.notLogged
            let keys: [String: ExactString] = ["purpose": (c.purpose ?? Self.noPurpose).exact, "peer": (c.peer ?? Self.unsigned).exact,
                                               "month": month.exact]
            let requester = Self.requester[c.protocolName] ?? "b"
            for (by, value) in keys {
                var t = tallies[by, default: [:]][value, default: Tally()]
                t.sessions.insert(c.session)
                t.records += 1
                for m in c.sent + c.received where t.messages.insert(m.sha256).inserted {
                    if Self.openingKinds.contains(m.kind) {
                        t.requested += m.count
                    } else if m.from != requester {
                        t.answered += m.count
                    }
                }
                tallies[by, default: [:]][value] = t
            }
        }
        return tallies
    }

    /// Purposes, then peers, then months, each in order of its value.
    public var rows: [Row] {
        let tallies = self.tallies
        return Self.dimensions.flatMap { by in
            (tallies[by] ?? [:]).sorted { $0.key < $1.key }.map { value, t in
                Row(by: by, value: value.string, sessions: t.sessions.count, records: t.records, requested: t.requested, answered: t.answered)
            }
        }
    }

    /// The rows as an aligned table for people, one heading line first;
    /// the value column is made safe for a terminal.
    public static func table(_ rows: [Row]) -> String {
        let heading = ["BY", "VALUE", "SESSIONS", "RECORDS", "REQUESTED", "ANSWERED"]
        let cells = [heading] + rows.map {
            [$0.by, DisplayText.visible($0.value, keepingLines: false), String($0.sessions), String($0.records),
             String($0.requested), String($0.answered)]
        }
        let widths = (0..<heading.count).map { col in cells.map { displayWidth($0[col]) }.max() ?? 0 }
        return cells.map { row in
            row.enumerated().map { col, text in
                let pad = String(repeating: " ", count: widths[col] - displayWidth(text))
                return col < 2 ? text + pad : pad + text   // words left, numbers right
            }.joined(separator: "  ").replacingTrailingSpaces()
        }.joined(separator: "\n") + "\n"
    }

    /// Columns a terminal gives `text`: East Asian wide characters take two.
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { n, s in
            let v = s.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return n + (wide ? 2 : 1)
        }
    }
}

private extension String {
    func replacingTrailingSpaces() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
