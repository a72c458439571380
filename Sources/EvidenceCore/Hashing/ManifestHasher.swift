import EvidenceSupport

/// What `evhash` does: manifest lines in, evidence records out, in input
/// order, hashing on every core. Only digests leave: `path` goes out only
/// when asked, `name` unless asked not to.
public struct ManifestHasher {
    public enum KeyedScope: String, Sendable { case all, data }

    public struct Options: Sendable {
        public var plain: DigestPlan
        /// When set, records of `keyedScope` are keyed with it.
        public var keyed: DigestPlan?
        public var keyedScope: KeyedScope = .all
        public var root: RootDirectory
        public var keepPath = false
        public var keepName = true
        public var keepGoing = false
        public var text = false
        public var batchSize = 1024

        public init(plain: DigestPlan, keyed: DigestPlan?, root: RootDirectory) {
            self.plain = plain
            self.keyed = keyed
            self.root = root
        }
    }

    public struct Summary: Sendable {
        public var items = 0
        public var failures = 0
        public var bytes = 0
        /// Where each id was first emitted: ids must be unique in one run.
        var firstLineOfID: [RecordIDKey: String] = [:]
        public init() {}
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// Per-worker scratch: digest contexts are reused across items.
    public final class Worker {
        let plain: ArtifactDigester
        let keyed: ArtifactDigester?
        init(_ options: Options) {
            plain = ArtifactDigester(options.plain)
            keyed = options.keyed.map(ArtifactDigester.init)
        }
    }

    enum Outcome {
        case record([UInt8], bytes: Int, id: String?)
        case failure(EvidenceError)
    }

    /// Hashes every manifest line from `inputs` and writes records to `output`.
    /// Without `keepGoing` the first bad line stops the run (its error is
    /// thrown after the records before it are written); with it, each bad
    /// line is given to `report` (evhash: on stderr) and counted.
    public func run(_ inputs: [JSONLinesReader], output: some ByteSink, progress: ProgressHandler? = nil,
                    report: (EvidenceError) -> Void) throws -> Summary {
        var summary = Summary()
        for input in inputs {
            while true {
                var batch: [(location: String, line: [UInt8])] = []
                batch.reserveCapacity(options.batchSize)
                // A read error (an overlong line, I/O) ends the run, but only
                // after the complete lines before it are done.
                var readError: Error? = nil
                do {
                    while batch.count < options.batchSize, let line = try input.nextLine() {
                        batch.append((input.location, line))
                    }
                } catch {
                    readError = error
                }
                if batch.isEmpty {
                    if let readError { throw readError }
                    break
                }
                let outcomes = ParallelMap.map(batch, state: { Worker(options) }) { worker, item in
                    process(item.line, at: item.location, worker: worker)
                }
                try emit(outcomes, locations: batch.map(\.location), to: output, summary: &summary, report: report)
                progress?(summary.items, summary.bytes)
                if let readError { throw readError }
            }
        }
        return summary
    }

    /// Writes records in order; a failure stops the run, or with
    /// `keepGoing` is reported (located) and counted. A second record with
    /// an id already emitted is a failure: later tools find evidence by id,
    /// so two artifacts under one id could stand in for each other.
    func emit(_ outcomes: [Outcome], locations: [String], to output: some ByteSink, summary: inout Summary,
              report: (EvidenceError) -> Void) throws {
        for (i, outcome) in outcomes.enumerated() {
            var outcome = outcome
            if case .record(_, _, let id?) = outcome {
                if let first = summary.firstLineOfID[RecordIDKey(id)] {
                    outcome = .failure(EvidenceError.input("duplicate id \"\(id)\" (also at \(first)): give one of the lines an \"id\" of its own"))
                } else {
                    summary.firstLineOfID[RecordIDKey(id)] = locations[i]
                }
            }
            switch outcome {
            case .record(let bytes, let size, _):
                output.write(bytes)
                summary.items += 1
                summary.bytes += size
            case .failure(let error):
                let located = error.located(locations[i])
                guard options.keepGoing else { throw located }
                report(located)
                summary.failures += 1
            }
        }
    }

    func process(_ line: [UInt8], at location: String, worker: Worker) -> Outcome {
        do {
            if let fast = line.withUnsafeBytes({ Self.fastItem($0) }) {
                let record = try hash(fast.item, canonicalData: fast.canonicalData, worker: worker)
                return .record(render(record), bytes: record.size ?? 0, id: record.id)
            }
            let value = try line.withUnsafeBytes { try JSON.parse($0, exactIntegers: true) }
            guard case .object(let object) = value else {
                throw EvidenceError.input("expected a manifest line (JSON object), found \(value.typeName)")
            }
            let item = try ManifestItem(json: object)
            let record = try hash(item, worker: worker)
            return .record(render(record), bytes: record.size ?? 0, id: record.id)
        } catch let error as EvidenceError {
            return .failure(error)
        } catch {
            return .failure(EvidenceError.io("\(error)"))
        }
    }

    func hash(_ item: ManifestItem, canonicalData: [UInt8]? = nil, worker: Worker) throws -> EvidenceRecord {
        let isData: Bool
        if case .data = item.content { isData = true } else { isData = false }
        let useKey = options.keyed != nil && (options.keyedScope == .all || isData)
        let digester = useKey ? worker.keyed! : worker.plain
        let plan = useKey ? options.keyed! : options.plain
        let digest: ArtifactDigest
        var kind: EvidenceRecord.Kind
        switch item.content {
        case .file(let path):
            let real = try options.root.resolve(path)
            do { digest = try digester.digest(path: real) } catch let e as EvidenceError {
                // Name the manifest's path, not the resolved one.
                throw EvidenceError(e.kind, e.message.isEmpty ? "cannot read \"\(path)\"" : "\"\(path)\": \(e.message)")
            }
            kind = .file
        case .data(let value):
            digest = digester.digest(bytes: canonicalData ?? JCS.canonical(value))
            kind = .data
        }
        var record = EvidenceRecord(id: "", algorithm: plan.algorithms[0], digest: digest.hex[0])
        record.contract = item.contract
        record.stage = item.stage
        if options.keepName { record.name = item.name }
        record.id = item.id ?? (options.keepName ? item.defaultID
            : "\(item.contract)/\(item.stage)/\(digest.hex[0].prefix(16))")
        record.source = item.source
        record.time = item.time
        record.size = digest.size
        record.pages = item.pages
        record.kind = kind
        if plan.algorithms.count > 1 {
            record.digests = Dictionary(uniqueKeysWithValues: zip(plan.algorithms, digest.hex))
        }
        if useKey { record.keyID = plan.key!.keyID }
        if options.keepPath, case .file(let path) = item.content { record.path = path }
        return record
    }

    func render(_ record: EvidenceRecord) -> [UInt8] {
        var w = JSONWriter()
        if options.text {
            w.writeRaw("\(record.digest)  \(record.id)\n")
        } else {
            record.write(to: &w)
            w.writeRaw("\n")
        }
        return w.bytes
    }

    /// Quick look: plain file arguments, each as given (no root), like `sha256sum`.
    public func hashFiles(_ paths: [String], output: some ByteSink, report: (EvidenceError) -> Void) throws -> Summary {
        var summary = Summary()
        let outcomes = ParallelMap.map(paths, state: { Worker(options) }) { worker, path -> Outcome in
            do {
                let plan = options.keyed ?? options.plain
                let digester = options.keyed != nil ? worker.keyed! : worker.plain
                let digest = try digester.digest(path: path)
                var record = EvidenceRecord(id: path, algorithm: plan.algorithms[0], digest: digest.hex[0])
                record.name = path.split(separator: "/").last.map(String.init) ?? path
                record.size = digest.size
                record.kind = .file
                if plan.algorithms.count > 1 {
                    record.digests = Dictionary(uniqueKeysWithValues: zip(plan.algorithms, digest.hex))
                }
                if let key = plan.key { record.keyID = key.keyID }
                return .record(render(record), bytes: digest.size, id: nil)
            } catch let error as EvidenceError {
                return .failure(error)
            } catch {
                return .failure(EvidenceError.io("\(error)", at: path))
            }
        }
        try emit(outcomes, locations: paths, to: output, summary: &summary, report: report)
        return summary
    }
}
