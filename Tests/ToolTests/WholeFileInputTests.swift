import Foundation
import Testing

/// Options that name a whole file (checkpoint, certificate, case file) take
/// pipes and `<(…)` as well as regular files, and refuse a file past the
/// 16 MiB whole-file limit as bad input.
@Suite struct WholeFileInputTests {
    /// Runs `script` under bash with the tools first on PATH.
    func shell(_ script: String, in dir: TemporaryDirectory) throws -> ToolResult {
        try Tools.runExecutable("/bin/bash", ["-c", "PATH=\"\(Tools.binDirectory.path):$PATH\"; " + script],
                                directory: dir.url)
    }

    @Test func checkpointFromProcessSubstitution() throws {
        let f = try ChainFixture()
        #expect(try f.append(records(3)).status == 0)
        let cp = f.dir.file("cp").path
        #expect(try f.checkpoint(out: cp).status == 0)
        let r = try shell("echo 1 | evchain prove '\(f.chain)' --log-key '\(f.vkey)' --checkpoint <(cat '\(cp)')", in: f.dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.first?["seq"] as? Int == 1)
    }

    @Test(arguments: ["/dev/null", "garbage"])
    func checkpointThatIsNoSignedNoteIsAnInputError(file: String) throws {
        let f = try ChainFixture()
        #expect(try f.append(records(2)).status == 0)
        try f.dir.write("garbage", "not a checkpoint\n")
        let r = try Tools.run("evchain", ["prove", f.chain, "--log-key", f.vkey, "--checkpoint", file], stdin: "0\n",
                              directory: f.dir.url)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("--checkpoint: malformed signed note"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func certificateFromAPipe() throws {
        let f = try VerifyFixture()
        let cert = f.dir.file("cert.json").path
        let issued = try f.certifyOriginals("C2025-0001", out: cert)
        #expect(issued.status == 0, "\(issued.stderr)")
        let r = try shell("cat '\(cert)' | evverify check-cert - --issuer-key '\(f.issuerVKey)' --log-key '\(f.logVKey)' --witness-key '\(f.notaryVKey)'",
                          in: f.dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.first?["status"] as? String == "ok")
    }

    @Test func oversizedWholeFileIsAnInputError() throws {
        let f = try ChainFixture()
        #expect(try f.append(records(2)).status == 0)
        let cp = f.dir.file("cp").path
        #expect(try f.checkpoint(out: cp).status == 0)
        // A checkpoint padded with a 17 MiB "signature" line.
        var big = try Data(contentsOf: URL(fileURLWithPath: cp))
        big.append(Data("— x ".utf8) + Data(repeating: UInt8(ascii: "A"), count: 17 << 20) + Data("\n".utf8))
        let bigFile = try f.dir.write("big.checkpoint", big).path
        for checkpoint in [bigFile, "<(cat '\(bigFile)')"] {
            let r = try shell("echo 0 | evchain prove '\(f.chain)' --log-key '\(f.vkey)' --checkpoint \(checkpoint)", in: f.dir)
            #expect(r.status == 2, "\(checkpoint): \(r.stderr)")
            #expect(r.stderr.contains("larger than 16 MiB"), "\(r.stderr)")
            #expect(r.out.isEmpty)
        }
    }
}
