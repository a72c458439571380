import Foundation
import Testing
@testable import EvidenceLog
#if canImport(Glibc)
import Glibc
#endif

/// What the log and the notary sign, and what they refuse to sign: each test
/// first tries to obtain a checkpoint, cosignature or audit OK that the
/// inputs do not justify.

/// A notary: a witness key and a state directory beside the fixture's chain.
struct NotaryFixture {
    let f: ChainFixture
    let vkey: String
    var key: String { f.dir.file("notary.key").path }
    var state: String { f.dir.file("notary-state").path }

    init(_ f: ChainFixture) throws {
        self.f = f
        try FileManager.default.createDirectory(atPath: f.dir.file("notary-state").path, withIntermediateDirectories: true)
        let k = try Tools.run("evchain", ["keygen", "--witness", "--name", "notary.example/witness", "--out", f.dir.file("notary.key").path])
        #expect(k.status == 0, "\(k.stderr)")
        vkey = k.out.trimmingCharacters(in: .newlines)
    }

    /// `evchain cosign … < checkpoint`, as README shows it.
    func cosign(_ checkpoint: String, _ extra: [String] = []) throws -> ToolResult {
        try Tools.run("evchain", ["cosign", "--witness-key", key, "--log-key", f.vkey, "--state", state] + extra,
                      stdin: try Data(contentsOf: URL(fileURLWithPath: checkpoint)))
    }

    /// The one state file the witness keeps for the log.
    func stateFile() throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: state).filter { $0.hasSuffix(".checkpoint") }
        try #require(names.count == 1, "\(names)")
        return "\(state)/\(names[0])"
    }
}

@Test func checkpointRefusesAKeyNotNamedAfterTheLog() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(3)).status == 0)
    #expect(try f.checkpoint().status == 0)
    let saved = f.chain + ".checkpoint"
    let before = try Data(contentsOf: URL(fileURLWithPath: saved))
    let other = f.dir.file("other.key").path
    #expect(try Tools.run("evchain", ["keygen", "--name", "mallory.example/log", "--out", other]).status == 0)
    #expect(try f.append(records(2, tag: "later")).status == 0)
    let out = f.dir.file("forged.checkpoint").path
    for args in [["--key", other], ["--key", other, "--out", out]] {
        let r = try Tools.run("evchain", ["checkpoint", f.chain] + args)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("mallory.example/log") && r.stderr.contains(f.origin), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: saved)) == before)
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}

@Test func timestampOfACosignedCheckpointPassesAuditAsTheLogSignedIt() throws {
    let f = try ChainFixture()
    let notary = try NotaryFixture(f)
    let tsa = try LocalTSA(in: f.dir.file("tsa"))
    #expect(try f.append(records(4)).status == 0)
    // README: checkpoint --out checkpoint.signed (stamped), cosign < checkpoint.signed > checkpoint.cosigned.
    let signed = f.dir.file("checkpoint.signed").path
    let c = try Tools.run("evchain", ["checkpoint", f.chain, "--key", f.key, "--out", signed, "--tsa-url", tsa.url])
    #expect(c.status == 0, "\(c.stderr)")
    let w = try notary.cosign(signed, ["--init"])
    #expect(w.status == 0, "\(w.stderr)")
    let cosigned = try f.dir.write("checkpoint.cosigned", w.stdout).path
    let audit = ["--checkpoint", cosigned, "--log-key", f.vkey, "--witness-key", notary.vkey, "--tsa-ca", tsa.caFile]
    // The token stays with the checkpoint it stamps; without it, nothing is claimed.
    let missing = try f.audit(audit)
    #expect(missing.status == 1, "\(missing.stderr)")
    #expect(missing.stderr.contains("no timestamp token"), "\(missing.stderr)")
    try FileManager.default.copyItem(atPath: signed + ".tsr", toPath: cosigned + ".tsr")
    let ok = try f.audit(audit)
    #expect(ok.status == 0, "\(ok.stderr)")
    // The timestamp covers the log's note, so --tsa-ca needs the log's key to know which lines are the log's.
    let noKey = try f.audit(["--checkpoint", cosigned, "--tsa-ca", tsa.caFile])
    #expect(noKey.status == 2, "\(noKey.stderr)")
    #expect(noKey.stderr.contains("--log-key"))
    // Timestamps and cosignatures are checked on --checkpoint files only: asked for with none, nothing would be checked.
    for extra in [["--tsa-ca", tsa.caFile], ["--witness-key", notary.vkey]] {
        let nothing = try f.audit(["--log-key", f.vkey] + extra)
        #expect(nothing.status == 2, "\(extra): \(nothing.stderr)")
        #expect(nothing.stderr.contains("--checkpoint"), "\(nothing.stderr)")
    }
    // A token for another checkpoint of the same log fails.
    #expect(try f.append(records(1, tag: "later")).status == 0)
    let later = f.dir.file("later.signed").path
    #expect(try Tools.run("evchain", ["checkpoint", f.chain, "--key", f.key, "--out", later, "--tsa-url", tsa.url]).status == 0)
    try FileManager.default.removeItem(atPath: cosigned + ".tsr")
    try FileManager.default.copyItem(atPath: later + ".tsr", toPath: cosigned + ".tsr")
    let swapped = try f.audit(audit)
    #expect(swapped.status == 1, "\(swapped.stderr)")
    #expect(swapped.stderr.contains("checkpoint.cosigned"))
}

@Test func firstCheckpointGoesToTheNotaryAsC2SPTlogWitnessSaysWithoutAProof() throws {
    let f = try ChainFixture()
    let notary = try NotaryFixture(f)
    #expect(try f.append(records(5)).status == 0)
    let cp1 = f.dir.file("cp1").path
    #expect(try f.checkpoint(out: cp1).status == 0)
    // RFC 9162 defines no consistency proof from the empty tree: none is handed out.
    let fromZero = try Tools.run("evchain", ["consistency", f.chain, "--from", "0", "--checkpoint", cp1])
    #expect(fromZero.status == 2, "\(fromZero.stderr)")
    #expect(fromZero.stdout.isEmpty)
    #expect(fromZero.stderr.contains("--init"), "\(fromZero.stderr)")
    // tlog-witness add-checkpoint: old size 0 (the witness never cosigned this log) carries an empty proof.
    let emptyRoot = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    let root = try #require(String(decoding: try Data(contentsOf: URL(fileURLWithPath: cp1)), as: UTF8.self)
        .split(separator: "\n").dropFirst(2).first).description
    let rootHex = try #require(Data(base64Encoded: root)).map { String(format: "%02x", $0) }.joined()
    func proof(old: Int, path: [String] = []) throws -> String {
        try f.dir.write("old\(old)-\(path.count).json", #"{"old_size":\#(old),"new_size":5,"old_root":"\#(emptyRoot)","new_root":"\#(rootHex)","proof":[\#(path.map { "\"\($0)\"" }.joined(separator: ","))]}"#).path
    }
    let nonEmpty = try notary.cosign(cp1, ["--init", "--proof", try proof(old: 0, path: [emptyRoot])])
    #expect(nonEmpty.status == 1, "\(nonEmpty.stderr)")
    let wrongOld = try notary.cosign(cp1, ["--init", "--proof", try proof(old: 3)])
    #expect(wrongOld.status == 1, "\(wrongOld.stderr)")
    #expect(try notary.stateFileCount() == 0)
    let first = try notary.cosign(cp1, ["--init", "--proof", try proof(old: 0)])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(try independent("note_verify.py", [notary.vkey], stdin: first.stdout).out == "ok\n")
    // The next night's proof starts from the size the notary holds, and is an RFC 9162 proof.
    #expect(try f.append(records(3, tag: "b")).status == 0)
    let cp2 = f.dir.file("cp2").path
    #expect(try f.checkpoint(out: cp2).status == 0)
    let p = try Tools.run("evchain", ["consistency", f.chain, "--from", "5", "--checkpoint", cp2])
    #expect(p.status == 0, "\(p.stderr)")
    let second = try notary.cosign(cp2, ["--proof", try f.dir.write("p2.json", p.stdout).path])
    #expect(second.status == 0, "\(second.stderr)")
}

@Test func witnessStateThatIsMissingOrASymlinkIsNotAFirstRun() throws {
    let f = try ChainFixture()
    let notary = try NotaryFixture(f)
    #expect(try f.append(records(5)).status == 0)
    let cp1 = f.dir.file("cp1").path
    #expect(try f.checkpoint(out: cp1).status == 0)
    // No state and no --init: the notary does not silently start over.
    let noState = try notary.cosign(cp1)
    #expect(noState.status == 3, "\(noState.stderr)")
    #expect(noState.stderr.contains("--init"), "\(noState.stderr)")
    #expect(noState.stdout.isEmpty)
    #expect(try notary.cosign(cp1, ["--init"]).status == 0)
    let again = try notary.cosign(cp1, ["--init"])
    #expect(again.status == 2, "\(again.stderr)")
    let stateAt5 = try Data(contentsOf: URL(fileURLWithPath: try notary.stateFile()))

    #expect(try f.append(records(5, tag: "b")).status == 0)
    let cp2 = f.dir.file("cp2").path
    #expect(try f.checkpoint(out: cp2).status == 0)
    let p = try Tools.run("evchain", ["consistency", f.chain, "--from", "5", "--checkpoint", cp2])
    #expect(try notary.cosign(cp2, ["--proof", try f.dir.write("p.json", p.stdout).path]).status == 0)

    // The state replaced by a dangling symlink, or one to an older state: a rollback must not pass.
    let state = try notary.stateFile()
    let older = try f.dir.write("older-state", stateAt5).path
    for target in [f.dir.file("nowhere").path, older] {
        try FileManager.default.removeItem(atPath: state)
        try FileManager.default.createSymbolicLink(atPath: state, withDestinationPath: target)
        for extra in [[], ["--init"]] {
            let rollback = try notary.cosign(cp1, extra)
            #expect(rollback.status == 3, "\(target) \(extra): \(rollback.stderr)")
            #expect(rollback.stdout.isEmpty)
            #expect(rollback.stderr.contains("symbolic link"), "\(rollback.stderr)")
        }
    }
}

extension NotaryFixture {
    func stateFileCount() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: state).filter { $0.hasSuffix(".checkpoint") }.count
    }
}

/// `evchain audit --witness-key` trusts witnesses as evverify does: the
/// log's own verifier key, or the log's public key as a cosignature key
/// under a notary's name, is refused (exit 2) rather than reported as a
/// cosignature; and a `--checkpoint` is checked in full whatever its path
/// spells, the chain's own checkpoint file included.
@Test func auditCountsNoWitnessThatIsTheLog() throws {
    let f = try ChainFixture()
    let notary = try NotaryFixture(f)
    #expect(try f.append(records(3)).status == 0)
    #expect(try f.checkpoint().status == 0)
    let saved = f.chain + ".checkpoint"
    let own = try f.audit(["--checkpoint", saved, "--log-key", f.vkey, "--witness-key", f.vkey])
    #expect(own.status == 2, "\(own.stderr)")
    #expect(own.stderr.contains("the log key's public key"), "\(own.stderr)")
    // The log's seed as a cosignature key named like a notary: a self-cosigned checkpoint.
    let logKey = try NoteSignerKey(parsing: try String(contentsOfFile: f.key, encoding: .utf8))
    let twin = try NoteSignerKey(name: "notary.example/twin", type: .cosignatureV1, seed: logKey.seed)
    var note = try SignedNote(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: saved))))
    note.signatures.append(try Cosignature.sign(text: note.text, key: twin, time: 1_764_064_800))
    let selfCosigned = try f.dir.write("self.cosigned", String(decoding: note.bytes, as: UTF8.self)).path
    let twinAudit = try f.audit(["--checkpoint", selfCosigned, "--log-key", f.vkey, "--witness-key", twin.verifierKey.encoded])
    #expect(twinAudit.status == 2, "\(twinAudit.stderr)")
    #expect(twinAudit.stderr.contains("the log key's public key"), "\(twinAudit.stderr)")
    // CHAIN.checkpoint is not cosigned: named as --checkpoint, in any spelling, that is a finding.
    let relative = URL(fileURLWithPath: saved).lastPathComponent
    for (path, cwd) in [(saved, f.dir.url), (relative, f.dir.url), ("./" + relative, f.dir.url)] {
        let r = try Tools.run("evchain", ["audit", f.chain, "--checkpoint", path, "--log-key", f.vkey, "--witness-key", notary.vkey],
                              directory: cwd)
        #expect(r.status == 1, "\(path): \(r.stderr)")
        #expect(r.stderr.contains("quorum"), "\(path): \(r.stderr)")
    }
}
