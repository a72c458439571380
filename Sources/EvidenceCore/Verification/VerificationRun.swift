import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// A run of `evverify` over its items: read in batches, parsed on every
/// core, each verdict made and rendered on a worker, and held back
/// (`SpooledOutput`) until every item has been read and checked, so that an
/// input error anywhere still leaves the output empty.
///
/// Memory is bounded by settings, not by the number of items, when no
/// contract is judged: the ids seen (for duplicates) are kept in a
/// `RecordIDTable` that spills past `Options.idMemory`, the output past
/// `Options.outputMemory`, and the mapped pages of the log are dropped
/// after each batch. `--complete` and `--require-stages` judge the case as
/// a whole (its contracts, and which of their entries were presented), so
/// they keep every item until the end, as does `certify` its verdicts.
extension EvidenceVerifier {
    /// Items verified in one batch: enough to keep every core busy, few
    /// enough that the log's pages read for them stay a few megabytes.
    static let batchSize = 512

    /// Where the entries of an item's id are found. Read-only on the workers.
    struct EntrySources: @unchecked Sendable {
        /// The log's lookup, mapped: each worker searches its item's id.
        var reader: ChainBatchReader?
        /// Entries by id, found before the batch: a scan of a log without a
        /// lookup, a bundle's lines, the tiles' lookup.
        var byID: [ExactString: [ChainEntry]] = [:]
        /// Proven entries of contracts shown complete, by id: they count for
        /// the item of that id even when the lookup leaves them out.
        var extraSeqs: [ExactString: [UInt64]] = [:]
        var extraEntries: [ExactString: [ChainEntry]] = [:]
        var bundleLines: [UInt64: ProofBundle.Line] = [:]
        /// The index witnesses named on every verdict when contracts are judged.
        var indexVouchedBy: [String]?
        /// The tiles every item needs were fetched with the case's (one
        /// round of requests, not one a batch: a tile read is not kept for
        /// a second prefetch).
        var tilesPrefetched = false
    }

    /// The case as a whole, for `--complete` and `--require-stages`.
    struct CasePlan {
        var sources: EntrySources
        var findings: [ContractFinding] = []
        /// The complete contracts' entries before the cut-off, by contract.
        var entriesByContract: [ExactString: [ChainEntry]] = [:]
        /// The contracts shown complete, in order.
        var judged: [String] = []
        var presented: Set<ExactString> = []
    }

    /// Whether the items must all be read before the first is verified.
    var judgesContracts: Bool { options.complete || !options.requiredStages.isEmpty }

    // MARK: entry points

    /// Verifies the items of `inputs` (manifest lines or evidence records),
    /// streaming them unless the case is judged as a whole. With `render`,
    /// each verdict is kept only as its bytes, in `Report.output`.
    /// `progress` is told the items verified and the input bytes read.
    public func verify(_ inputs: [JSONLinesReader], render: Renderer? = nil,
                       progress: ProgressHandler? = nil) throws -> Report {
        let reader = try chainReader()
        var run = RunState(self, reader: reader, render: render, progress: progress)
        let locations = LocationTable(names: inputs.map(\.name))
        if judgesContracts || chainNeedsScan(reader) {
            var items: [VerificationItem] = []
            try readItems(inputs, locations: locations, run: &run) { batch, _ in items += batch }
            return try verifyCase(items, reader: reader, run: &run)
        }
        var sources = EntrySources(reader: reader)
        if case .bundle(let bundle) = source { sources = bundleSources(bundle, reader: nil) }
        try readItems(inputs, locations: locations, run: &run) { batch, run in
            try verifyBatch(batch, sources: sources, run: &run)
        }
        if run.itemsRead == 0 && options.requiresItems { throw noItems }
        return run.finish(complete: options.complete, findings: [], indexVouchedBy: nil)
    }

    /// Verifies items already read (the case as a whole).
    public func verify(_ items: [VerificationItem], render: Renderer? = nil,
                       progress: ProgressHandler? = nil) throws -> Report {
        let reader = try chainReader()
        var run = RunState(self, reader: reader, render: render, progress: progress)
        for (n, item) in items.enumerated() { try run.admit(item, location: n, describe: { items[$0].location }) }
        return try verifyCase(items, reader: reader, run: &run)
    }

    var noItems: EvidenceError {
        EvidenceError.input("no items to verify: a contract's evidence cannot be judged from nothing")
    }

    // MARK: reading

    /// Reads `inputs` a batch at a time: the lines split on this thread, parsed
    /// on every core while the previous batch is handled by `handle`, in order.
    func readItems(_ inputs: [JSONLinesReader], locations: LocationTable, run: inout RunState,
                   handle: ([VerificationItem], inout RunState) throws -> Void) throws {
        var input = 0
        try pipelinedMap(
            next: { () throws -> [RawItem] in
                while input < inputs.count {
                    if let chunk = try inputs[input].nextChunk(maxLines: Self.batchSize, maxBytes: 16 << 20) {
                        return (0..<chunk.count).map { RawItem(chunk: chunk, line: $0, input: input) }
                    }
                    input += 1
                }
                return []
            },
            state: { () },
            transform: { _, raw -> (RawItem, Result<VerificationItem, EvidenceError>) in
                let location = raw.chunk.location(raw.line)
                do {
                    return (raw, .success(try raw.chunk.withLine(raw.line) { try VerificationItem(line: $0, location: location) }))
                } catch let e as EvidenceError {
                    return (raw, .failure(e.located(location)))
                } catch {
                    return (raw, .failure(EvidenceError.input("\(error)", at: location)))
                }
            },
            consume: { (parsed: [(RawItem, Result<VerificationItem, EvidenceError>)]) in
                var batch: [VerificationItem] = []
                batch.reserveCapacity(parsed.count)
                for (raw, result) in parsed {
                    let item = try result.get()
                    let at = LocationTable.pack(input: raw.input, line: raw.chunk.lineNumbers[raw.line])
                    try run.admit(item, location: at, describe: { locations.describe($0) })
                    batch.append(item)
                }
                run.bytesRead += parsed.first.map { $0.0.chunk.bytes.count } ?? 0
                try handle(batch, &run)
            })
    }

    /// One line of a batch as read, before it is parsed.
    struct RawItem: Sendable {
        let chunk: LineChunk
        let line: Int
        let input: Int
    }

    // MARK: verifying

    /// Verifies `items` as one case: contracts judged, then the items in
    /// batches, then the withheld entries and missing stages.
    func verifyCase(_ items: [VerificationItem], reader: ChainBatchReader?, run: inout RunState) throws -> Report {
        if items.isEmpty && options.requiresItems { throw noItems }
        let plan = try prepareCase(items, reader: reader)
        var start = 0
        while start < items.count {
            let end = min(start + Self.batchSize, items.count)
            try verifyBatch(Array(items[start..<end]), sources: plan.sources, run: &run)
            start = end
        }
        // Only of contracts shown complete: of the others nothing is known.
        if options.complete {
            for v in withheld(plan.judged, entriesByContract: plan.entriesByContract, presented: plan.presented) {
                try run.add(made(v, vouchedBy: plan.sources.indexVouchedBy, render: run.render))
            }
        }
        if !options.requiredStages.isEmpty {
            for v in stageGaps(plan.judged, entriesByContract: plan.entriesByContract) {
                try run.add(made(v, vouchedBy: plan.sources.indexVouchedBy, render: run.render))
            }
        }
        return run.finish(complete: options.complete, findings: plan.findings, indexVouchedBy: plan.sources.indexVouchedBy)
    }

    /// Makes the verdicts of one batch on every core and adds them in order.
    func verifyBatch(_ items: [VerificationItem], sources base: EntrySources, run: inout RunState) throws {
        var sources = base
        if case .tiles(let log) = source {
            // The tiles are fetched (in parallel) before any worker reads them.
            let ids = Array(Set(items.map(\.id.exact)))
            if !sources.tilesPrefetched { try log.prefetch(ids: ids.map(\.string)) }
            for id in ids { sources.byID[id] = try log.entries(.id, id.string) }
        }
        if items.count >= Self.batchSize / 2 { sources.reader?.readBuckets() }
        let render = run.render
        let outcomes = ParallelMap.map(items, states: &run.caches) { cache, item -> Result<Made, EvidenceError> in
            do {
                let entries = try self.entries(of: item.id, sources: sources, context: cache.context)
                var v = try verdict(for: item, entries: entries, bundleLines: sources.bundleLines, cache: cache)
                v.cosignatures = trust.cosigners.count
                return .success(made(v, vouchedBy: sources.indexVouchedBy, render: render))
            } catch let e as EvidenceError {
                return .failure(e.located(item.location))
            } catch {
                return .failure(EvidenceError.io("\(error)", at: item.location))
            }
        }
        // The log's pages the batch read stay mapped (the next batch reads
        // many of them again) until they pass the bound.
        if let reader = sources.reader, (ChainBatchReader.residentMappedBytes() ?? .max) > options.mappedMemory {
            reader.releaseResidentPages()
        }
        for outcome in outcomes { try run.add(try outcome.get()) }
        run.itemsVerified += items.count
        run.progress?(run.itemsVerified, run.bytesRead)
    }

    /// The entries of `id` before the cut-off, in seq order.
    func entries(of id: String, sources: EntrySources, context: HashContext) throws -> [ChainEntry] {
        var entries: [ChainEntry]
        // (The extras are empty but for a case judged whole: no lookup then.)
        if let reader = sources.reader {
            var seqs = reader.candidates(.id, id, context: context)
            if !sources.extraSeqs.isEmpty {
                for seq in sources.extraSeqs[id.exact] ?? [] where !seqs.contains(seq) { seqs.append(seq) }
            }
            entries = try reader.confirmed(seqs, .id, id, context: context)
        } else {
            entries = sources.byID[id.exact] ?? []
        }
        if !sources.extraEntries.isEmpty {
            for e in sources.extraEntries[id.exact] ?? [] where !entries.contains(where: { $0.seq == e.seq }) {
                entries.append(e)
            }
        }
        if options.loggedBefore != nil { entries.removeAll { !isBeforeCutoff($0) } }
        if entries.count > 1 { entries.sort { $0.seq < $1.seq } }
        return entries
    }

    func made(_ verdict: Verdict, vouchedBy: [String]?, render: Renderer?) -> Made {
        var v = verdict
        v.indexVouchedBy = vouchedBy
        guard let render else { return .kept(v) }
        return .rendered(render(v), v.status)
    }

    // MARK: sources

    /// The mapped lookup of a chain source, or nil (another source, or a
    /// log whose lookup does not cover it: then it is scanned).
    func chainReader() throws -> ChainBatchReader? {
        guard case .chain(let store) = source, let reader = try ChainBatchReader(store) else { return nil }
        reader.expectScatteredReads()
        return reader
    }

    /// A chain without a usable lookup is scanned once for every id: the
    /// ids must all be known first.
    func chainNeedsScan(_ reader: ChainBatchReader?) -> Bool {
        if case .chain = source { return reader == nil }
        return false
    }

    /// A bundle's lines by id (all of them: a bundle is a case's proofs).
    func bundleSources(_ bundle: ProofBundle, reader: ChainBatchReader?) -> EntrySources {
        var sources = EntrySources(reader: reader)
        for line in bundle.lines {
            if case .string(let id)? = line.entry.record["id"] {
                sources.byID[id.exact, default: []].append(line.entry)
                sources.bundleLines[line.entry.seq] = line
            }
        }
        return sources
    }

    /// Finds the entries the case's contracts and ids need, and judges each
    /// contract's completeness from the contract index.
    func prepareCase(_ items: [VerificationItem], reader: ChainBatchReader?) throws -> CasePlan {
        // Ids and contracts are compared as bytes (`ExactString`), as the
        // lookup and the digests compare them: an entry whose id only looks
        // like a presented one is not presented.
        let ids = Set(items.map(\.id.exact))
        var contractsInOrder: [String] = []
        var seenContracts = Set<ExactString>()
        if judgesContracts {
            for item in items {
                if let c = item.contract, seenContracts.insert(c.exact).inserted { contractsInOrder.append(c) }
            }
        }
        var plan = CasePlan(sources: EntrySources(reader: reader))
        plan.presented = ids
        var hints: [ExactString: [ChainEntry]] = [:]
        switch source {
        case .chain(let store):
            if let reader {
                let found = try reader.candidates(contractsInOrder.map { (.contract, $0) })
                let context = HashContext(.sha256)
                for (j, c) in contractsInOrder.enumerated() {
                    hints[c.exact] = try reader.confirmed(found[j], .contract, c, context: context)
                }
            } else {
                let scan = try ChainScan(store: store, ids: ids, contracts: seenContracts)
                plan.sources.byID = scan.entriesByID
                hints = scan.entriesByContract
            }
        case .bundle(let bundle):
            plan.sources = bundleSources(bundle, reader: nil)
            for line in bundle.lines {
                if case .string(let c)? = line.entry.record["contract"], seenContracts.contains(c.exact) {
                    hints[c.exact, default: []].append(line.entry)
                }
            }
        case .tiles(let log):
            try log.prefetch(ids: ids.map(\.string), contracts: contractsInOrder)
            plan.sources.tilesPrefetched = true
            // A hint only: what the contract's shard lists is judged below.
            for c in contractsInOrder { hints[c.exact] = try log.entries(.contract, c) }
        }
        guard judgesContracts else { return plan }
        plan.sources.indexVouchedBy = trust.indexCosigners.map(\.key.name)
        // A contract's entries count only as the index shows them complete.
        plan.findings = judgeCompleteness(contractsInOrder, hints: hints)
        for f in plan.findings {
            guard let complete = f.complete else { continue }
            plan.judged.append(f.contract)
            plan.entriesByContract[f.contract.exact] = complete.entries.filter(isBeforeCutoff).sorted { $0.seq < $1.seq }
            // An entry of a contract shown complete counts for the item of
            // its id too: a lookup (CHAIN.lookup, a shard) that leaves out
            // the id's other entry cannot hide that conflict.
            for e in complete.entries {
                guard case .string(let id)? = e.record["id"], ids.contains(id.exact) else { continue }
                if reader != nil {
                    plan.sources.extraSeqs[id.exact, default: []].append(e.seq)
                } else {
                    plan.sources.extraEntries[id.exact, default: []].append(e)
                }
            }
        }
        return plan
    }
}

extension EvidenceVerifier {
    /// What a run keeps as it goes: the ids seen, the verdicts (rendered and
    /// held back, or kept whole), the counts, and the workers' scratch.
    struct RunState {
        let verifier: EvidenceVerifier
        let render: Renderer?
        let progress: ProgressHandler?
        var ids: RecordIDTable
        var output: SpooledOutput?
        var verdicts: [Verdict] = []
        var caches: [DigesterCache]
        var itemsRead = 0
        var itemsVerified = 0
        var bytesRead = 0
        var checked = 0
        var failed = 0

        init(_ verifier: EvidenceVerifier, reader: ChainBatchReader?, render: Renderer?, progress: ProgressHandler?) {
            self.verifier = verifier
            self.render = render
            self.progress = progress
            let o = verifier.options
            ids = RecordIDTable(memory: o.idMemory, directory: o.scratchDirectory, lookAlikesMeet: false)
            output = render == nil ? nil : SpooledOutput(memory: o.outputMemory, directory: o.scratchDirectory)
            var store: ChainStore? = nil
            if case .chain(let s) = verifier.source { store = s }
            let checkpoint = verifier.trust.checkpoint
            caches = (0..<ParallelMap.defaultWorkers).map { _ in
                let cache = DigesterCache(key: o.key, root: o.root, store: store, batch: reader)
                // Rendered verdicts carry no proof: the walks stop at subtrees proven before.
                if render != nil, let tree = cache.tree {
                    cache.inclusion = InclusionChecker(tree: tree, treeSize: checkpoint.size, root: checkpoint.root)
                }
                return cache
            }
        }

        /// Refuses what would make a verdict claim more than is checked:
        /// record items under `--root` (and manifest lines under
        /// `--records-only`), and two items with one id (each original must
        /// be pinned to its own entry). Ids are bytes: a look-alike in
        /// another normalisation is another item.
        mutating func admit(_ item: VerificationItem, location: Int, describe: (Int) -> String) throws {
            try verifier.checkKind(item)
            let verdict = try ids.insert(item.id, location: location)
            if case .duplicate(let first) = verdict {
                throw EvidenceError.input("duplicate id \"\(item.id)\" (also at \(describe(first))): each item must be checked against its own entry; give the lines distinct \"id\"s", at: item.location)
            }
            itemsRead += 1
        }

        mutating func add(_ made: Made) throws {
            checked += 1
            switch made {
            case .kept(let v):
                verdicts.append(v)
                if v.status != .ok { failed += 1 }
            case .rendered(let bytes, let status):
                try output!.append(bytes)
                if status != .ok { failed += 1 }
            }
        }

        func finish(complete: Bool, findings: [ContractFinding], indexVouchedBy: [String]?) -> Report {
            var report = Report(verdicts: verdicts, complete: complete, loggedBefore: verifier.options.loggedBeforeText)
            report.output = output
            report.verdictCount = checked
            report.verdictFailures = failed
            report.contracts = findings
            report.requiredStages = verifier.options.requiredStages
            report.indexVouchedBy = indexVouchedBy
            return report
        }
    }

    /// Whether the item is of the kind the options verify.
    func checkKind(_ item: VerificationItem) throws {
        switch item.content {
        case .record where options.rootGiven:
            throw EvidenceError.input("an evidence record, not a manifest line: its original would not be read under \(Setting("root")); give the manifest lines, or drop \(Setting("root")) and give \(Setting("records-only")) to check the records' digests against the log", at: item.location)
        case .record where !options.recordsOnly:
            throw EvidenceError.input("an evidence record, not a manifest line: its original would not be read; give the manifest lines with \(Setting("root")), or \(Setting("records-only")) to check only the records' digests against the log", at: item.location)
        case .record:
            break
        default:
            if options.recordsOnly {
                throw EvidenceError.input("a manifest line under \(Setting("records-only")): give evidence records, or drop \(Setting("records-only")) to recompute the original", at: item.location)
            }
        }
    }
}
