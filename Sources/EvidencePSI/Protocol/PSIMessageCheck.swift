import FoundationEssentials
import Glibc
import EvidenceCrypto
import EvidenceSupport

/// A received message, read once and checked before any of it is used: in
/// one pass over its bytes each line is found, hashed in place (no copy)
/// and kept as a range; the signature and the size are then checked, and
/// the reader parses the same kept lines (never the file a second time,
/// which could have changed, and never hashing them again).
struct PSIMessageCheck {
    static let limit = 1 << 32

    /// A non-blank line: its bytes (without the line ending) and its number.
    struct Line {
        var start: Int
        var end: Int
        var number: Int
    }

    let name: String
    let bytes: [UInt8]
    /// Every non-blank line, the trailer included.
    let lines: [Line]
    /// SHA-256 (hex) of every non-blank line before the trailer, each with "\n".
    let digest: String
    /// SHA-256 (hex) of the file's bytes, as `sha256sum` prints it.
    let fileSHA256: String
    /// Non-blank lines between header and trailer.
    let bodyLines: Int
    let trailer: JSONObject?
    let trailerLocation: String

    /// Reads `path` ("-": standard input) whole.
    init(path: String) throws {
        let name = path == "-" ? "stdin" : path
        try self.init(bytes: path == "-" ? try DurableFile.readToEnd(fd: 0, name: name, limit: Self.limit)
                                         : try DurableFile.readAll(path, limit: Self.limit), name: name)
    }

    /// Checks a message held in memory, named `name` in errors.
    init(bytes: [UInt8], name: String) throws {
        guard bytes.count <= Self.limit else { throw EvidenceError.input("message larger than \(Self.limit >> 30) GiB", at: name) }
        self.name = name
        self.bytes = bytes
        var lines: [Line] = []
        let lineDigest = HashContext(.sha256)
        var lineNumber = 0
        // The last non-blank line may be the trailer, which its own digest
        // excludes: each line is hashed once the next one is found.
        var pending: Line?
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress
            var start = 0
            while start < raw.count {
                let newline = memchr(base! + start, 0x0a, raw.count - start).map { $0 - UnsafeMutableRawPointer(mutating: base!) } ?? raw.count
                lineNumber += 1
                var end = newline
                if end > start && raw[end - 1] == 0x0d { end -= 1 }
                var blank = true
                for i in start..<end where raw[i] != 0x20 && raw[i] != 0x09 { blank = false; break }
                if !blank {
                    if let p = pending {
                        lineDigest.update(UnsafeRawBufferPointer(rebasing: raw[p.start..<p.end]))
                        lineDigest.update([0x0a] as [UInt8])
                    }
                    let line = Line(start: start, end: end, number: lineNumber)
                    lines.append(line)
                    pending = line
                }
                start = newline + 1
            }
        }
        var parsed: JSONObject?
        if lines.count >= 2, let last = lines.last,
           case .object(let o)? = try? bytes.withUnsafeBytes({ try JSON.parse(UnsafeRawBufferPointer(rebasing: $0[last.start..<last.end])) }),
           o["end"] != nil {
            parsed = o
        } else if let p = pending {
            // No trailer: the last line is covered like the others.
            bytes.withUnsafeBytes { raw in
                lineDigest.update(UnsafeRawBufferPointer(rebasing: raw[p.start..<p.end]))
                lineDigest.update([0x0a] as [UInt8])
            }
        }
        self.lines = lines
        trailer = parsed
        trailerLocation = "\(name):\(parsed == nil ? lineNumber + 1 : lines[lines.count - 1].number)"
        digest = Hex.encode(lineDigest.finalize())
        fileSHA256 = Hex.encode(DigestAlgorithm.sha256.hash(bytes))
        bodyLines = max(0, (parsed == nil ? lines.count : lines.count - 1) - 1)
    }

    /// Checks the sender's signature against the peer's key: refused when
    /// unsigned, signed by another key, or not covering these bytes — unless
    /// the channel is explicitly unsigned and has no peer key.
    func authenticate(_ header: PSIHeader, channel: PSIChannel, at location: String) throws {
        guard let peer = channel.peer else {
            if channel.allowUnsigned { return }
            throw EvidenceError.usage("no peer key to check the message against (\(Setting("peer-key")))")
        }
        guard let signer = header.extra["signer"]?.stringValue else {
            throw EvidenceError.input("message is not signed (expected a signature by \(peer.keyName))", at: location)
        }
        guard signer == peer.keyName else {
            throw EvidenceError.input("message is signed by key \(signer), not by the peer's key \(peer.keyName)", at: location)
        }
        guard let trailer else {
            throw EvidenceError.input("truncated message: no end line", at: trailerLocation)
        }
        guard let text = trailer["signature"]?.stringValue, let signature = Data(base64Encoded: text), signature.count == 64 else {
            throw EvidenceError.input("end line: expected \"signature\" (base64 of 64 bytes)", at: trailerLocation)
        }
        guard let end = trailer["end"],
              peer.verify([UInt8](signature), message: PSISignature.signedBytes(digest: digest, end: end)) else {
            throw EvidenceError.input("message signature does not verify: the message was altered or signed by another key", at: trailerLocation)
        }
    }
}
