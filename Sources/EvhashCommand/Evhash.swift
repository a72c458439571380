import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceCrypto
import EvidenceSupport

/// The root command: public for the `evidence` multi-call binary.
public struct Evhash: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "evhash",
        abstract: "Hash contract artifacts into evidence records (digests only).",
        discussion: """
            Reads manifest lines (JSON Lines) on stdin or from --manifest files and writes \
            one evidence record per line, in input order. A manifest line names a file \
            ("path", resolved under --root) or carries an inline record ("data", hashed in \
            its RFC 8785 canonical form). Files named as arguments are hashed as a quick look. \
            With --walk DIR, the files of a folder tree laid out as --layout says are \
            hashed as if a manifest listed them, sorted by path.

            EXIT STATUS: 0 all items hashed; 1 some items failed under --keep-going; \
            2 usage or input error (malformed line, unknown field, path outside --root); \
            3 I/O error (missing or unreadable file, unreadable key).
            """,
        version: PackageVersion.line("evhash"))

    @Argument(help: ArgumentHelp("Files to hash directly, like sha256sum (no manifest).", valueName: "file"))
    var files: [String] = []

    @Option(name: .customLong("manifest"), help: ArgumentHelp("Read manifest lines from this file ('-' is stdin). Repeatable.", valueName: "file"))
    var manifests: [String] = []

    @Option(name: .customLong("alg"), help: ArgumentHelp("Digest algorithms, comma-separated; the first is the record's alg: sha256, sha512, sha3-256, sm3, blake2b512.", valueName: "list"))
    var algorithms: String = "sha256"

    @Option(help: ArgumentHelp("Directory that manifest paths resolve under; paths may not leave it (default: .).", valueName: "dir"))
    var root: String?

    @Option(help: ArgumentHelp("Hash every file of this folder tree instead of reading a manifest.", valueName: "dir"))
    var walk: String?

    @Option(help: ArgumentHelp("With --walk: where contract and stage folders are (default: {contract}/{stage}/**).", valueName: "pattern"))
    var layout: String?

    @Option(help: ArgumentHelp("With --walk: the records' source (the system the files came from).", valueName: "name"))
    var source: String?

    @Option(help: ArgumentHelp("With --walk: the records' time, 'mtime' (each file's modification time) or one RFC 3339 time.", valueName: "mtime|time"))
    var time: String?

    @Flag(name: .customLong("skip-outside"), help: "With --walk: skip files outside the layout with a warning instead of stopping.")
    var skipOutside = false

    @Option(name: .customLong("key-file"), help: ArgumentHelp("HMAC key (hex, mode 0600) for keyed records (alg hmac-…), for low-entropy data.", valueName: "file"))
    var keyFile: String?

    @Option(help: ArgumentHelp("With --key-file: key all records, or only inline data records (default: all).", valueName: "all|data"))
    var keyed: ManifestHasher.KeyedScope?

    @Option(help: ArgumentHelp("Identifying fields to carry into records, comma-separated: name (default), path, path,name, or none.", valueName: "fields"))
    var keep = KeptFields(argument: "name")!

    @Flag(name: .customLong("keep-going"), help: "Report a failing line on stderr and go on; exit 1 at the end.")
    var keepGoing = false

    @Flag(help: "Print 'digest  id' lines, as sha256sum does, instead of records.")
    var text = false

    @Option(name: .customLong("max-line-length"), help: ArgumentHelp("Longest manifest line accepted, in bytes (at most 1 GiB).", valueName: "bytes"),
            transform: IntegerOption.parser(1...IntegerOption.maximumLength))
    var maximumLineLength = JSONLinesReader.defaultMaximumLineLength

    @Option(name: .customLong("id-memory"), help: ArgumentHelp("Bytes the table of ids seen (duplicate and look-alike ids) may hold before it spills to disk under $TMPDIR (default 134217728).", valueName: "bytes"),
            transform: IntegerOption.parser(RecordIDTable.minimumMemory...IntegerOption.maximumLength))
    var idMemory = RecordIDTable.defaultMemory

    @OptionGroup var progressOption: ProgressOption

    @Option(name: .customLong("generate-key"), help: ArgumentHelp("Create a new random HMAC key file (0600) and exit.", valueName: "file"))
    var generateKey: String?

    public func run() throws {
        if let path = generateKey {
            let key = try HMACKey.generate(at: path)
            StandardOutput.shared.write("keyid \(key.keyID)\n")
            return
        }
        let options = try hasherOptions()
        let walker = try treeWalk(options)
        var summary = ManifestHasher.Summary()
        if !files.isEmpty {
            var fileOptions = options
            if options.keyedScope == .data && options.keyed != nil { fileOptions.keyed = nil }
            summary = try ManifestHasher(options: fileOptions).hashFiles(files, output: StandardOutput.shared, report: Diagnostics.report)
        }
        if let walker {
            let walked = try walker.manifestReader(report: Diagnostics.report)
            let progress = Progress(label: "hashed", progressOption, totalItems: walked.files, totalBytes: walked.bytes)
            defer { progress.finish() }
            summary = try ManifestHasher(options: options).run(
                [walked.reader], output: StandardOutput.shared, progress: progress.handler, report: Diagnostics.report)
        } else if files.isEmpty || !manifests.isEmpty {
            let readers = try Inputs.open(manifests, maximumLineLength: maximumLineLength, what: "manifest lines")
            let progress = Progress(label: "hashed", progressOption)
            defer { progress.finish() }
            summary.failures += try ManifestHasher(options: options).run(
                readers, output: StandardOutput.shared, progress: progress.handler, report: Diagnostics.report).failures
        }
        if summary.failures > 0 {
            StandardOutput.shared.flush()
            Diagnostics.warn("\(summary.failures) item\(summary.failures == 1 ? "" : "s") failed")
            throw ToolExit(ExitStatus.failure)
        }
    }

    /// `--walk`'s tree and layout, or nil without `--walk`; its options
    /// alone, or with a manifest, are refused rather than ignored.
    func treeWalk(_ hasher: ManifestHasher.Options) throws -> TreeWalk? {
        guard walk != nil else {
            for (given, name) in [(layout != nil, "layout"), (source != nil, "source"), (time != nil, "time"), (skipOutside, "skip-outside")] where given {
                throw ValidationError("--\(name) needs --walk DIR")
            }
            return nil
        }
        guard files.isEmpty, manifests.isEmpty, root == nil else {
            throw ValidationError("--walk takes no manifest, file arguments or --root: the tree is the input and its own root")
        }
        var options = TreeWalk.Options(layout: try TreeLayout(layout ?? "{contract}/{stage}/**"))
        options.source = source
        options.skipOutside = skipOutside
        options.pathIDs = hasher.keepName
        switch time {
        case nil: options.time = .none
        case "mtime": options.time = .mtime
        case let t?:
            guard let utc = RFC3339.normalize(t) else {
                throw ValidationError("--time takes mtime or an RFC 3339 time such as 2025-04-16T22:02:33+08:00, found \"\(t)\"")
            }
            options.time = .fixed(utc)
        }
        return TreeWalk(root: hasher.root, options: options)
    }

    /// The hasher's options from the command line, checked in this order.
    func hasherOptions() throws -> ManifestHasher.Options {
        let algorithmList = try DigestPlan.parseAlgorithms(algorithms)
        guard keyed == nil || keyFile != nil else {
            // Without a key, low-entropy data would go out as plain digests.
            throw ValidationError("--keyed needs --key-file")
        }
        let key = try keyFile.map(HMACKey.load)
        var options = ManifestHasher.Options(
            plain: try DigestPlan(algorithms: algorithmList, key: nil),
            keyed: try key.map { try DigestPlan(algorithms: algorithmList, key: $0) },
            root: try RootDirectory(walk ?? root ?? "."))
        options.keyedScope = keyed ?? .all
        options.keepPath = keep.path
        options.keepName = keep.name
        options.keepGoing = keepGoing
        options.text = text
        options.idMemory = idMemory
        return options
    }
}
