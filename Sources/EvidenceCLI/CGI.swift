import Glibc
import EvidenceSupport

/// RFC 3875 CGI, as far as a POST handler needs it: the request body the
/// web server passes on standard input (CONTENT_LENGTH bytes), and a
/// response with a `Status:` header on standard output. Lets a notary serve
/// `evchain cosign --cgi` from any web server.
public enum CGI {
    /// A request the handler cannot take, with the status that says why.
    public struct Refusal: Error {
        public var status: Int
        public var message: String
        public var headers: [String] = []
    }

    /// The body of a POST: REQUEST_METHOD must be POST (405), CONTENT_LENGTH
    /// a decimal (411) of at most `limit` bytes (413), all of which arrive (400).
    public static func postBody(limit: Int) throws -> [UInt8] {
        let method = getenv("REQUEST_METHOD").map { String(cString: $0) } ?? ""
        guard method == "POST" else {
            throw Refusal(status: 405, message: "only POST is served here, not \(method.isEmpty ? "a request without REQUEST_METHOD" : method)",
                          headers: ["Allow: POST"])
        }
        guard let text = getenv("CONTENT_LENGTH").map({ String(cString: $0) }), let length = Int(text), length >= 0 else {
            throw Refusal(status: 411, message: "no CONTENT_LENGTH")
        }
        guard length <= limit else { throw Refusal(status: 413, message: "body of \(length) bytes, more than \(limit)") }
        var body = [UInt8](repeating: 0, count: length)
        var got = 0
        while got < length {
            let n = body.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress! + got, length - got) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Refusal(status: 400, message: "body cut short: \(got) of \(length) bytes") }
            got += n
        }
        return body
    }

    /// Writes the response: the status line CGI servers turn into HTTP's,
    /// the content type, any other headers, a blank line and the body.
    public static func respond(status: Int, contentType: String, body: [UInt8], headers: [String] = []) {
        let head = (["Status: \(status) \(reason(status))", "Content-Type: \(contentType)"] + headers)
            .map { $0 + "\r\n" }.joined() + "\r\n"
        StandardOutput.shared.write(Array(head.utf8) + body)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 422: return "Unprocessable Content"
        default: return "Internal Server Error"
        }
    }
}
