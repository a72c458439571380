import Foundation
import Testing

/// Keys you can find again (issue 21): keygen writes KEY.pub beside the
/// private key, `evchain key show` prints a key file's verifier key, every
/// verifier-key option takes the .pub file, and a private key given where a
/// verifier key is expected is refused with what to give instead, never echoed.
@Suite struct KeyToolTests {
    @Test func keygenWritesThePubFileAndKeyShowPrintsTheSameKey() throws {
        let f = try ChainFixture()
        let pub = f.key + ".pub"
        let text = try String(contentsOfFile: pub, encoding: .utf8)
        #expect(text == f.vkey + "\n")
        let mode = try FileManager.default.attributesOfItem(atPath: pub)[.posixPermissions] as! NSNumber
        #expect(mode.intValue == 0o644)
        for file in [f.key, pub] {
            let show = try Tools.run("evchain", ["key", "show", file])
            #expect(show.status == 0, "\(show.stderr)")
            #expect(show.out == f.vkey + "\n")
            #expect(!show.out.contains("PRIVATE"))
        }
        // A private key readable by others is refused here as for signing.
        chmod(f.key, 0o644)
        let loose = try Tools.run("evchain", ["key", "show", f.key])
        #expect(loose.status == 2 && loose.stderr.contains("group or others"), "\(loose.stderr)")
    }

    @Test func theRefusalToOverwriteCoversThePubFile() throws {
        let dir = try TemporaryDirectory()
        let pub = try dir.write("k.pub", "someone's key\n")
        let r = try Tools.run("evchain", ["keygen", "--name", "x.example/log", "--out", dir.file("k").path])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("k.pub"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("k").path), "a private key without its .pub was left")
        #expect(try String(contentsOf: pub, encoding: .utf8) == "someone's key\n")
    }

    @Test func verifierKeyOptionsTakeThePubFile() throws {
        let f = try ChainFixture()
        #expect(try f.append(records(2)).status == 0)
        #expect(try f.checkpoint().status == 0)
        let audit = try f.audit(["--log-key", f.key + ".pub"])
        #expect(audit.status == 0, "\(audit.stderr)")
        let v = try Tools.run("evverify", ["--chain", f.chain, "--log-key", f.key + ".pub", "--no-witness", "--records-only"],
                              stdin: records(2))
        #expect(v.status == 0, "\(v.stderr)")
    }

    @Test func aPrivateKeyWhereAVerifierKeyIsExpectedIsRefusedAndNotEchoed() throws {
        let f = try ChainFixture()
        #expect(try f.append(records(2)).status == 0)
        #expect(try f.checkpoint().status == 0)
        let secret = try String(contentsOfFile: f.key, encoding: .utf8).trimmingCharacters(in: .newlines)
        let asFile = try f.audit(["--log-key", f.key])
        #expect(asFile.status == 2, "\(asFile.stderr)")
        #expect(asFile.stderr.contains("a private key file, not a verifier key: give \(f.key).pub"), "\(asFile.stderr)")
        #expect(asFile.stderr.contains("evchain key show"))
        let literal = try Tools.run("evverify", ["--chain", f.chain, "--log-key", secret, "--no-witness", "--records-only"],
                                    stdin: records(2))
        #expect(literal.status == 2, "\(literal.stderr)")
        #expect(literal.stderr.contains("a private key where a verifier key is expected"), "\(literal.stderr)")
        for r in [asFile, literal] {
            #expect(!r.stderr.contains(secret) && !r.out.contains(secret))
            #expect(!r.stderr.contains("PRIVATE+KEY"))
        }
    }
}
