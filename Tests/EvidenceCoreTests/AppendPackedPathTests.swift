import FuzzSupport
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidenceCore

/// append's allocation-free paths (issue 22 item 3) against the plain ones
/// they replace: the same bytes, hashes and keys.
@Suite struct AppendPackedPathTests {
    /// A share's lines prepared into its packed buffers equal each line
    /// prepared alone (`Prepared`): chain line, leaf, id, lookup records and
    /// index key, for records the fast path takes and those it leaves to
    /// the general parser, up to the first bad line.
    @Test func packedPrepareEqualsPreparingEachLine() throws {
        // Valid records (fast and general), and now and then a bad line,
        // which ends its share.
        var lines = ChainRecordFastPathTests.lines(seed: 2222, count: 6000).filter { ChainRecordFastPathTests.general($0) != nil }
        for at in stride(from: lines.count - 1, to: 0, by: -400) { lines.insert(Array(#"{"id":1}"#.utf8), at: at) }
        var chunk = LineChunk(name: "test")
        for (i, line) in lines.enumerated() {
            chunk.bytes += line
            chunk.ends.append(chunk.bytes.count)
            chunk.lineNumbers.append(i + 1)
        }
        let context = HashContext(.sha256)
        let time = "2026-12-06T10:00:00Z"
        var compared = 0, shares = 0
        for share in chunk.shares(40) {
            let firstSeq: UInt64 = 1000
            let packed = PrepareShare(lines: share, firstSeq: firstSeq, time: time, logged: nil).prepare(context: context)
            for (k, i) in share.lines.enumerated() {
                let seq = firstSeq + UInt64(i)
                let alone = try? chunk.withLine(i) { try ChainStore.prepare($0, seq: seq, time: time, context: context) }
                guard let alone else {
                    // The first bad line ends the share: nothing of it is packed.
                    #expect(packed.count == k && packed.failure != nil, "line \(i + 1)")
                    break
                }
                let got = packed.prepared(k)
                #expect(Array(got.line) == alone.line && got.leaf == alone.leaf && Array(got.lookup).elementsEqual(alone.lookup, by: { $0 == $1 })
                        && got.contractKey == alone.contractKey && Array(packed.id(k)) == Array(alone.id.utf8), "line \(i + 1)")
                compared += 1
            }
            shares += 1
        }
        #expect(compared > 800 && shares >= 30, "\(compared) compared in \(shares) shares")
    }

    /// The lookup keys did not change with their one-shot hashing: the
    /// first 8 bytes of SHA-256(tag || value) as `CHAIN.lookup` files of
    /// older appends hold them.
    @Test func lookupKeysAreTheFilesKeys() {
        for value in ["C2026-000001", "C1/esign/doc1.pdf", "", "a\\u00e9\\\"b", String(repeating: "x", count: 300)] {
            for (field, tag) in [(ChainLookup.Field.id, ChainLookup.idTag), (.contract, ChainLookup.contractTag)] {
                let digest = DigestAlgorithm.sha256.hash(tag + Array(value.utf8))
                let expected = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let got = Array(value.utf8).withUnsafeBytes { ChainLookup.key(field, escaped: $0, context: HashContext(.sha256)) }
                #expect(got == expected, "\(field) \(value)")
            }
        }
    }

    /// One-shot SHA-256 (the contract index's hashes) against the EVP digest,
    /// at every length around the block boundaries, and the empty input.
    @Test func oneShotSHA256EqualsTheDigest() {
        var input: [UInt8] = []
        for n in 0 ... 200 {
            var out = [UInt8](repeating: 0, count: 32)
            input.withUnsafeBytes { i in out.withUnsafeMutableBytes { OneShotSHA256.hash(i, into: $0.baseAddress!) } }
            #expect(out == DigestAlgorithm.sha256.hash(input), "length \(n)")
            input.append(UInt8(truncatingIfNeeded: n &* 31 &+ 7))
        }
        var empty = [UInt8](repeating: 0, count: 32)
        empty.withUnsafeMutableBytes { OneShotSHA256.hash(UnsafeRawBufferPointer(start: nil, count: 0), into: $0.baseAddress!) }
        #expect(Hex.encode(empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// Receipts' numbers and strings written from bytes equal their String forms.
    @Test func decimalsAndStringsFromBytes() {
        var random = FuzzRandom(seed: 22)
        var values: [UInt64] = [0, 1, 9, 10, 99, 100, UInt64.max, UInt64.max - 1, 1 << 63]
        for _ in 0 ..< 1000 { values.append(random.next() >> (random.next() % 64)) }
        for v in values {
            var bytes: [UInt8] = []
            bytes.appendDecimal(v)
            #expect(String(decoding: bytes, as: UTF8.self) == String(v))
        }
        for s in ["", "plain", "quote\"back\\slash", "ctl\u{1}\n\t\u{1f}", "é中文🙂", "12345678\"12345678"] {
            var a = JSONWriter(), b = JSONWriter()
            a.writeString(s)
            Array(s.utf8).withUnsafeBufferPointer { b.writeString(utf8: $0) }
            #expect(a.bytes == b.bytes, "\(s)")
        }
    }

    /// The frontier's stored hashes appended in place equal, leaf by leaf,
    /// the leaf followed by the subtree hashes it completes (RFC 9162).
    @Test func frontierStoresWhatItCompletes() {
        var frontier = MerkleFrontier()
        var leaves: [Hash] = []
        for i in 0 ..< 70 {
            let leaf = Merkle.leafHash(Array("leaf \(i)".utf8))
            leaves.append(leaf)
            var stored: [UInt8] = []
            frontier.append(leafHash: leaf, storingInto: &stored)
            var expected: [UInt8] = []
            leaf.withUnsafeBytes { expected += $0 }
            var width = 2
            while (i + 1) % width == 0 {
                Merkle.treeHash(leafHashes: leaves[(i + 1 - width)...]).withUnsafeBytes { expected += $0 }
                width *= 2
            }
            #expect(stored == expected, "leaf \(i)")
            #expect(frontier.root() == Merkle.treeHash(leafHashes: leaves[...]))
        }
    }
}
