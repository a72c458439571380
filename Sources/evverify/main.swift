import EvidenceSupport
import EvidenceCrypto
import EvidenceLog
import EvidencePSI

import ArgumentParser
import EvidenceCLI
import EvidenceCore

struct Evverify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evverify",
        abstract: "Check originals against the evidence log; issue and check custody certificates.",
        discussion: """
            EXIT STATUS: 0 every item is ok (or the certificate holds); 1 an item is not ok \
            (mismatch, missing — including a missing original or, with --complete, an entry not \
            presented — or unproven) or the certificate does not hold; 2 usage or input error \
            (also: neither --witness-key nor --no-witness, evidence records with --root, two \
            items with one id, no items to certify or to check stages of); 3 I/O error.
            """,
        version: PackageVersion.line("evverify"),
        subcommands: [Check.self, Certify.self, CheckCert.self],
        defaultSubcommand: Check.self)
}

/// Whom to trust: the log's key, the witnesses' keys and quorum, the TSA's CA.
struct KeyOptions: ParsableArguments {
    @Option(name: .customLong("log-key"), help: ArgumentHelp("The log's verifier key (name+keyid+base64, or a file holding it).", valueName: "vkey"))
    var logKey: String

    @Option(name: .customLong("witness-key"), help: ArgumentHelp("A witness (notary) verifier key. Repeatable.", valueName: "vkey"))
    var witnessKeys: [String] = []

    @Option(help: ArgumentHelp("Valid cosignatures required among the distinct witness keys (default: 1).", valueName: "k"),
            transform: IntegerOption.parser(0...IntegerOption.maximumWitnesses))
    var quorum: Int?

    @Flag(name: .customLong("no-witness"), help: "Accept a checkpoint with no witness cosignature checked (the log's own signature alone).")
    var noWitness = false

    @Option(name: .customLong("tsa-ca"), help: ArgumentHelp("CA certificates (PEM): require a valid RFC 3161 token on the checkpoint.", valueName: "file"))
    var tsaCA: String?

    func requirements() throws -> CheckpointTrust.Requirements {
        try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: witnessKeys, quorum: quorum, tsaCAFile: tsaCA,
                                         noWitness: noWitness)
    }
}

/// Where the entries and the checkpoint come from, and whom to trust.
struct TrustOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The evidence log (as evchain writes it).", valueName: "chain"))
    var chain: String?

    @Option(help: ArgumentHelp("A proof bundle from 'evchain prove' instead of the log.", valueName: "file"))
    var proofs: String?

    @Option(help: ArgumentHelp("The signed (and cosigned) checkpoint; default: the chain's latest, or the bundle's.", valueName: "file"))
    var checkpoint: String?

    @OptionGroup var keys: KeyOptions

    @Option(help: ArgumentHelp("The checkpoint's timestamp token (default: CHECKPOINT.tsr when present).", valueName: "file"))
    var timestamp: String?
}

struct ItemOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Files of items (manifest lines or evidence records); '-' or none: stdin.", valueName: "file"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Directory that manifest paths resolve under (default: the current directory); evidence records are refused with it.", valueName: "dir"))
    var root: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp("HMAC key for items logged with keyed digests.", valueName: "file"))
    var keyFile: String?

    @Option(name: .customLong("require-stages"), help: ArgumentHelp("Stages every contract must have in the log, comma-separated.", valueName: "list"))
    var requireStages: String?

    @Flag(name: .customLong("records-only"), help: "The items are evidence records: compare their digests with the log without reading the originals (verdicts say checked: record).")
    var recordsOnly = false

    @Flag(help: "Report every entry of the items' contracts that no item presents, as missing (needs --chain).")
    var complete = false

    @Option(name: .customLong("logged-before"), help: ArgumentHelp("Only entries logged before this RFC 3339 time count.", valueName: "time"))
    var loggedBefore: String?

    @Flag(name: .customLong("accept-relogged"), help: "Accept an item whose id was also logged with another digest (still listed as conflicts).")
    var acceptRelogged = false

    func setup(_ trust: TrustOptions) -> VerificationSetup {
        var s = VerificationSetup(logKey: trust.keys.logKey)
        s.chainPath = trust.chain
        s.proofsPath = trust.proofs
        s.checkpointPath = trust.checkpoint
        s.timestampPath = trust.timestamp
        s.witnessKeys = trust.keys.witnessKeys
        s.quorum = trust.keys.quorum
        s.noWitness = trust.keys.noWitness
        s.tsaCAFile = trust.keys.tsaCA
        s.root = root
        s.keyFile = keyFile
        s.recordsOnly = recordsOnly
        s.requiredStages = requireStages.map { $0.split(separator: ",").map(String.init) } ?? []
        s.complete = complete
        s.loggedBefore = loggedBefore
        s.acceptRelogged = acceptRelogged
        return s
    }

    func verify(_ trust: TrustOptions, requiresItems: Bool = false,
                render: EvidenceVerifier.Renderer? = nil) throws -> (EvidenceVerifier, EvidenceVerifier.Report) {
        var setup = setup(trust)
        setup.requiresItems = requiresItems
        let verifier = try setup.makeVerifier()
        let items = try VerificationItem.readAll(try Inputs.open(inputs, what: "items"))
        return (verifier, try verifier.verify(items, render: render))
    }
}

extension Evverify {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Verify items against the log (the default subcommand).",
            discussion: "Prints one verdict per item: status ok, mismatch, missing or unproven; with --text, then what was checked of the witnesses.")

        @OptionGroup var trust: TrustOptions
        @OptionGroup var items: ItemOptions

        @Flag(help: "Print 'id: OK' / 'id: FAILED (reason)' lines and a summary, like sha256sum -c.")
        var text = false

        @Flag(help: "With --text: do not print OK lines.")
        var quiet = false

        @Flag(help: "Print nothing; the exit status tells.")
        var status = false

        func run() throws {
            let (text, quiet, status) = (text, quiet, status)
            let (verifier, report) = try items.verify(trust) { v in
                if status || (quiet && v.status == .ok) { return [] }
                return text || quiet ? Array((v.textLine + "\n").utf8) : v.jsonLine
            }
            let out = StandardOutput.shared
            for line in report.rendered { out.write(line) }
            if text && !quiet && !status { out.write(verifier.trust.witnessSummary + "\n") }
            if report.failures > 0 {
                out.flush()
                if (text || quiet) && !status {
                    Diagnostics.warn("\(report.failures) of \(report.count) item\(report.count == 1 ? "" : "s") FAILED")
                }
                throw ToolExit(ExitStatus.failure)
            }
        }
    }

    struct Certify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify items and issue a signed custody certificate (保管单) for them.")

        @OptionGroup var trust: TrustOptions
        @OptionGroup var items: ItemOptions

        @Option(name: .customLong("issuer-key"), help: ArgumentHelp("The issuer's private key file (evchain keygen).", valueName: "file"))
        var issuerKey: String

        @Option(help: ArgumentHelp("Write the certificate to this file instead of stdout.", valueName: "file"))
        var out: String?

        @Flag(name: .customLong("allow-failed"), help: "Issue the certificate even when an item failed (it records the failure).")
        var allowFailed = false

        func run() throws {
            let issuer = try CustodyCertificate.readIssuerKey(issuerKey)
            let (verifier, report) = try items.verify(trust, requiresItems: true)
            if report.failures > 0 && !allowFailed {
                for v in report.verdicts where v.status != .ok { Diagnostics.warn(v.textLine) }
                Diagnostics.warn("no certificate issued: \(report.failures) of \(report.count) items FAILED")
                throw ToolExit(ExitStatus.failure)
            }
            let certificate = try CustodyCertificate.issue(
                report: report, trust: verifier.trust, issuer: issuer, logKey: try KeyFile.readVerifier(trust.keys.logKey))
            let bytes = JCS.canonical(certificate) + [0x0a]
            if let out {
                try DurableFile.replace(out, with: bytes)
            } else {
                StandardOutput.shared.write(bytes)
            }
            if report.failures > 0 { throw ToolExit(ExitStatus.failure) }
        }
    }

    struct CheckCert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-cert",
            abstract: "Re-verify a custody certificate offline, naming any altered field.")

        @Argument(help: ArgumentHelp("The certificate file ('-' for stdin).", valueName: "cert"))
        var certificate: String

        @Option(name: .customLong("issuer-key"), help: ArgumentHelp("The issuer's verifier key.", valueName: "vkey"))
        var issuerKey: String

        @OptionGroup var keys: KeyOptions

        @Flag(help: "Print findings as text lines instead of a JSON report.")
        var text = false

        func run() throws {
            let requirements = try keys.requirements()
            let bytes = certificate == "-" ? try DurableFile.readAll("/dev/stdin") : try DurableFile.readAll(certificate)
            let result: CustodyCertificate.CheckResult
            do {
                result = try CustodyCertificate.check(bytes, issuerKey: try KeyFile.readVerifier(issuerKey), requirements: requirements)
            } catch let e as EvidenceError {
                throw e.located(certificate == "-" ? "stdin" : certificate)
            }
            if text {
                let name = result.serial ?? certificate
                if result.isValid {
                    StandardOutput.shared.write("\(name): OK (\(result.items) items)\n")
                } else {
                    for f in result.findings { StandardOutput.shared.write("\(name): FAILED \(f)\n") }
                }
                if let witnesses = result.witnessSummary { StandardOutput.shared.write(witnesses + "\n") }
            } else {
                StandardOutput.shared.writeLine(result.json)
            }
            if !result.isValid { throw ToolExit(ExitStatus.failure) }
        }
    }
}

ToolMain.run(Evverify.self, name: "evverify")
