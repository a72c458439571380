import EvidenceSupport

/// A lookup run's records by the top bits of their key, for a stream of
/// many lookups: bucket b holds the records [starts[b], starts[b + 1]),
/// about sixteen of them, so finding a key is two array reads and one
/// `pread` of a few hundred bytes, not a binary search faulting in a page
/// of the run per probe. Keys are the first 8 bytes of SHA-256 (uniform),
/// so the buckets are even; a key with many records (a contract's) only
/// makes its own bucket larger.
///
/// Built in one pass over the run. The run is the bank's file: were it
/// not sorted, `starts` still only moves forward, and a key filed out of
/// order is simply not found, as a binary search would not find it
/// either; a candidate found is still confirmed against its entry.
struct LookupBuckets: Sendable {
    /// A key's bucket is `key >> shift`.
    let shift: UInt64
    let starts: [UInt32]
    /// Which keys the run may hold, where one was asked for.
    let filter: BloomFilter?

    /// A run's filter: at least ten bits a key (about one absent key in a
    /// hundred still looked for).
    static let filterBitsPerKey = 10

    /// The most buckets a run gets (16 MiB of starts): past that the
    /// buckets grow instead.
    static let maximumBits = 22

    /// Nil for a run of 2³² records or more (it is then searched as before).
    /// `filtered`: a `BloomFilter` of its keys too, built in the same pass.
    /// A large run without a filter is read in parts on every core: each
    /// part fills the buckets after the previous part's last key's, up to
    /// its own last key's (disjoint, so the parts never write the same
    /// bucket, even where a run the bank edited is out of order).
    init?(_ file: MappedFile, filtered: Bool, parts: Int = ParallelMap.defaultWorkers) {
        let count = file.bytes.count / ChainLookup.recordSize
        guard count < Int(UInt32.max) else { return nil }
        var bits = 0
        while bits < Self.maximumBits && count >> (bits + 5) > 0 { bits += 1 }
        let shift = UInt64(64 - bits)
        self.shift = shift
        var starts = [UInt32](repeating: UInt32(count), count: (1 << bits) + 1)
        var filter = filtered ? BloomFilter(keys: count, bitsPerKey: Self.filterBitsPerKey) : nil
        let partCount = filtered || count < 1 << 20 ? 1 : max(1, parts)
        func key(_ i: Int) -> UInt64 { file.uint64(at: i * ChainLookup.recordSize) }
        starts.withUnsafeMutableBufferPointer { out in
            let out = out
            _ = ParallelMap.map(Array(0..<partCount), workers: partCount, state: { () }) { _, part in
                let (low, high) = (part * count / partCount, (part + 1) * count / partCount)
                var next = part == 0 ? 0 : Int(key(low - 1) >> shift) + 1
                let last = part == partCount - 1 ? out.count - 2 : Int(key(high - 1) >> shift)
                // A window at a time, released after: the pass must not
                // bring the whole run into the resident set.
                let window = (16 << 20) / ChainLookup.recordSize
                var start = low
                while start < high {
                    let end = min(start + window, high)
                    for i in start..<end {
                        let k = key(i)
                        filter?.insert(k)
                        let bucket = min(Int(k >> shift), last)
                        while next <= bucket {
                            out[next] = UInt32(i)
                            next += 1
                        }
                    }
                    file.releaseResidentPages(start * ChainLookup.recordSize..<end * ChainLookup.recordSize)
                    start = end
                }
            }
        }
        self.starts = starts
        self.filter = filter
    }

    /// The records of `key`'s bucket: where its records are, if the run
    /// has any; empty when its filter says it has none.
    func records(of key: UInt64) -> Range<Int> {
        if let filter, !filter.mayContain(key) { return 0..<0 }
        let bucket = Int(key >> shift)
        return Int(starts[bucket])..<Int(starts[bucket + 1])
    }
}
