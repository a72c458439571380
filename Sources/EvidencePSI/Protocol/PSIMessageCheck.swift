import Foundation
import Glibc
import EvidenceCrypto
import EvidenceSupport

/// A received message read whole and checked before any of it is used: the
/// digest of its lines, its signature, its size; the reader then walks the
/// same bytes (never the file a second time, which could have changed).
struct PSIMessageCheck {
    static let limit = 1 << 32

    let name: String
    let bytes: [UInt8]
    /// SHA-256 (hex) of every non-blank line before the trailer, each with "\n".
    let digest: String
    /// SHA-256 (hex) of the file's bytes, as `sha256sum` prints it.
    let fileSHA256: String
    /// Non-blank lines between header and trailer.
    let bodyLines: Int
    let trailer: JSONObject?
    let trailerLocation: String

    init(path: String) throws {
        name = path == "-" ? "stdin" : path
        bytes = path == "-" ? try DurableFile.readToEnd(fd: 0, name: name, limit: Self.limit)
                            : try DurableFile.readAll(path, limit: Self.limit)
        fileSHA256 = Hex.encode(DigestAlgorithm.sha256.hash(bytes))
        var lines: [(Range<Int>, Int)] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: 0x0a) ?? bytes.count
            lineNumber += 1
            var end = newline
            if end > start && bytes[end - 1] == 0x0d { end -= 1 }
            if bytes[start..<end].contains(where: { $0 != 0x20 && $0 != 0x09 }) { lines.append((start..<end, lineNumber)) }
            start = newline + 1
        }
        var parsed: JSONObject?
        if lines.count >= 2, case .object(let o)? = try? JSON.parse(Array(bytes[lines[lines.count - 1].0])), o["end"] != nil {
            parsed = o
        }
        trailer = parsed
        trailerLocation = "\(name):\(parsed == nil ? lineNumber + 1 : lines[lines.count - 1].1)"
        let covered = parsed == nil ? lines : Array(lines.dropLast())
        let h = HashContext(.sha256)
        for (range, _) in covered {
            h.update(Array(bytes[range]))
            h.update([0x0a])
        }
        digest = Hex.encode(h.finalize())
        bodyLines = max(0, covered.count - 1)
    }

    /// A line reader over the bytes already read (an unlinked temporary file).
    func lineReader() throws -> JSONLinesReader {
        var fd: Int32 = -1
        if let file = tmpfile() {
            fd = dup(fileno(file))
            fclose(file)
        }
        guard fd >= 0 else { throw EvidenceError.io("cannot hold the message in memory: \(String(cString: strerror(errno)))", at: name) }
        do {
            try bytes.withUnsafeBytes { try writeAll(fd: fd, $0, name: name) }
        } catch {
            close(fd)
            throw error
        }
        lseek(fd, 0, SEEK_SET)
        return JSONLinesReader(fd: fd, name: name, ownsDescriptor: true)
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
