import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidenceCore

/// A bank's whole flow in one process, in a temporary directory: originals
/// under a root, hashed into records (ManifestHasher), appended to a chain,
/// a signed checkpoint cosigned by a witness, then verified
/// (EvidenceVerifier) and certified (CustodyCertificate) — what evhash,
/// evchain and evverify do, without running them.
final class CustodyScenario {
    let dir: String
    let root: String
    let chain: String
    let note: String
    let logKey: NoteSignerKey
    let witnessKey: NoteSignerKey
    let manifest: [String]

    init() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evverify-unit-\(UUID().uuidString)").path
        let root = dir + "/originals", chain = dir + "/bank.chain", note = dir + "/checkpoint.cosigned"
        try FileManager.default.createDirectory(atPath: root + "/C1/esign", withIntermediateDirectories: true)
        let manifest = try ["contract.pdf", "annex.pdf", "seal.png"].map { name in
            try Data("original of \(name)".utf8).write(to: URL(fileURLWithPath: "\(root)/C1/esign/\(name)"))
            return #"{"contract":"C1","stage":"esign","path":"C1/esign/\#(name)","source":"esign-platform"}"#
        }
        try Data((manifest.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/manifest.jsonl"))

        let records = ByteBuffer()
        var errors: [EvidenceError] = []
        let summary = try Self.hasher(root: root).run([try JSONLinesReader.open(dir + "/manifest.jsonl")], output: records,
                                                      report: { errors.append($0) })
        #expect(summary.items == 3 && summary.failures == 0 && errors.isEmpty)
        try Data(records.bytes).write(to: URL(fileURLWithPath: dir + "/records.jsonl"))

        try ChainStore.initialize(path: chain, origin: "bank.example/log")
        let store = try ChainStore(path: chain, access: .write)
        _ = try store.append(from: try JSONLinesReader.open(dir + "/records.jsonl"), now: { 1_764_064_800 })
        let logKey = try NoteSignerKey.generate(name: "bank.example/log", type: .ed25519)
        let witnessKey = try NoteSignerKey.generate(name: "notary.example/witness", type: .cosignatureV1)
        let signed = try store.signCheckpoint(with: logKey)
        try FileManager.default.createDirectory(atPath: dir + "/notary", withIntermediateDirectories: true)
        let witness = try Witness(key: witnessKey, logKey: logKey.verifierKey, origin: nil, stateDirectory: dir + "/notary")
        let cosigned = try witness.cosign(signed, proof: nil, now: 1_764_064_900, firstUse: true)
        try Data(cosigned.bytes).write(to: URL(fileURLWithPath: note))
        (self.dir, self.root, self.chain, self.note) = (dir, root, chain, note)
        (self.logKey, self.witnessKey, self.manifest) = (logKey, witnessKey, manifest)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    static func hasher(root: String) throws -> ManifestHasher {
        try ManifestHasher(options: .init(plain: DigestPlan(algorithms: [.sha256], key: nil), keyed: nil,
                                          root: RootDirectory(root)))
    }

    func write(_ name: String, _ lines: [String]) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/" + name))
    }

    func setup() -> VerificationSetup {
        var s = VerificationSetup(logKey: logKey.verifierKey.encoded)
        s.chainPath = chain
        s.checkpointPath = note
        s.witnessKeys = [witnessKey.verifierKey.encoded]
        s.root = root
        return s
    }

    func verify(_ lines: [String]) throws -> (EvidenceVerifier, EvidenceVerifier.Report) {
        try write("items.jsonl", lines)
        let verifier = try setup().makeVerifier()
        let items = try VerificationItem.readAll([try JSONLinesReader.open(dir + "/items.jsonl")])
        return (verifier, try verifier.verify(items))
    }
}

@Test func hasherWritesOneRecordPerLineAndReportsBadLinesWhenKeepingGoing() throws {
    let scenario = try CustodyScenario()
    try scenario.write("mixed.jsonl", [scenario.manifest[0], #"{"contract":"C1"}"#, scenario.manifest[1]])
    var options = try CustodyScenario.hasher(root: scenario.root).options
    options.keepGoing = true
    let out = ByteBuffer()
    var reported: [EvidenceError] = []
    var progress: [Int] = []
    let summary = try ManifestHasher(options: options).run(
        [try JSONLinesReader.open(scenario.dir + "/mixed.jsonl")], output: out,
        progress: { items, _ in progress.append(items) }, report: { reported.append($0) })
    #expect(summary.items == 2 && summary.failures == 1)
    #expect(reported.count == 1 && reported[0].location?.hasSuffix("mixed.jsonl:2") == true)
    #expect(progress.last == 2)
    let lines = String(decoding: out.bytes, as: UTF8.self).split(separator: "\n")
    #expect(lines.count == 2)
    let digest = Hex.encode(DigestAlgorithm.sha256.hash(Array("original of contract.pdf".utf8)))
    #expect(lines[0].contains(#""digest":"\#(digest)""#))
}

@Test func verifierAcceptsUnchangedOriginalsUnderTheCosignedCheckpoint() throws {
    let scenario = try CustodyScenario()
    let (verifier, report) = try scenario.verify(scenario.manifest)
    #expect(report.count == 3 && report.failures == 0)
    #expect(report.verdicts.allSatisfy { $0.status == .ok })
    #expect(verifier.trust.witnessSummary.contains("1 witness cosignature checked"))
}

@Test func verifierFindsAChangedByteAndAnOriginalNeverLogged() throws {
    let scenario = try CustodyScenario()
    try Data("original of annex.pdf!".utf8).write(to: URL(fileURLWithPath: scenario.root + "/C1/esign/annex.pdf"))
    try Data("late".utf8).write(to: URL(fileURLWithPath: scenario.root + "/C1/esign/late.pdf"))
    let late = #"{"contract":"C1","stage":"esign","path":"C1/esign/late.pdf"}"#
    let (_, report) = try scenario.verify(scenario.manifest + [late])
    #expect(report.failures == 2)
    #expect(report.verdicts.map(\.status) == [.ok, .mismatch, .ok, .missing])
}

@Test func verifierRefusesNoWitnessKeyAndProvesNothingUnderAnotherLogKey() throws {
    let scenario = try CustodyScenario()
    var setup = scenario.setup()
    setup.witnessKeys = []
    #expect(throws: EvidenceError.self) { try setup.makeVerifier() }
    // Another key of the same name: the checkpoint is read, but proves nothing.
    setup = scenario.setup()
    setup.logKey = try NoteSignerKey.generate(name: "bank.example/log", type: .ed25519).verifierKey.encoded
    let verifier = try setup.makeVerifier()
    #expect(verifier.trust.failure?.contains("no signature by bank.example/log") == true)
    let items = try VerificationItem.readAll([try JSONLinesReader.open(scenario.dir + "/manifest.jsonl")])
    #expect(try verifier.verify(items).verdicts.allSatisfy { $0.status == .unproven })
}

@Test func certificateIsIssuedAndReverifiedOfflineAndNamesAnAlteredField() throws {
    let scenario = try CustodyScenario()
    let (verifier, report) = try scenario.verify(scenario.manifest)
    let issuer = try NoteSignerKey.generate(name: "notary.example/custody", type: .ed25519)
    let certificate = try CustodyCertificate.issue(report: report, trust: verifier.trust, issuer: issuer,
                                                   logKey: scenario.logKey.verifierKey, time: "2026-11-26T10:00:00Z")
    let requirements = try CheckpointTrust.Requirements(
        logKey: scenario.logKey.verifierKey.encoded, witnessKeys: [scenario.witnessKey.verifierKey.encoded],
        quorum: nil, tsaCAFile: nil, noWitness: false)
    let bytes = JCS.canonical(certificate)
    let result = try CustodyCertificate.check(bytes, issuerKey: issuer.verifierKey, requirements: requirements)
    #expect(result.isValid && result.items == 3)

    let digest = Hex.encode(DigestAlgorithm.sha256.hash(Array("original of annex.pdf".utf8)))
    let forged = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: digest, with: String(repeating: "0", count: 64))
    let altered = try CustodyCertificate.check(Array(forged.utf8), issuerKey: issuer.verifierKey, requirements: requirements)
    #expect(!altered.isValid && !altered.findings.isEmpty)
}

@Test func theQuickPathTakesOnlyPathsWithoutEmptyDotOrDotDotComponents() {
    // The byte scan must agree with splitting on "/": any other path goes
    // through RootDirectory.resolve whole.
    for path in ["a/b", "a/b/c.pdf", "...", "a/.../b", ".a/b", "a/..b", "a/b.", "x", "a/b/", "/a", "a//b", ".", "..",
                 "a/./b", "a/../b", "a/.", "a/..", "./a", "../a", ""] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let expected = !parts.contains { $0.isEmpty || $0 == "." || $0 == ".." }
        #expect(OriginalPaths.plainComponents(path) == expected, "\(path)")
    }
}
