import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidenceSupport

/// The root command: public for the `evidence` multi-call binary.
public struct Evcatalog: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "evcatalog",
        abstract: "Build the arbitration evidence catalogue (证据目录) from verdicts, chain entries or records.",
        discussion: """
            Reads evverify verdicts, evchain entries (evchain show) or evidence records (evhash) as \
            JSON Lines on stdin or from the files named, and writes one catalogue row per piece of \
            evidence, grouped by lifecycle stage and in time order within a stage, numbered \
            consecutively: as JSON Lines (default), CSV, Markdown or an HTML print view that \
            headless Chromium prints to an A4 PDF (see evcatalog(1) for the command).

            An item whose verification failed, that is not in the chain, or a stage required by \
            --require-stages with no evidence, is marked in every format. Chain entries and bare \
            records are marked as not verified unless --accept-unverified. A pass says how much was \
            checked (original recomputed or record only, witness cosignatures, other digests logged \
            under the id); any pass short of the full check is shown as limited.

            A custody certificate (--certificate) is checked as 'evverify check-cert' checks it, \
            with --issuer-key, --log-key and --witness-key (or --no-witness), and named only on the \
            rows whose entry it certifies.

            EXIT STATUS: 0 every row verified (or accepted); 1 the catalogue was written but marks \
            failed, missing or unverified evidence (or holds none), unless --allow-failed; \
            2 usage or input error (a bad line or case file; a certificate that does not hold under \
            the given keys, or is none); 3 I/O error.
            """,
        version: PackageVersion.line("evcatalog"))

    @Argument(help: ArgumentHelp("Verdicts, chain entries or records (JSON Lines); '-' or none: stdin.", valueName: "file"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Output format: jsonl, csv, md or html.", valueName: "format"))
    var format: CatalogueFormat = .jsonl

    @Option(help: ArgumentHelp("Language of labels: zh or en.", valueName: "lang"))
    var lang: CatalogueLanguage = .zh

    @Option(name: .customLong("case"), help: ArgumentHelp("Case file (JSON): case, commission, applicant, respondent, contract(s), claim.", valueName: "file"))
    var caseFile: String?

    @Option(help: ArgumentHelp("Purposes of proof (JSON) by id, name pattern or stage, over the built-in defaults.", valueName: "file"))
    var purposes: String?

    @Option(help: ArgumentHelp("Custody certificate (JSON), checked with the key options; its \"serial\" goes in the remarks of the rows whose entry it certifies.", valueName: "file"))
    var certificate: String?

    @Option(name: .customLong("issuer-key"), help: ArgumentHelp("With --certificate: the issuer's verifier key.", valueName: "vkey"))
    var issuerKey: String?

    @Option(name: .customLong("log-key"), help: ArgumentHelp("With --certificate: the log's verifier key.", valueName: "vkey"))
    var logKey: String?

    @Option(name: .customLong("witness-key"), help: ArgumentHelp("With --certificate: a witness (notary) verifier key. Repeatable.", valueName: "vkey"))
    var witnessKeys: [String] = []

    @Option(name: .customLong("index-witness"), help: ArgumentHelp("With --certificate: a witness key whose operator also verifies the contract index; counts as a --witness-key. Repeatable.", valueName: "vkey"))
    var indexWitnessKeys: [String] = []

    @Option(help: ArgumentHelp("With --certificate: valid cosignatures required among the distinct witness keys (default: 1).", valueName: "k"),
            transform: IntegerOption.parser(0...IntegerOption.maximumWitnesses))
    var quorum: Int?

    @Flag(name: .customLong("no-witness"), help: "With --certificate: accept a certificate whose checkpoint has no witness cosignature checked.")
    var noWitness = false

    @Option(name: .customLong("tsa-ca"), help: ArgumentHelp("With --certificate: CA certificates (PEM); require a valid RFC 3161 token on the certificate's checkpoint.", valueName: "file"))
    var tsaCA: String?

    @Option(name: .customLong("contract"), help: ArgumentHelp("Only this contract's evidence (repeatable; default: the case file's contracts, or all).", valueName: "id"))
    var contracts: [String] = []

    @Option(name: .customLong("require-stages"), help: ArgumentHelp("Stages every contract must have evidence of, comma-separated; absent ones are listed as missing rows.", valueName: "list"))
    var requireStages: String?

    @Option(help: ArgumentHelp("Date of signing printed at the end, YYYY-MM-DD (default: a blank to fill in by hand).", valueName: "date"))
    var date: String?

    @Option(name: .customLong("utc-offset"), help: ArgumentHelp("Show times in csv, md and html at this offset from UTC, e.g. +08:00 (default: UTC).", valueName: "±hh:mm"))
    var utcOffset: String?

    @Flag(name: .customLong("allow-failed"), help: "Exit 0 even when rows are marked failed, missing or not verified (they stay marked).")
    var allowFailed = false

    @Flag(name: .customLong("accept-unverified"), help: "Accept chain entries and bare records without a verdict (still labelled not verified).")
    var acceptUnverified = false

    @Flag(help: "With --format csv: begin with a UTF-8 byte order mark, for spreadsheet programs.")
    var bom = false

    public func run() throws {
        let (format, options) = try catalogueOptions()
        let input = try CatalogueInput.read(try Inputs.open(inputs, what: "verdicts or entries"))
        let catalogue = try Catalogue(items: input.items, gaps: input.gaps, options: options)
        StandardOutput.shared.write(format.render(catalogue, byteOrderMark: bom))
        StandardOutput.shared.flush()

        if let serial = options.certificate?.serial, !catalogue.rows.contains(where: { $0.certificate != nil }) {
            Diagnostics.warn("custody certificate \(serial) certifies none of the catalogue's entries: named on no row")
        }

        for group in catalogue.lookAlikeIDs {
            let listed = group.map { "\"\($0.id)\"" + ($0.number.map { " (no. \($0))" } ?? "") }.joined(separator: ", ")
            Diagnostics.warn("ids \(listed) differ only in Unicode normalisation: they are different evidence, listed as separate rows")
        }
        if catalogue.leftOut > 0 {
            Diagnostics.warn("left out \(catalogue.leftOut) item\(catalogue.leftOut == 1 ? "" : "s") of other contracts")
        }
        let problems = catalogue.problems
        guard !problems.isEmpty else { return }
        Diagnostics.warn("catalogue: " + problems.joined(separator: ", ") + (allowFailed ? " (allowed)" : "; --allow-failed to file it anyway"))
        if !allowFailed { throw ToolExit(ExitStatus.failure) }
    }

    /// The output format and the catalogue's options from the command line.
    func catalogueOptions() throws -> (CatalogueFormat, Catalogue.Options) {
        if bom && format != .csv { throw ValidationError("--bom applies to --format csv only") }
        var options = Catalogue.Options()
        options.language = lang
        options.contracts = contracts
        options.acceptUnverified = acceptUnverified
        if let date {
            guard CatalogueHeader.isValidDate(date) else { throw ValidationError("--date takes a date as YYYY-MM-DD") }
            options.date = date
        }
        if let utcOffset {
            guard let minutes = DisplayText.parseOffset(utcOffset) else {
                throw ValidationError("--utc-offset takes an offset such as +08:00, -05:30 or UTC")
            }
            options.utcOffset = minutes
        }
        if let list = requireStages {
            options.requiredStages = list.split(separator: ",").map { String($0) }
            if let bad = options.requiredStages.first(where: { !Stage.isValidName($0) }) {
                throw ValidationError("--require-stages: \"\(bad)\" is not a stage name (lowercase word such as esign, face)")
            }
        }
        if let path = caseFile { options.caseFile = try JSONDocumentFile.read(path, as: CaseFile.init(json:)) }
        if let path = purposes { options.purposes = try JSONDocumentFile.read(path, as: ProofPurposes.init(json:)) }
        if let path = certificate {
            guard let issuerKey, let logKey else {
                throw ValidationError("--certificate needs --issuer-key and --log-key (and --witness-key or --no-witness): it is checked before it is named")
            }
            let issuer = try KeyFile.readVerifier(issuerKey)
            let requirements = try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: witnessKeys,
                                                                indexWitnessKeys: indexWitnessKeys, quorum: quorum,
                                                                tsaCAFile: tsaCA, noWitness: noWitness)
            do {
                options.certificate = try CatalogueCertificate(checking: try DurableFile.readAll(path), issuerKey: issuer,
                                                               requirements: requirements)
            } catch let e as EvidenceError {
                throw e.located(path)
            }
        } else if issuerKey != nil || logKey != nil || !witnessKeys.isEmpty || !indexWitnessKeys.isEmpty || quorum != nil || noWitness || tsaCA != nil {
            throw ValidationError("--issuer-key, --log-key, --witness-key, --index-witness, --quorum, --no-witness and --tsa-ca check a --certificate: give one")
        }
        return (format, options)
    }
}
