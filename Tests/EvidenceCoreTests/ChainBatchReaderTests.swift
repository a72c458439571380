import Foundation
import FuzzSupport
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidenceCore

/// A stream of items finds its entries through each lookup run's buckets
/// (one read of a few hundred bytes) and skips the runs whose key filter
/// rules the key out: every id and contract, present or not, gets the same
/// candidates as a binary search of the mapped runs and as the sorted,
/// many-keys search.
@Suite struct ChainBatchReaderTests {
    static func record(_ id: String, contract: String, version: Int) -> String {
        let digest = Hex.encode(DigestAlgorithm.sha256.hash(Array("\(id) v\(version)".utf8)))
        var o = JSONObject()
        o.appendNew("id", .string(id))
        o.appendNew("contract", .string(contract))
        o.appendNew("stage", "esign")
        o.appendNew("alg", "sha256")
        o.appendNew("digest", .string(digest))
        return String(decoding: JCS.canonical(.object(o)), as: UTF8.self)
    }

    @Test func bucketsAndFiltersFindWhatABinarySearchFinds() throws {
        let chain = try TempChain()
        var ids: [String] = []
        var n = 0
        // Batches of falling sizes leave several runs; a later batch logs
        // some ids again (their entries in two runs), one contract has more
        // entries than a bucket is read at once, and an id has a look-alike.
        for (size, relogged) in [(900, 0), (300, 40), (90, 10), (20, 5)] {
            var lines: [String] = []
            for i in 0..<relogged { lines.append(Self.record(ids[i * 7], contract: "BIG", version: size)) }
            for _ in 0..<size {
                let id = n == 3 ? "caf\u{E9}/esign/d.pdf" : n == 4 ? "cafe\u{301}/esign/d.pdf" : "K\(n % 53)/esign/d\(n).pdf"
                ids.append(id)
                lines.append(Self.record(id, contract: n % 3 == 0 ? "BIG" : "K\(n % 53)", version: 0))
                n += 1
            }
            _ = try chain.append(lines)
        }
        let store = try ChainStore(path: chain.path, access: .read)
        let contracts = ["BIG", "K0", "K1", "K52", "nobody"]
        let wanted: [(ChainLookup.Field, String)] = ids.map { (.id, $0) } + ["absent/esign/x.pdf", "caf\u{E9}"].map { (.id, $0) }
            + contracts.map { (.contract, $0) }
        let context = HashContext(.sha256)

        let plain = try #require(try ChainBatchReader(store))
        #expect(plain.runFiles.count >= 3, "\(plain.lookup.runs)")
        let searched = wanted.map { plain.candidates($0.0, $0.1, context: context) }
        let sorted = plain.mappedCandidates(wanted.map { ChainLookup.key($0.0, $0.1, context: context) })
        #expect(searched == sorted)
        #expect(searched[wanted.count - contracts.count].count > ChainBatchReader.bucketReadLimit)
        for filterMemory in [0, 1 << 20] {
            let bucketed = try #require(try ChainBatchReader(store))
            bucketed.readBuckets(filterMemory: filterMemory)
            for (i, (field, value)) in wanted.enumerated() {
                #expect(bucketed.candidates(field, value, context: context) == searched[i], "\(value)")
            }
        }
        // An id logged in each batch has four entries; the look-alikes one each.
        #expect(searched[0].count == 4 && searched[3].count == 1 && searched[4].count == 1 && searched[3] != searched[4])
    }
}

/// A filter never rules out a key put in it, and rules out most others.
@Test func aRunsBloomFilterHoldsEveryKeyPutInIt() {
    var random = FuzzRandom(seed: 42)
    var filter = BloomFilter(keys: 10_000, bitsPerKey: LookupBuckets.filterBitsPerKey)
    let keys = (0..<10_000).map { _ in random.next() }
    for k in keys { filter.insert(k) }
    #expect(keys.filter { !filter.mayContain($0) }.count == 0)
    let others = (0..<10_000).filter { _ in filter.mayContain(random.next()) }.count
    #expect(others < 300, "\(others) false positives in 10,000")
}

/// A large run's buckets read in parts on several cores are the buckets
/// read in one pass; a run out of order (edited) still gets starts that
/// never go back, whatever the parts.
@Test func bucketsReadInPartsAreTheBucketsReadInOnePass() throws {
    var random = FuzzRandom(seed: 7)
    let count = (1 << 20) + 123
    var keys = (0..<count).map { _ in random.next() }
    keys.sort()
    // Runs of equal keys (a contract's records), and a bucket left empty.
    for i in stride(from: 1000, to: 1200, by: 1) { keys[i] = keys[1000] }
    func run(_ keys: [UInt64]) throws -> MappedFile {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(keys.count * ChainLookup.recordSize)
        for (seq, key) in keys.enumerated() {
            withUnsafeBytes(of: key.bigEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt64(seq).bigEndian) { bytes.append(contentsOf: $0) }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try MappedFile(path)
    }
    let sorted = try run(keys)
    let whole = try #require(LookupBuckets(sorted, filtered: false, parts: 1))
    for parts in [2, 3, 7] {
        let split = try #require(LookupBuckets(sorted, filtered: false, parts: parts))
        let differ = zip(split.starts, whole.starts).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(split.starts.count == whole.starts.count && differ == nil, "\(parts) parts: bucket \(differ.map { "\($0.offset)" } ?? "-")")
    }
    for i in stride(from: 0, to: count, by: 997) {
        #expect(whole.records(of: keys[i]).contains(i) || keys[i] == keys[1000])
    }
    var edited = keys
    edited.swapAt(10, count - 10)
    edited.swapAt(count / 2, 77)
    for parts in [1, 2, 3] {
        let starts = try #require(LookupBuckets(try run(edited), filtered: false, parts: parts)).starts
        #expect(!zip(starts, starts.dropFirst()).contains { $0 > $1 }, "\(parts) parts")
    }
}
