import FoundationEssentials
import Glibc
internal import CCurl
import EvidenceSupport

/// HTTP and HTTPS through libcurl: GET of published tiles, POST of RFC 3161
/// requests. The one file that calls libcurl (its C calls stay here).
///
/// Bounded against any server: every request of a run must end within the
/// run's `timeout` (one budget that later requests share), a reply body may
/// not exceed `maximumBody`, redirects are not followed, and only http and
/// https are spoken. HTTPS trusts the system CA store or `caFile`; HTTP/2 is
/// used where the server offers it; proxies come from the usual environment
/// (`http_proxy`, `https_proxy`, `no_proxy`, which libcurl reads itself).
public struct HTTPClient: Sendable {
    /// The largest reply body read: tiles are 8 KiB, checkpoints and tokens
    /// a few KiB.
    public static let maximumBody = 1 << 20
    /// The run's budget when `--timeout` is not given, in seconds.
    public static let defaultTimeout = 300

    let caFile: String?
    let timeout: Int
    /// When the budget runs out, in CLOCK_MONOTONIC milliseconds.
    let deadline: Int64

    /// The budget starts now.
    public init(caFile: String? = nil, timeout: Int = HTTPClient.defaultTimeout) {
        self.caFile = caFile
        self.timeout = timeout
        deadline = HTTPClient.monotonicMilliseconds() + Int64(timeout) * 1000
    }

    /// The body of a GET; nil when the server answers 404.
    public func get(url: String) throws -> [UInt8]? {
        let (status, body) = try perform(url: url, post: nil)
        if status == 404 { return nil }
        return try accepted(status, body, url: url)
    }

    public func post(url: String, body: [UInt8], contentType: String, accept: String) throws -> [UInt8] {
        let (status, reply) = try perform(url: url, post: (body, ["Content-Type: \(contentType)", "Accept: \(accept)"]))
        return try accepted(status, reply, url: url)
    }

    /// A POST whose every answer is the caller's to judge (a witness's 409
    /// and 422 carry meaning): the status and the body, within the same bounds.
    public func postForReply(url: String, body: [UInt8], contentType: String, accept: String) throws -> (status: Int, body: [UInt8]) {
        try perform(url: url, post: (body, ["Content-Type: \(contentType)", "Accept: \(accept)"]))
    }

    /// Whether `location` names something this client fetches.
    public static func handles(_ location: String) -> Bool {
        let l = location.lowercased()
        return l.hasPrefix("http://") || l.hasPrefix("https://")
    }

    private func accepted(_ status: Int, _ body: [UInt8], url: String) throws -> [UInt8] {
        if (300..<400).contains(status) {
            throw EvidenceError.io("the server answered HTTP \(status), a redirect (redirects are not followed)", at: url)
        }
        guard status == 200 else { throw EvidenceError.io("the server answered HTTP \(status)", at: url) }
        return body
    }

    // MARK: libcurl

    /// curl_global_init must run once, before any other call and not
    /// concurrently with one: a static let runs it once, on first use.
    private static let initialized: Bool = ev_curl_global_init() == CURLE_OK

    /// Easy handles kept between requests: libcurl keeps open connections
    /// (and TLS sessions) with the handle, so tiles fetched one after another
    /// reuse them.
    private static let handles = HandlePool()

    private func perform(url: String, post: ([UInt8], [String])?) throws -> (Int, [UInt8]) {
        guard HTTPClient.handles(url) else {
            throw EvidenceError.usage("only http:// and https:// URLs are supported: \(url)")
        }
        let remaining = deadline - HTTPClient.monotonicMilliseconds()
        guard remaining > 0 else { throw timedOut(url) }
        guard HTTPClient.initialized, let handle = HTTPClient.handles.take() else {
            throw EvidenceError.io("cannot start libcurl", at: url)
        }
        defer { HTTPClient.handles.give(handle) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        var headers: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headers) }
        let sink = BodySink()
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }

        var set = ev_curl_setopt_string(handle, CURLOPT_URL, url)
        func also(_ code: CURLcode) { if set == CURLE_OK { set = code } }
        also(ev_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        also(ev_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        // Timeouts must not use signals: requests run on several threads.
        also(ev_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        also(ev_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(remaining)))
        also(ev_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(remaining)))
        also(ev_curl_setopt_long(handle, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS))
        also(ev_curl_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(HTTPClient.maximumBody)))
        also(ev_curl_setopt_string(handle, CURLOPT_USERAGENT, "evidence-toolkit/\(PackageVersion.number)"))
        also(ev_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        if let caFile { also(ev_curl_setopt_string(handle, CURLOPT_CAINFO, caFile)) }
        also(ev_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque()))
        also(ev_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let sink = Unmanaged<BodySink>.fromOpaque(context!).takeUnretainedValue()
            let n = size * count
            guard sink.bytes.count + n <= HTTPClient.maximumBody else {
                sink.tooLarge = true
                return 0  // anything but n aborts the transfer
            }
            if let data { sink.bytes += UnsafeRawBufferPointer(start: data, count: n) }
            return n
        })
        if let (body, fields) = post {
            for f in fields + ["Expect:"] { headers = curl_slist_append(headers, f) }
            also(ev_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headers))
            also(ev_curl_setopt_long(handle, CURLOPT_POST, 1))
            also(ev_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            // COPYPOSTFIELDS copies the body, so it need not outlive this call.
            body.withUnsafeBytes { also(ev_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))) }
        }
        guard set == CURLE_OK else {
            throw EvidenceError.io("libcurl refused a setting: \(String(cString: curl_easy_strerror(set)))", at: url)
        }
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            var osErrno = 0
            _ = ev_curl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
            throw failure(code, detail: String(cString: errorBuffer), osErrno: Int32(osErrno), sink: sink, url: url)
        }
        var status = 0
        _ = ev_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return (status, sink.bytes)
    }

    private func timedOut(_ url: String) -> EvidenceError {
        EvidenceError.io("timed out after \(timeout) s (--timeout)", at: url)
    }

    /// What went wrong, in plain words.
    private func failure(_ code: CURLcode, detail: String, osErrno: Int32, sink: BodySink, url: String) -> EvidenceError {
        let detail = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        let message: String
        switch code {
        case CURLE_OPERATION_TIMEDOUT: return timedOut(url)
        case CURLE_WRITE_ERROR where sink.tooLarge, CURLE_FILESIZE_EXCEEDED:
            message = "reply body larger than \(HTTPClient.maximumBody) bytes"
        case CURLE_PEER_FAILED_VERIFICATION: message = "TLS: certificate not trusted (\(detail))"
        case CURLE_SSL_CACERT_BADFILE: message = "TLS: cannot read the CA certificates (\(detail))"
        case CURLE_SSL_CONNECT_ERROR: message = "TLS: handshake failed (\(detail))"
        case CURLE_COULDNT_CONNECT:
            message = osErrno == ECONNREFUSED ? "connection refused" : "cannot connect (\(detail))"
        case CURLE_COULDNT_RESOLVE_HOST: message = "cannot resolve the host name (\(detail))"
        case CURLE_COULDNT_RESOLVE_PROXY: message = "cannot resolve the proxy's host name (\(detail))"
        case CURLE_PARTIAL_FILE: message = "reply cut short (shorter than its Content-Length or chunk size)"
        case CURLE_GOT_NOTHING: message = "the server closed the connection without a reply"
        case CURLE_WEIRD_SERVER_REPLY, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_CONTENT_ENCODING, CURLE_HTTP2,
             CURLE_HTTP2_STREAM:
            message = "malformed HTTP reply (\(detail))"
        case CURLE_RECV_ERROR where detail.contains("chunk"): message = "malformed HTTP reply (\(detail))"
        case CURLE_RECV_ERROR: message = "receive failed (\(detail))"
        case CURLE_SEND_ERROR: message = "send failed (\(detail))"
        default: message = "request failed (\(detail))"
        }
        return EvidenceError.io(message, at: url)
    }

    private static func monotonicMilliseconds() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }
}

/// The reply body as the write callback receives it.
private final class BodySink {
    var bytes: [UInt8] = []
    var tooLarge = false
}

/// Idle easy handles; each is used by one request at a time.
private final class HandlePool: @unchecked Sendable {
    // @unchecked: `idle` is only touched under `lock`.
    private let lock = Lock()
    private var idle: [UnsafeMutableRawPointer] = []

    func take() -> UnsafeMutableRawPointer? {
        lock.withLock { idle.popLast() } ?? curl_easy_init()
    }

    /// Back for the next request, its settings cleared but its connections kept.
    func give(_ handle: UnsafeMutableRawPointer) {
        curl_easy_reset(handle)
        lock.withLock { idle.append(handle) }
    }
}
