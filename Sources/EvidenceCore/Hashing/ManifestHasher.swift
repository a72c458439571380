import Synchronization
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
        /// Bytes the id table may hold before it spills to disk (`RecordIDTable`).
        public var idMemory = RecordIDTable.defaultMemory
        /// Where the spilled ids go (an unnamed file): `$TMPDIR`, else /tmp.
        public var scratchDirectory = RecordIDTable.defaultDirectory

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
        /// Inputs' names, for the locations the id table keeps.
        var inputs = LocationTable(names: [])
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

    /// A share of a chunk hashed by one worker: its records one after
    /// another in `bytes`, and what became of each line.
    struct HashedShare {
        var bytes: [UInt8]
        var lines: [HashedLine]
        /// The lines' ids (UTF-8), one after another.
        var ids: [UInt8] = []
    }

    struct HashedLine {
        /// End of the line's record in `bytes` (a failure adds none).
        var end: Int
        /// End of the line's id in `ids` (nil for a failure), and its
        /// fingerprint, computed by the worker: the one thread that checks
        /// ids for uniqueness only looks them up.
        var idEnd: Int?
        var fingerprint: UInt64 = 0
        var size: Int
        var failure: EvidenceError?
        var lineNumber: Int
    }

    /// Hashes every manifest line from `inputs` and writes records to `output`.
    /// Without `keepGoing` the first bad line stops the run (its error is
    /// thrown after the records before it are written); with it, each bad
    /// line is given to `report` (evhash: on stderr) and counted.
    ///
    /// Lines go through `pipelinedMap` in chunks: while the workers hash
    /// chunk k+1, this thread writes chunk k's records and reads chunk k+2.
    /// `progress` is given the items and bytes hashed so far as the workers
    /// go (a chunk of large files takes long), from their threads, one call
    /// at a time.
    public func run(_ inputs: [JSONLinesReader], output: some ByteSink, progress: ProgressHandler? = nil,
                    report: (EvidenceError) -> Void) throws -> Summary {
        var summary = Summary()
        var ids = RecordIDTable(memory: options.idMemory, directory: options.scratchDirectory)
        let workers = ParallelMap.defaultWorkers
        let hashed = Mutex((items: 0, bytes: 0))
        let tally: ((Int, Int) -> Void)? = progress.map { progress in
            { items, bytes in
                hashed.withLock {
                    $0.items += items
                    $0.bytes += bytes
                    progress($0.items, $0.bytes)
                }
            }
        }
        for input in inputs {
            let inputIndex = summary.inputs.names.count
            summary.inputs.names.append(input.name)
            var readError: Error? = nil
            try pipelinedMap(workers: workers, next: { () -> [LineShare] in
                guard readError == nil else { return [] }
                // A read error (an overlong line, I/O) ends the run, but only
                // after the complete lines before it are done.
                do {
                    guard let chunk = try input.nextChunk(maxLines: options.batchSize * 4, maxBytes: 1 << 21) else { return [] }
                    return chunk.shares(workers * 4)
                } catch {
                    readError = error
                    return []
                }
            }, state: { Worker(options) }, transform: { worker, share in
                process(share, worker: worker, hashed: tally)
            }, consume: { shares in
                for share in shares {
                    try emit(share, input: inputIndex, to: output, ids: &ids, summary: &summary, report: report)
                }
            })
            if let readError { throw readError }
        }
        return summary
    }

    /// Hashes a share's lines into one buffer of records, telling `hashed`
    /// the items and bytes hashed every 256 items or 4 MiB.
    func process(_ share: LineShare, worker: Worker, hashed: ((Int, Int) -> Void)? = nil) -> HashedShare {
        var untold = (items: 0, bytes: 0)
        defer { if untold.items > 0 { hashed?(untold.items, untold.bytes) } }
        let chunk = share.chunk
        var out: [UInt8] = []
        out.reserveCapacity(chunk.range(share.lines.upperBound - 1).upperBound - chunk.range(share.lines.lowerBound).lowerBound + 256 * share.lines.count)
        var lines: [HashedLine] = []
        lines.reserveCapacity(share.lines.count)
        var ids: [UInt8] = []
        ids.reserveCapacity(64 * share.lines.count)
        let tryInline = inlineFastPath
        var buffers = InlineBuffers()
        for i in share.lines {
            var line = HashedLine(end: 0, size: 0, failure: nil, lineNumber: chunk.lineNumbers[i])
            let idStart = ids.count
            if tryInline, let size = chunk.withLine(i, { inlineRecord($0, worker: worker, buffers: &buffers, out: &out, ids: &ids) }) {
                line.size = size
            } else {
                do {
                    let record = try chunk.withLine(i) { try hash(line: $0, worker: worker) }
                    var w = JSONWriter()
                    render(record, to: &w)
                    out.append(contentsOf: w.bytes)
                    ids.append(contentsOf: record.id.utf8)
                    line.size = record.size ?? 0
                } catch let error as EvidenceError {
                    line.failure = error
                } catch {
                    line.failure = EvidenceError.io("\(error)")
                }
            }
            if line.failure == nil {
                line.fingerprint = ids.withUnsafeBytes { RecordIDTable.fingerprint(UnsafeRawBufferPointer(rebasing: $0[idStart...])) }
                line.idEnd = ids.count
            }
            line.end = out.count
            lines.append(line)
            // A line that failed is not an item hashed (the summary's count).
            if let hashed, line.failure == nil {
                untold.items += 1
                untold.bytes += line.size
                if untold.items >= 256 || untold.bytes >= 4 << 20 {
                    hashed(untold.items, untold.bytes)
                    untold = (0, 0)
                }
            }
        }
        return HashedShare(bytes: out, lines: lines, ids: ids)
    }

    /// Writes a share's records in order: whole runs of good records in one
    /// write. A failure stops the run, or with `keepGoing` is reported
    /// (located) and counted. A second record with an id already emitted is
    /// a failure: later tools find evidence by id, so two artifacts under
    /// one id could stand in for each other.
    func emit(_ share: HashedShare, input: Int, to output: some ByteSink, ids: inout RecordIDTable, summary: inout Summary,
              report: (EvidenceError) -> Void) throws {
        var written = 0, start = 0, idStart = 0
        ids.warm(share.lines.lazy.filter { $0.idEnd != nil }.map(\.fingerprint))
        func flush(upTo end: Int) {
            if end > written {
                output.write(written == 0 && end == share.bytes.count ? share.bytes : Array(share.bytes[written ..< end]))
            }
        }
        for line in share.lines {
            var failure = line.failure
            if let idEnd = line.idEnd {
                let here = LocationTable.pack(input: input, line: line.lineNumber)
                let verdict: RecordIDTable.Verdict, id: String
                do {
                    (verdict, id) = try share.ids.withUnsafeBytes { all in
                        let id = UnsafeRawBufferPointer(rebasing: all[idStart ..< idEnd])
                        let verdict = try ids.insert(id, fingerprint: line.fingerprint, location: here)
                        return (verdict, verdict == .new ? "" : String(decoding: id, as: UTF8.self))
                    }
                } catch {
                    // The table's scratch file failed: the records before stand.
                    flush(upTo: start)
                    throw error
                }
                idStart = idEnd
                switch verdict {
                case .new: break
                case .duplicate(let first):
                    failure = EvidenceError.input("duplicate id \"\(id)\" (also at \(summary.inputs.describe(first))): give one of the lines an \"id\" of its own")
                case .lookAlike(let first):
                    // Two ids, as the log compares them, that a reader cannot tell apart.
                    failure = EvidenceError.input("id \"\(id)\" differs from the id at \(summary.inputs.describe(first)) only in Unicode normalisation "
                        + "(NFC/NFD): ids are compared as bytes, so these would be two ids that look alike; "
                        + "write both in one form, or give one of the lines an \"id\" of its own")
                }
            }
            if let failure {
                flush(upTo: start)
                written = line.end
                let located = failure.located("\(summary.inputs.names[input]):\(line.lineNumber)")
                guard options.keepGoing else { throw located }
                report(located)
                summary.failures += 1
            } else {
                summary.items += 1
                summary.bytes += line.size
            }
            start = line.end
        }
        flush(upTo: start)
    }

    /// Writes records in order (file arguments: no ids to check); a failure
    /// stops the run, or with `keepGoing` is reported (located) and counted.
    func emit(_ outcomes: [Outcome], locations: [String], to output: some ByteSink, summary: inout Summary,
              report: (EvidenceError) -> Void) throws {
        for (i, outcome) in outcomes.enumerated() {
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

    /// One manifest line's record: the fast path when it applies, else the
    /// general one (which gives the error).
    func hash(line: UnsafeRawBufferPointer, worker: Worker) throws -> EvidenceRecord {
        if let fast = Self.fastItem(line) {
            return try hash(fast.item, canonicalData: fast.canonicalData, worker: worker)
        }
        let value = try JSON.parse(line)
        guard case .object(let object) = value else {
            throw EvidenceError.input("expected a manifest line (JSON object), found \(value.typeName)")
        }
        return try hash(try ManifestItem(json: object), worker: worker)
    }

    func process(_ line: [UInt8], at location: String, worker: Worker) -> Outcome {
        do {
            let record = try line.withUnsafeBytes { try hash(line: $0, worker: worker) }
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
        render(record, to: &w)
        return w.bytes
    }

    func render(_ record: EvidenceRecord, to w: inout JSONWriter) {
        if options.text {
            w.writeRaw(record.digest)
            w.writeASCII("  ")
            w.writeRaw(record.id)
            w.writeASCII("\n")
        } else {
            record.write(to: &w)
            w.writeASCII("\n")
        }
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
