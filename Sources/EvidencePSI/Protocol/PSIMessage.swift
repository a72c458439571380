import Foundation
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

/// Writes a message to a file atomically (a temporary file renamed at
/// `finish`), or to stdout for "-".
public final class PSIMessageWriter {
    private let path: String
    private let temporary: String?
    private let handle: FileHandle
    private let digest = HashContext(.sha256)
    private let fileDigest = HashContext(.sha256)
    private var buffer: [UInt8] = []
    private var counts: [(String, Int)] = []
    private var finished = false
    private let channel: PSIChannel
    private var summary: PSIMessageSummary

    public init(channel: PSIChannel, path: String, header: PSIHeader) throws {
        self.path = path
        self.channel = channel
        var header = header
        if let signer = channel.signer { header.extra["signer"] = .string(signer.keyName) }
        // The requester states the purpose; every later message repeats it.
        if let purpose = channel.purpose { header.extra["purpose"] = .string(purpose) }
        summary = PSIMessageSummary(kind: header.kind, session: header.session, from: header.from, mode: header.mode, group: header.group,
                                    signer: channel.signer?.keyName, purpose: channel.purpose,
                                    count: 0, sha256: "")
        if path == "-" {
            temporary = nil
            handle = FileHandle.standardOutput
        } else {
            let tmp = path + ".tmp-\(getpid())"
            guard FileManager.default.createFile(atPath: tmp, contents: nil),
                  let h = FileHandle(forWritingAtPath: tmp) else {
                throw EvidenceError.io("cannot create message file", at: path)
            }
            temporary = tmp
            handle = h
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
        // writeAll: I/O errors name the file; a closed stdout follows the
        // tools' broken-pipe policy.
        try buffer.withUnsafeBytes { try writeAll(fd: handle.fileDescriptor, $0, name: path) }
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
        if let temporary {
            try? handle.synchronize()
            try? handle.close()
            guard rename(temporary, path) == 0 else {
                throw EvidenceError.io("cannot rename message file: \(String(cString: strerror(errno)))", at: path)
            }
        }
        finished = true
        summary.count = counts.reduce(0) { $0 + $1.1 }
        summary.sha256 = Hex.encode(fileDigest.finalize())
        channel.sent.append(summary)
    }
}

/// Reads and checks a message: header against the expectation, each body
/// line's shape, and at the end the trailer's counts and digest.
public final class PSIMessageReader {
    public let header: PSIHeader
    public let headerObject: JSONObject
    private let reader: JSONLinesReader
    private let digest = HashContext(.sha256)
    private var counts: [String: Int] = [:]
    private var pending: (String, JSONObject)?
    private let verifiedDigest: String
    public private(set) var ended = false

    public var name: String { reader.name }
    public var location: String { reader.location }

    /// The whole message is read and its signature (and, for an opening
    /// message, the policy) checked before any element is handed out.
    public init(channel: PSIChannel, path: String, expect: PSIExpectation) throws {
        let check = try PSIMessageCheck(path: path)
        reader = try check.lineReader()
        verifiedDigest = check.digest
        guard let first = try Self.readLine(reader, digest) else {
            throw EvidenceError.input("empty message (expected an evpsi header)", at: "\(reader.name):1")
        }
        let at = reader.location
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

    private static func readLine(_ reader: JSONLinesReader, _ digest: HashContext) throws -> JSONObject? {
        guard let bytes = try reader.nextLine() else { return nil }
        let value: JSONValue
        do { value = try JSON.parse(bytes) } catch let e as EvidenceError { throw e.located(reader.location) }
        guard case .object(let o) = value else {
            throw EvidenceError.input("expected a JSON object, found \(value.typeName)", at: reader.location)
        }
        // The trailer is excluded from its own digest.
        if o["end"] == nil {
            digest.update(bytes)
            digest.update([0x0a])
        }
        return o
    }

    /// The next body line as (section, object), or nil after the trailer
    /// has been read and verified.
    public func next() throws -> (section: String, object: JSONObject)? {
        if let p = pending { pending = nil; return p }
        guard !ended else { return nil }
        guard let o = try Self.readLine(reader, digest) else {
            throw EvidenceError.input("truncated message: no end line", at: "\(reader.name):\(reader.lineNumber + 1)")
        }
        if let end = o["end"] {
            try verifyTrailer(end, o["sha256"])
            ended = true
            if try reader.nextLine() != nil {
                throw EvidenceError.input("data after the end line", at: reader.location)
            }
            return nil
        }
        guard let section = o.keys.first else {
            throw EvidenceError.input("empty body line", at: reader.location)
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
            throw EvidenceError.input("end line: expected \"end\" (object of counts)", at: reader.location)
        }
        for (section, value) in declared {
            guard let n = value.integerValue, n >= 0 else {
                throw EvidenceError.input("end line: bad count for \"\(section)\"", at: reader.location)
            }
            guard counts[section, default: 0] == n else {
                throw EvidenceError.input("truncated or altered message: \(counts[section, default: 0]) \"\(section)\" lines, end line says \(n)", at: reader.location)
            }
        }
        for (section, _) in counts where declared[section] == nil {
            throw EvidenceError.input("end line does not count section \"\(section)\"", at: reader.location)
        }
        let actual = Hex.encode(digest.finalize())
        guard let s = sha?.stringValue, s == actual, actual == verifiedDigest else {
            throw EvidenceError.input("message digest mismatch: the message was altered or damaged", at: reader.location)
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
