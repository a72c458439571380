import Foundation
import Testing

/// The tools' HTTP(S) client (libcurl) against servers on 127.0.0.1 that
/// misbehave: each run must end within its `--timeout` with exit 3 and a
/// message saying what happened, and HTTPS must trust only the CA it is
/// given. No timing is asserted: the deadline is what makes each run end.

/// A server of Tests/Independent/hostile_http.py in `mode`, over HTTPS when
/// `tls` is given.
private func server(_ mode: String, serving directory: String = "/nonexistent", tls: TestCA? = nil) throws -> (StaticHTTPServer, String) {
    let script = independentDirectory.appendingPathComponent("hostile_http.py").path
    let s = try StaticHTTPServer(serving: directory,
                                 arguments: ["-u", script, mode, directory] + (tls.map { ["--tls", $0.cert, $0.key] } ?? []))
    return (s, tls == nil ? s.url : s.url.replacingOccurrences(of: "http://", with: "https://"))
}

/// A CA made for the test and a certificate it signed for 127.0.0.1.
struct TestCA {
    let dir: TemporaryDirectory
    var ca: String { dir.file("ca.pem").path }
    var cert: String { dir.file("server.pem").path }
    var key: String { dir.file("server.key").path }

    init() throws {
        dir = try TemporaryDirectory()
        try dir.write("ext.cnf", "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
        for step in [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-subj", "/CN=Evidence Test Web CA", "-days", "2",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
             "-days", "2", "-extfile", "ext.cnf"],
        ] {
            let r = try Tools.runExecutable("openssl", step, directory: dir.url)
            try #require(r.status == 0, "\(r.stderr)")
        }
    }
}

/// A chain of 300 entries exported as tiles, and items to verify: two
/// logged, one not.
private func tiledChain() throws -> (ChainFixture, String, String) {
    let f = try ChainFixture()
    #expect(try f.append(records(300, contract: "C0")).status == 0)
    #expect(try f.checkpoint().status == 0)
    let out = f.dir.file("tiles").path
    let t = try Tools.run("evchain", ["tiles", f.chain, "--out", out])
    #expect(t.status == 0, "\(t.stderr)")
    let logged = records(300, contract: "C0").split(separator: "\n")
    let items = [logged[0], logged[299], records(1, contract: "C9").split(separator: "\n")[0]].joined(separator: "\n") + "\n"
    return (f, out, items)
}

@Suite struct HTTPClientTests {
    static let hostile: [(mode: String, message: String)] = [
        ("chunk-huge", "timed out after 2 s (--timeout)"),
        ("chunk-negative", "malformed HTTP reply"),
        ("chunk-closed", "reply cut short"),
        ("trickle", "timed out after 2 s (--timeout)"),
        ("stall", "timed out after 2 s (--timeout)"),
        ("endless", "reply body larger than 1048576 bytes"),
        ("huge-length", "reply body larger than 1048576 bytes"),
        ("redirect-loop", "answered HTTP 302, a redirect (redirects are not followed)"),
        ("garbage", "malformed HTTP reply"),
    ]

    @Test(arguments: hostile)
    func aHostileTileServerEndsTheRunWithExit3AndSaysWhatHappened(mode: String, message: String) throws {
        let (f, _, items) = try tiledChain()
        let (s, url) = try server(mode)
        let r = try Tools.run("evverify", ["--tiles", url, "--log-key", f.vkey, "--no-witness", "--timeout", "2"], stdin: items)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("evverify: \(url)/checkpoint: "), "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!r.stderr.contains("Resource temporarily unavailable"))
        #expect(r.stdout.isEmpty)
        withExtendedLifetime(s) {}
    }

    @Test func theWitnessAndTheTimestampRequestAreBoundedToo() throws {
        let (f, _, _) = try tiledChain()
        let n = try NotaryFixture(f)
        let (s, url) = try server("stall")
        let cosign = try Tools.run("evchain", ["cosign", "--witness-key", n.key, "--log-key", f.vkey, "--state", n.state,
                                               "--init", "--tiles", url, "--timeout", "1"])
        #expect(cosign.status == 3 && cosign.stderr.contains("\(url)/checkpoint: timed out after 1 s"), "\(cosign.stderr)")
        let cp = f.dir.file("cp").path
        let tsa = try Tools.run("evchain", ["checkpoint", f.chain, "--key", f.key, "--out", cp, "--tsa-url", url + "/tsa",
                                            "--timeout", "1"])
        #expect(tsa.status == 3 && tsa.stderr.contains("\(url)/tsa: timed out after 1 s"), "\(tsa.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cp))
        let refused = try Tools.run("evchain", ["checkpoint", f.chain, "--key", f.key, "--out", cp, "--tsa-url", "http://127.0.0.1:9/tsa"])
        #expect(refused.status == 3 && refused.stderr.contains("http://127.0.0.1:9/tsa: connection refused"), "\(refused.stderr)")
        let scheme = try Tools.run("evchain", ["checkpoint", f.chain, "--key", f.key, "--out", cp, "--tsa-url", "ftp://127.0.0.1/tsa"])
        #expect(scheme.status == 2 && scheme.stderr.contains("only http:// and https:// URLs"), "\(scheme.stderr)")
        withExtendedLifetime(s) {}
    }

    @Test func httpsTilesWithTheirCAGiveTheVerdictsOfTheChainAndNoOtherCAIsTrusted() throws {
        let (f, out, items) = try tiledChain()
        let ca = try TestCA()
        let (s, url) = try server("serve", serving: out, tls: ca)
        func verify(_ source: [String]) throws -> ToolResult {
            try Tools.run("evverify", source + ["--log-key", f.vkey, "--no-witness", "--records-only", "--timeout", "30"], stdin: items)
        }
        let chain = try verify(["--chain", f.chain])
        #expect(chain.status == 1)
        #expect(chain.objects.map { $0["status"] as? String } == ["ok", "ok", "missing"], "\(chain.out)")
        let https = try verify(["--tiles", url, "--cacert", ca.ca])
        #expect(https.status == chain.status, "\(https.stderr)")
        #expect(https.out == chain.out)
        // The system's CAs do not know the test CA; another CA is not it.
        let other = try TestCA()
        for extra in [[], ["--cacert", other.ca]] {
            let r = try verify(["--tiles", url] + extra)
            #expect(r.status == 3 && r.stderr.contains("\(url)/checkpoint: TLS: certificate not trusted"), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let unreadable = try verify(["--tiles", url, "--cacert", f.dir.file("no-such-ca.pem").path])
        #expect(unreadable.status == 3 && unreadable.stderr.contains("TLS: cannot read the CA certificates"), "\(unreadable.stderr)")
        // The witness builds its consistency proof from the same tiles over HTTPS.
        let n = try NotaryFixture(f)
        #expect(try n.cosign(f.chain + ".checkpoint", ["--init"]).status == 0)
        #expect(try f.append(records(100, contract: "C1")).status == 0)
        #expect(try f.checkpoint().status == 0)
        #expect(try Tools.run("evchain", ["tiles", f.chain, "--out", out]).status == 0)
        let grown = try Tools.run("evchain", ["cosign", "--witness-key", n.key, "--log-key", f.vkey, "--state", n.state,
                                              "--tiles", url, "--cacert", ca.ca])
        #expect(grown.status == 0, "\(grown.stderr)")
        #expect(grown.out.contains("\n400\n"), "\(grown.out)")
        withExtendedLifetime(s) {}
    }

    @Test func tilesAreFetchedThroughTheProxyTheEnvironmentNames() throws {
        let (f, out, items) = try tiledChain()
        let (proxy, proxyURL) = try server("serve", serving: out)
        // tiles.invalid is never resolved: only the proxy is asked for it.
        let r = try Tools.run("evverify", ["--tiles", "http://tiles.invalid", "--log-key", f.vkey, "--no-witness", "--records-only", "--timeout", "30"],
                              stdin: Data(items.utf8), environment: ["http_proxy": proxyURL, "no_proxy": "", "NO_PROXY": ""])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.objects.map { $0["status"] as? String } == ["ok", "ok", "missing"], "\(r.out)")
        #expect(proxy.gets > 0)
    }

    @Test func aTimestampTokenStillComesFromTheLocalAuthority() throws {
        let f = try ChainFixture()
        #expect(try f.append(records(4)).status == 0)
        let tsa = try LocalTSA(in: f.dir.file("tsa"))
        let cp = f.dir.file("cp").path
        let r = try Tools.run("evchain", ["checkpoint", f.chain, "--key", f.key, "--out", cp, "--tsa-url", tsa.url, "--timeout", "60"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try f.audit(["--checkpoint", cp, "--log-key", f.vkey, "--tsa-ca", tsa.caFile]).status == 0)
    }
}
