import FoundationEssentials
import Glibc
import EvidenceCrypto
import EvidenceSupport

// evpsi message files. A message is JSON Lines:
//   line 1   header  {"protocol":"evpsi","version":2,"kind":…,"session":…,"from":…,"group":…,"mode":…, …}
//   body     one object per element, its single key naming the section
//   last     trailer {"end":{"<section>":count,…},"sha256":"<hex>"}
// The trailer's digest covers every preceding line (content + "\n"), so a
// truncated or edited message is refused as a whole rather than half-used.
// It is an integrity check against accidents and naive edits, not
// authentication: a party who rewrites a message can rewrite the digest
// (see the threat model in evpsi(1)).

public enum PSIProtocol {
    public static let name = "evpsi"
    /// 2: headers carry the parameters both parties must share (key,
    /// buckets, bucket, bucket_key; join for comparisons) and comparison
    /// lines their join tag; a version-1 peer would ignore both, so it is
    /// refused rather than half-understood.
    /// 3: headers name the sender's key (`signer`) and opening messages the
    /// purpose; the trailer carries an Ed25519 `signature` (see `PSIChannel`).
    public static let version = 3
    public static let sessionByteCount = 16

    public static func newSession() -> String { Hex.encode(SecureRandom.bytes(sessionByteCount)) }

    public static func parseSession(_ text: String) throws -> [UInt8] {
        guard Hex.isLowercase(text, byteCount: sessionByteCount), let bytes = Hex.decode(text) else {
            throw EvidenceError.usage("session id must be \(sessionByteCount * 2) lowercase hex digits")
        }
        return bytes
    }
}

/// The fields every header carries; `extra` holds kind-specific ones.
public struct PSIHeader: Sendable {
    public var kind: String
    public var session: String
    public var from: String
    public var group: String
    public var mode: String
    public var extra: JSONObject

    public init(kind: String, session: String, from: String, group: String, mode: String, extra: JSONObject = [:]) {
        self.kind = kind; self.session = session; self.from = from
        self.group = group; self.mode = mode; self.extra = extra
    }

    var json: JSONValue {
        var o: JSONObject = ["protocol": .string(PSIProtocol.name), "version": .number(Double(PSIProtocol.version)),
                             "kind": .string(kind), "session": .string(session), "from": .string(from),
                             "group": .string(group), "mode": .string(mode)]
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }

    var sessionBytes: [UInt8] { Hex.decode(session)! }
}

/// What the receiver expects of a header; every mismatch is an input error.
public struct PSIExpectation {
    public var kinds: [String]
    public var from: String
    public var session: String?
    public var group: String?
    public init(kinds: [String], from: String, session: String? = nil, group: String? = nil) {
        self.kinds = kinds; self.from = from; self.session = session; self.group = group
    }
}

/// Where a message is written: a file ("-": standard output) or memory.
public enum PSIMessageDestination {
    case file(String)
    case memory(PSIMessageBuffer)
}

/// A message written to memory; `bytes` is whole once the writer has finished.
public final class PSIMessageBuffer {
    public internal(set) var bytes: [UInt8] = []
    public init() {}
}

/// Writes a message durably and atomically through `DurableFile`: a
/// temporary beside the file (O_EXCL), fsync'd and renamed at `finish`, the
/// directory fsync'd; a step that fails before `finish` leaves nothing
/// (the temporary is removed). "-" writes to stdout; `.memory` to a buffer.
public final class PSIMessageWriter {
    private let path: String
    private let temporary: String?
    private let file: DurableFile?
    private let memory: PSIMessageBuffer?
    private var offset: UInt64 = 0
    private let digest = HashContext(.sha256)
    private let fileDigest = HashContext(.sha256)
    private var buffer: [UInt8] = []
    private var counts: [(String, Int)] = []
    private var finished = false
    private let channel: PSIChannel
    private var summary: PSIMessageSummary

    public init(channel: PSIChannel, to destination: PSIMessageDestination, header: PSIHeader) throws {
        self.channel = channel
        var header = header
        if let signer = channel.signer { header.extra["signer"] = .string(signer.keyName) }
        // The requester states the purpose; every later message repeats it.
        if let purpose = channel.purpose { header.extra["purpose"] = .string(purpose) }
        summary = PSIMessageSummary(kind: header.kind, session: header.session, from: header.from, mode: header.mode, group: header.group,
                                    signer: channel.signer?.keyName, purpose: channel.purpose,
                                    count: 0, sha256: "")
        switch destination {
        case .memory(let m):
            path = "memory"; temporary = nil; file = nil; memory = m
        case .file("-"):
            path = "-"; temporary = nil; file = nil; memory = nil
        case .file(let p):
            let tmp = p + ".tmp-\(getpid())"
            path = p; memory = nil
            file = try DurableFile(tmp, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o644)
            temporary = tmp
        }
        try line(header.json)
    }

    deinit {
        if !finished, let temporary { unlink(temporary) }
    }

    private func line(_ value: JSONValue) throws {
        var w = JSONWriter()
        w.write(value)
        w.writeRaw("\n")
        digest.update(w.bytes)
        fileDigest.update(w.bytes)
        buffer.append(contentsOf: w.bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        if let memory {
            memory.bytes += buffer
        } else if let file {
            try file.write(buffer, at: offset)
            offset += UInt64(buffer.count)
        } else {
            // writeAll: I/O errors name the file; a closed stdout follows the
            // tools' broken-pipe policy.
            try buffer.withUnsafeBytes { try writeAll(fd: 1, $0, name: path) }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// One body line `{"<section>": base64(bytes)}`.
    public func element(_ section: String, _ bytes: [UInt8]) throws {
        try entry(section, .string(Data(bytes).base64EncodedString()))
    }

    /// One body line `{"<section>": value}`.
    public func entry(_ section: String, _ value: JSONValue) throws {
        count(section)
        try line(.object([section: value]))
    }

    /// One body line with several fields; `section` is its first key.
    public func record(_ section: String, _ object: JSONObject) throws {
        count(section)
        try line(.object(object))
    }

    private func count(_ section: String) {
        if let i = counts.firstIndex(where: { $0.0 == section }) { counts[i].1 += 1 } else { counts.append((section, 1)) }
    }

    /// Declares a section even when it stays empty, so the trailer lists it.
    public func declare(_ section: String) {
        if !counts.contains(where: { $0.0 == section }) { counts.append((section, 0)) }
    }

    public func finish() throws {
        var end = JSONObject()
        for (k, n) in counts { end[k] = .number(Double(n)) }
        let hex = Hex.encode(digest.finalize())
        var trailer: JSONObject = ["end": .object(end), "sha256": .string(hex)]
        if let signer = channel.signer {
            let signature = try signer.sign(PSISignature.signedBytes(digest: hex, end: .object(end)))
            trailer["signature"] = .string(Data(signature).base64EncodedString())
        }
        var w = JSONWriter()
        w.write(.object(trailer))
        w.writeRaw("\n")
        fileDigest.update(w.bytes)
        buffer.append(contentsOf: w.bytes)
        try flush()
        if let file, let temporary {
            try file.sync()
            guard rename(temporary, path) == 0 else {
                throw EvidenceError.io("cannot rename message file: \(String(cString: strerror(errno)))", at: path)
            }
            finished = true
            try DurableFile.syncDirectory(of: path)
        }
        finished = true
        summary.count = counts.reduce(0) { $0 + $1.1 }
        summary.sha256 = Hex.encode(fileDigest.finalize())
        channel.sent.append(summary)
    }
}

/// Where a received message comes from: a file ("-": standard input) or
/// bytes already in memory (a unit test, a transport that delivers bytes).
public enum PSIMessageSource: Sendable {
    case file(String)
    case bytes([UInt8], name: String)
}

/// Reads and checks a message: header against the expectation, each body
/// line's shape, and at the end the trailer's counts and digest.
public final class PSIMessageReader {
    public let header: PSIHeader
    public let headerObject: JSONObject
    private let check: PSIMessageCheck
    /// The next of `check.lines` to parse.
    private var cursor = 0
    private var counts: [String: Int] = [:]
    private var pending: (String, JSONObject)?
    public private(set) var ended = false

    public var name: String { check.name }
    /// `file:line` of the line last read.
    public private(set) var location: String

    /// The whole message is read and its signature (and, for an opening
    /// message, the policy) checked before any element is handed out.
    public init(channel: PSIChannel, source: PSIMessageSource, expect: PSIExpectation) throws {
        switch source {
        case .file(let path): check = try PSIMessageCheck(path: path)
        case .bytes(let bytes, let name): check = try PSIMessageCheck(bytes: bytes, name: name)
        }
        location = "\(check.name):0"
        guard let first = try Self.readLine(check, &cursor, &location) else {
            throw EvidenceError.input("empty message (expected an evpsi header)", at: "\(check.name):1")
        }
        let at = location
        let h = first
        func string(_ key: String) throws -> String {
            guard let s = h[key]?.stringValue else {
                throw EvidenceError.input("header: expected \"\(key)\" (string)", at: at)
            }
            return s
        }
        guard h["protocol"]?.stringValue == PSIProtocol.name else {
            throw EvidenceError.input("not an evpsi message (header has no \"protocol\":\"evpsi\")", at: at)
        }
        guard h["version"]?.integerValue == PSIProtocol.version else {
            throw EvidenceError.input("unsupported message version (expected \(PSIProtocol.version))", at: at)
        }
        let kind = try string("kind")
        guard expect.kinds.contains(kind) else {
            throw EvidenceError.input("message is a \(kind), expected \(expect.kinds.joined(separator: " or "))", at: at)
        }
        let session = try string("session")
        guard Hex.isLowercase(session, byteCount: PSIProtocol.sessionByteCount) else {
            throw EvidenceError.input("header: bad session id", at: at)
        }
        if let s = expect.session, s != session {
            throw EvidenceError.input("message belongs to session \(session), not this session \(s)", at: at)
        }
        let from = try string("from")
        guard from == expect.from else {
            throw EvidenceError.input("message comes from party \(from), expected party \(expect.from)", at: at)
        }
        let group = try string("group")
        if let g = expect.group, g != group {
            throw EvidenceError.input("message uses group \(group), this session uses \(g)", at: at)
        }
        let mode = try string("mode")
        var extra = JSONObject()
        for (k, v) in h where !["protocol", "version", "kind", "session", "from", "group", "mode"].contains(k) {
            extra[k] = v
        }
        header = PSIHeader(kind: kind, session: session, from: from, group: group, mode: mode, extra: extra)
        headerObject = h
        try check.authenticate(header, channel: channel, at: at)
        if PSIChannel.openingKinds.contains(kind), let policy = channel.policy {
            try policy.check(purpose: h["purpose"]?.stringValue, signer: h["signer"]?.stringValue,
                             count: check.bodyLines, now: channel.now, at: at)
        }
        if channel.purpose == nil { channel.purpose = h["purpose"]?.stringValue }
        channel.received.append(PSIMessageSummary(
            kind: kind, session: session, from: from, mode: mode, group: group, signer: h["signer"]?.stringValue,
            purpose: h["purpose"]?.stringValue, count: check.bodyLines, sha256: check.fileSHA256))
    }

    /// Parses the next kept line; its digest was taken when the message was read.
    private static func readLine(_ check: PSIMessageCheck, _ cursor: inout Int, _ location: inout String) throws -> JSONObject? {
        guard cursor < check.lines.count else { return nil }
        let line = check.lines[cursor]
        cursor += 1
        location = "\(check.name):\(line.number)"
        let value: JSONValue
        do {
            value = try check.bytes.withUnsafeBytes { try JSON.parse(UnsafeRawBufferPointer(rebasing: $0[line.start..<line.end])) }
        } catch let e as EvidenceError { throw e.located(location) }
        guard case .object(let o) = value else {
            throw EvidenceError.input("expected a JSON object, found \(value.typeName)", at: location)
        }
        return o
    }

    /// The next body line as (section, object), or nil after the trailer
    /// has been read and verified.
    public func next() throws -> (section: String, object: JSONObject)? {
        if let p = pending { pending = nil; return p }
        guard !ended else { return nil }
        guard let o = try Self.readLine(check, &cursor, &location) else {
            throw EvidenceError.input("truncated message: no end line", at: check.trailerLocation)
        }
        if let end = o["end"] {
            try verifyTrailer(end, o["sha256"])
            ended = true
            if cursor < check.lines.count {
                location = "\(check.name):\(check.lines[cursor].number)"
                throw EvidenceError.input("data after the end line", at: location)
            }
            return nil
        }
        guard let section = o.keys.first else {
            throw EvidenceError.input("empty body line", at: location)
        }
        counts[section, default: 0] += 1
        return (section, o)
    }

    /// Peeks the next body line's section without consuming it.
    public func peekSection() throws -> String? {
        if let p = pending { return p.0 }
        guard let n = try next() else { return nil }
        pending = n
        return n.section
    }

    private func verifyTrailer(_ end: JSONValue, _ sha: JSONValue?) throws {
        guard case .object(let declared) = end else {
            throw EvidenceError.input("end line: expected \"end\" (object of counts)", at: location)
        }
        for (section, value) in declared {
            guard let n = value.integerValue, n >= 0 else {
                throw EvidenceError.input("end line: bad count for \"\(section)\"", at: location)
            }
            guard counts[section, default: 0] == n else {
                throw EvidenceError.input("truncated or altered message: \(counts[section, default: 0]) \"\(section)\" lines, end line says \(n)", at: location)
            }
        }
        for (section, _) in counts where declared[section] == nil {
            throw EvidenceError.input("end line does not count section \"\(section)\"", at: location)
        }
        // The lines before this one are those the check hashed, trailer excluded.
        guard let s = sha?.stringValue, s == check.digest, cursor == check.lines.count else {
            throw EvidenceError.input("message digest mismatch: the message was altered or damaged", at: location)
        }
    }

    /// Decodes the base64 element of a body line (`{"<section>":"…"}`) of
    /// exactly `length` bytes.
    public func element(_ object: JSONObject, _ key: String, length: Int) throws -> [UInt8] {
        guard let text = object[key]?.stringValue else {
            throw EvidenceError.input("expected \"\(key)\" (base64 string)", at: location)
        }
        guard let data = Data(base64Encoded: text), data.count == length else {
            throw EvidenceError.input("\"\(key)\": expected base64 of \(length) bytes", at: location)
        }
        return [UInt8](data)
    }

    /// Up to `chunk` of the consecutive `section` lines that follow (empty at the section's end).
    public func nextChunk(section: String, key: String? = nil, length: Int, chunk: Int = 2048) throws -> [PSIElement] {
        var batch: [PSIElement] = []
        while batch.count < chunk, let s = try peekSection(), s == section {
            let (_, o) = try next()!
            batch.append(PSIElement(bytes: try element(o, key ?? section, length: length), location: location))
        }
        return batch
    }

    /// Reads the consecutive `section` lines that follow, in chunks of
    /// `chunk` decoded elements, each with its own `file:line`.
    public func forEachChunk(section: String, key: String? = nil, length: Int, chunk: Int = 2048,
                             _ body: ([PSIElement]) throws -> Void) throws {
        var batch: [PSIElement] = []
        while let s = try peekSection(), s == section {
            let (_, o) = try next()!
            batch.append(PSIElement(bytes: try element(o, key ?? section, length: length), location: location))
            if batch.count == chunk {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(batch) }
    }
}

/// A received element and the `file:line` it came from.
public struct PSIElement: Sendable {
    public var bytes: [UInt8]
    public var location: String
}

/// `transform` over received elements on all cores; an error names the
/// element's own line.
public func mapElements<R>(_ batch: [PSIElement], _ transform: ([UInt8]) throws -> R) throws -> [R] {
    try parallelMap(batch) { e in
        do { return try transform(e.bytes) } catch let error as EvidenceError { throw error.located(e.location) }
    }
}
