import Foundation
import Glibc
import EvidenceSupport

/// Just enough HTTP/1.1 to POST a request to a timestamp authority and to
/// GET published tiles: plain `http://` (tokens and checkpoints are signed,
/// tiles checked against them, so the transport needs no TLS),
/// `Connection: close`, a Content-Length or chunked reply. Bounded: 30 s of
/// socket timeout and 1 MiB of reply.
public enum HTTPClient {
    public static func post(url: String, body: [UInt8], contentType: String, accept: String) throws -> [UInt8] {
        guard url.hasPrefix("http://") else {
            throw EvidenceError.usage("only http:// timestamp authority URLs are supported (tokens are signed; TLS adds nothing)")
        }
        return try request(url: url, method: "POST", body: body,
                           headers: "Content-Type: \(contentType)\r\nAccept: \(accept)\r\n") ?? {
            throw EvidenceError.io("timestamp authority answered HTTP 404", at: url)
        }()
    }

    /// The body of a GET; nil when the server answers 404.
    public static func get(url: String) throws -> [UInt8]? {
        try request(url: url, method: "GET", body: nil, headers: "")
    }

    static func request(url: String, method: String, body: [UInt8]?, headers: String) throws -> [UInt8]? {
        let rest = url.dropFirst("http://".count)
        let hostPort = rest.prefix { $0 != "/" }
        let target = rest.dropFirst(hostPort.count)
        var host = String(hostPort), port = "80"
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") { port = String(after.dropFirst()) }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon]); port = String(hostPort[hostPort.index(after: colon)...])
        }
        guard !host.isEmpty, UInt16(port) != nil else { throw EvidenceError.usage("bad URL \(url)") }

        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, port, &hints, &list)
        guard rc == 0, let first = list else {
            throw EvidenceError.io("cannot resolve \(host): \(String(cString: gai_strerror(rc)))", at: url)
        }
        defer { freeaddrinfo(list) }
        var fd: Int32 = -1
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd >= 0 {
                var tv = timeval(tv_sec: 30, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                if connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { break }
                close(fd); fd = -1
            }
            ai = a.pointee.ai_next
        }
        guard fd >= 0 else { throw EvidenceError.io("cannot connect: \(String(cString: strerror(errno)))", at: url) }
        defer { close(fd) }

        let head = "\(method) \(target.isEmpty ? "/" : target) HTTP/1.1\r\nHost: \(hostPort)\r\n" + headers
            + (body.map { "Content-Length: \($0.count)\r\n" } ?? "")
            + "Connection: close\r\nUser-Agent: evidence-toolkit\r\n\r\n"
        try (Array(head.utf8) + (body ?? [])).withUnsafeBytes { try writeAll(fd: fd, $0, name: url) }

        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw EvidenceError.io("receive error: \(String(cString: strerror(errno)))", at: url)
            }
            if n == 0 { break }
            reply += buffer[0..<n]
            guard reply.count <= 1 << 20 else { throw EvidenceError.io("reply larger than 1 MiB", at: url) }
        }
        return try parseReply(reply, url: url)
    }

    static func parseReply(_ reply: [UInt8], url: String) throws -> [UInt8]? {
        let crlf2: [UInt8] = [13, 10, 13, 10]
        guard let split = (0..<max(0, reply.count - 3)).first(where: { Array(reply[$0..<$0 + 4]) == crlf2 }) else {
            throw EvidenceError.io("malformed HTTP reply", at: url)
        }
        let header = String(decoding: reply[..<split], as: UTF8.self)
        var body = Array(reply[(split + 4)...])
        let lines = header.components(separatedBy: "\r\n")
        let statusLine = lines.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), statusLine[1].count == 3,
              let status = Int(statusLine[1]) else {
            throw EvidenceError.io("malformed HTTP reply (no HTTP/1.x status line)", at: url)
        }
        if status == 404 { return nil }
        guard status == 200 else { throw EvidenceError.io("the server answered HTTP \(status)", at: url) }
        var fields: [String: String] = [:]
        for l in lines.dropFirst() {
            guard let c = l.firstIndex(of: ":") else { continue }
            fields[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)
        }
        if fields["transfer-encoding"]?.lowercased() == "chunked" {
            var out: [UInt8] = [], i = 0
            while true {
                guard let eol = (i..<max(i, body.count - 1)).first(where: { body[$0] == 13 && body[$0 + 1] == 10 }),
                      let size = Int(String(decoding: body[i..<eol], as: UTF8.self).split(separator: ";")[0], radix: 16),
                      eol + 2 + size <= body.count else {
                    throw EvidenceError.io("malformed chunked reply", at: url)
                }
                if size == 0 { break }
                out += body[(eol + 2)..<(eol + 2 + size)]
                i = eol + 2 + size + 2
            }
            body = out
        } else if let length = fields["content-length"].flatMap({ Int($0) }) {
            guard body.count >= length else { throw EvidenceError.io("reply shorter than its Content-Length", at: url) }
            body = Array(body[..<length])
        }
        return body
    }
}
