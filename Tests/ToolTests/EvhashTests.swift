import Foundation
import PythonHelpers
import Testing

/// evhash run as a user runs it, its digests checked against sha256sum,
/// openssl and Python rfc8785 run on the same bytes in the same test.
@Suite struct EvhashTests {
    let dir: TemporaryDirectory

    init() throws {
        dir = try TemporaryDirectory()
        try dir.write("C1/esign/contract.pdf", "%PDF-1.7 signed contract\n")
        try dir.write("C1/face/photo.jpg", Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }))
        try dir.write("C1/empty.bin", Data())
    }

    func manifestLine(_ stage: String, _ path: String, extra: String = "") -> String {
        #"{"contract":"C1","stage":"\#(stage)","path":"\#(path)"\#(extra)}"#
    }

    @Test func fileDigestsEqualSha256sum() throws {
        let paths = ["C1/esign/contract.pdf", "C1/face/photo.jpg", "C1/empty.bin"]
        let result = try Tools.run("evhash", paths, directory: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try Tools.runExecutable("sha256sum", paths, directory: dir.url)
        let expected = reference.lines.map { String($0.prefix(64)) }
        #expect(result.objects.map { $0["digest"] as? String } == expected)
        #expect(result.objects.map { $0["size"] as? Int } == [25, 3_000_000, 0])
        // --text output is what `sha256sum -c` checks.
        let text = try Tools.run("evhash", ["--text"] + paths, directory: dir.url)
        let check = try Tools.runExecutable("sha256sum", ["-c", "-"], stdin: text.stdout, directory: dir.url)
        #expect(check.status == 0, "\(check.out)")
    }

    @Test(arguments: ["sm3", "sha512", "sha3-256", "blake2b512"])
    func otherAlgorithmsEqualOpenSSL(algorithm: String) throws {
        let input = manifestLine("face", "C1/face/photo.jpg")
        let result = try Tools.run("evhash", ["--alg", "sha256,\(algorithm)"], stdin: input, directory: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        let record = try #require(result.objects.first)
        let digests = try #require(record["digests"] as? [String: String])
        let openssl = try Tools.runExecutable("openssl", ["dgst", "-\(algorithm)", "-r", "C1/face/photo.jpg"], directory: dir.url)
        #expect(digests[algorithm] == String(openssl.out.prefix { $0 != " " }))
        #expect(record["alg"] as? String == "sha256")
        #expect(digests["sha256"] == record["digest"] as? String)
    }

    @Test func keyedDigestsEqualOpenSSLHMAC() throws {
        let key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        let keyFile = try dir.write("hmac.key", key + "\n")
        chmod(keyFile.path, 0o600)
        let result = try Tools.run("evhash", ["--key-file", keyFile.path], stdin: manifestLine("esign", "C1/esign/contract.pdf"), directory: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        let record = try #require(result.objects.first)
        #expect(record["alg"] as? String == "hmac-sha256")
        #expect((record["keyid"] as? String)?.count == 16)
        let openssl = try Tools.runExecutable("openssl", ["dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:\(key)", "-r", "C1/esign/contract.pdf"], directory: dir.url)
        #expect(record["digest"] as? String == String(openssl.out.prefix { $0 != " " }))
        #expect(!result.out.contains(key) && !result.stderr.contains(key))

        // A key file others can read is refused, and the key is not echoed.
        chmod(keyFile.path, 0o644)
        let refused = try Tools.run("evhash", ["--key-file", keyFile.path], stdin: manifestLine("esign", "C1/esign/contract.pdf"), directory: dir.url)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("chmod 600"))
        #expect(refused.stdout.isEmpty && !refused.stderr.contains(key))
    }

    @Test func inlineRecordsHashTheirRFC8785FormLikePython() throws {
        let lines = [
            #"{"contract":"C1","stage":"face","name":"face-result.json","data":{"score":0.9812,"passed":true,"vendor":"人脸核身","at":"2025-04-16T14:02:40Z"}}"#,
            #"{"contract":"C1","stage":"liveness","name":"liveness.json","data":{"z":[1e21,1E-7,-0.0,100],"a":{"\u20ac":"euro","\r":"cr"}}}"#,
            #"{"contract":"C1","stage":"performance","name":"repayment.json","data":[{"due":"2026-01-05","amount":1234.5},{"due":"2026-02-05","amount":1234.50}]}"#,
        ]
        let result = try Tools.run("evhash", [], stdin: lines.joined(separator: "\n") + "\n", directory: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        let dataLines = try lines.map { line -> String in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return String(decoding: try JSONSerialization.data(withJSONObject: object["data"]!, options: [.fragmentsAllowed]), as: UTF8.self)
        }
        // Feed Python the original text of each "data" value, not Foundation's re-serialization.
        let python = try Tools.runPython([Repository.support("jcs_canonical.py")], requires: ["rfc8785"],
                                             stdin: Data(lines.map { line in
                                                 let start = line.range(of: #""data":"#)!.upperBound
                                                 return String(line[start..<line.index(before: line.endIndex)])
                                             }.joined(separator: "\n").utf8))
        #expect(python.status == 0, "python rfc8785: \(python.stderr)")
        let expected = python.lines.map { String($0.split(separator: "\t")[1]) }
        #expect(result.objects.map { $0["digest"] as? String } == expected)
        #expect(result.objects.map { $0["kind"] as? String } == ["data", "data", "data"])
        #expect(dataLines.count == 3)
    }

    @Test func keepsInputOrderAcrossManyFilesAndCores() throws {
        var lines: [String] = []
        for i in 0..<600 {
            try dir.write("many/f\(i).bin", String(repeating: "\(i)", count: (i * 37) % 5000 + 1))
            lines.append(manifestLine("performance", "many/f\(i).bin", extra: #","name":"n\#(i)""#))
        }
        let result = try Tools.run("evhash", [], stdin: lines.joined(separator: "\n"), directory: dir.url)
        #expect(result.status == 0)
        #expect(result.objects.map { $0["id"] as? String } == (0..<600).map { "C1/performance/n\($0)" })
        let reference = try Tools.runExecutable("sha256sum", (0..<600).map { "many/f\($0).bin" }, directory: dir.url)
        #expect(result.objects.map { $0["digest"] as? String } == reference.lines.map { String($0.prefix(64)) })
    }

    @Test func identifyingFieldsGoOutOnlyWhenKept() throws {
        let input = manifestLine("esign", "C1/esign/contract.pdf", extra: #","source":"esign-platform","time":"2025-04-16T22:02:33+08:00""#)
        let byDefault = try #require(try Tools.run("evhash", [], stdin: input, directory: dir.url).objects.first)
        #expect(byDefault["path"] == nil)
        #expect(byDefault["name"] as? String == "contract.pdf")
        #expect(byDefault["id"] as? String == "C1/esign/contract.pdf")
        #expect(byDefault["time"] as? String == "2025-04-16T14:02:33Z")
        #expect(byDefault["source"] as? String == "esign-platform")
        let both = try #require(try Tools.run("evhash", ["--keep", "path,name"], stdin: input, directory: dir.url).objects.first)
        #expect(both["path"] as? String == "C1/esign/contract.pdf")
        let none = try #require(try Tools.run("evhash", ["--keep", "none"], stdin: input, directory: dir.url).objects.first)
        #expect(none["name"] == nil && none["path"] == nil)
        #expect((none["id"] as? String)?.contains("contract") == false)
    }

    /// Every value `--help` offers for `--keep` is one evhash accepts (it
    /// once offered `both`, which was refused: issue 21).
    @Test func everyKeepValueTheHelpOffersIsAccepted() throws {
        let help = try Tools.run("evhash", ["--help"]).out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        // The option's own paragraph, not the usage line.
        let text = try #require(help.range(of: "--keep <fields>", options: .backwards).map { String(help[$0.upperBound...].prefix(200)) })
        let offered = ["name", "path", "path,name", "none", "both"].filter { text.contains(" \($0),") || text.contains(" \($0) ") || text.contains(" \($0).") }
        #expect(offered.contains("path,name") && offered.contains("none"), "\(text)")
        let input = manifestLine("esign", "C1/esign/contract.pdf")
        for value in offered {
            let r = try Tools.run("evhash", ["--keep", value], stdin: input, directory: dir.url)
            #expect(r.status == 0, "--keep \(value): \(r.stderr)")
        }
    }

    /// Each bad line: one message naming the line and the field, the
    /// documented status, and no partial output.
    @Test(arguments: [
        ("{\"contract\":\"C1\",\"stage\":\"esign\",", 2, "stdin:2: invalid JSON"),
        ("[1,2,3]", 2, "stdin:2: expected a manifest line (JSON object), found array"),
        ("{\"contract\":\"C1\",\"stage\":\"esign\"}", 2, "stdin:2: missing \"path\" (a file) or \"data\""),
        ("{\"contract\":7,\"stage\":\"esign\",\"path\":\"x\"}", 2, "stdin:2: expected \"contract\" (non-empty string), found number"),
        ("{\"contract\":\"C1\",\"stage\":\"E Sign\",\"path\":\"x\"}", 2, "stdin:2: expected \"stage\""),
        ("{\"contract\":\"C1\",\"stage\":\"esign\",\"path\":\"x\",\"pathh\":1}", 2, "stdin:2: unknown field \"pathh\""),
        ("{\"contract\":\"C1\",\"stage\":\"esign\",\"path\":\"../outside\"}", 2, "stdin:2: \"path\" must not contain \"..\""),
        ("{\"contract\":\"C1\",\"stage\":\"esign\",\"path\":\"/etc/hostname\"}", 2, "stdin:2: \"path\" must be relative"),
        ("{\"contract\":\"C1\",\"stage\":\"esign\",\"path\":\"link-out\"}", 2, "stdin:2: \"path\" \"link-out\" leads outside the root"),
        ("{\"contract\":\"C1\",\"stage\":\"esign\",\"path\":\"C1/missing.pdf\"}", 3, "stdin:2: cannot open \"C1/missing.pdf\""),
        ("{\"contract\":\"C1\",\"stage\":\"esign\",\"path\":\"C1\"}", 3, "not a regular file"),
        ("{\"contract\":\"C1\",\"stage\":\"esign\",\"path\":\"x\",\"time\":\"yesterday\"}", 2, "stdin:2: expected \"time\" (RFC 3339"),
    ] as [(String, Int32, String)])
    func badLineStopsWithLocatedMessage(line: String, status: Int32, message: String) throws {
        let outside = try TemporaryDirectory()
        try outside.write("secret.txt", "outside the root")
        symlink(outside.file("secret.txt").path, dir.file("link-out").path)
        let input = manifestLine("esign", "C1/esign/contract.pdf") + "\n" + line + "\n" + manifestLine("esign", "C1/esign/contract.pdf") + "\n"
        let result = try Tools.run("evhash", [], stdin: input, directory: dir.url)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("evhash: "))
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.lines.count == 1, "only the line before the bad one is output")
        #expect(result.endsWithCompleteLine)
    }

    @Test func invalidUTF8IsRefusedWithItsLine() throws {
        var input = Data((manifestLine("esign", "C1/esign/contract.pdf") + "\n").utf8)
        input.append(contentsOf: Array(#"{"contract":"C"#.utf8) + [0xff, 0xfe] + Array(#"","stage":"esign","path":"x"}"#.utf8) + [0x0a])
        let result = try Tools.run("evhash", [], stdin: input, directory: dir.url)
        #expect(result.status == 2)
        #expect(result.stderr.contains("stdin:2: invalid UTF-8"))
        #expect(result.lines.count == 1)
    }

    @Test func hugeLineIsRefusedWithoutBeingBuffered() throws {
        var input = Data((manifestLine("esign", "C1/esign/contract.pdf") + "\n").utf8)
        input.append(Data(#"{"contract":"C1","stage":"esign","name":"n","data":""#.utf8))
        input.append(Data(repeating: UInt8(ascii: "a"), count: 100 << 20))
        input.append(Data("\"}\n".utf8))
        let result = try Tools.run("evhash", [], stdin: input, directory: dir.url)
        #expect(result.status == 2)
        #expect(result.stderr.contains("stdin:2: line longer than 16777216 bytes"))
        #expect(result.lines.count == 1)
    }

    @Test func keepGoingReportsEachBadLineAndExitsOne() throws {
        let input = [manifestLine("esign", "C1/missing.pdf"), manifestLine("esign", "C1/esign/contract.pdf"), "not json"].joined(separator: "\n")
        let result = try Tools.run("evhash", ["--keep-going"], stdin: input, directory: dir.url)
        #expect(result.status == 1)
        #expect(result.lines.count == 1)
        #expect(result.stderr.contains("stdin:1: cannot open"))
        #expect(result.stderr.contains("stdin:3: invalid JSON"))
        #expect(result.stderr.contains("2 items failed"))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try Tools.run("evhash", ["--alg", "md5", "x"], directory: dir.url).status == 2)
        #expect(try Tools.run("evhash", ["--no-such-option"], directory: dir.url).status == 2)
        #expect(try Tools.run("evhash", ["--keep", "phone"], stdin: "", directory: dir.url).status == 2)
        let help = try Tools.run("evhash", ["--help"])
        #expect(help.status == 0 && help.out.contains("EXIT STATUS"))
    }

    @Test func generatedKeyIsPrivateAndNeverOverwritten() throws {
        let path = dir.file("new.key").path
        let first = try Tools.run("evhash", ["--generate-key", path])
        #expect(first.status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let second = try Tools.run("evhash", ["--generate-key", path])
        #expect(second.status == 3)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }
}
