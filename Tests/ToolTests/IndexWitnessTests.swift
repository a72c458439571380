import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceLog

/// `evchain cosign --index` (INDEX-SPEC §5): the notary recomputes the
/// contract index from the bank's material and refuses what a dishonest bank
/// signs. Each refusal: exit 1, nothing printed, the witness's state
/// unchanged. The bank's forged checkpoints are signed with its own log key,
/// as a bank that edits its index would sign them.
@Suite struct IndexWitnessTests {
    /// The log as the chain file says it is: leaves, and each contract's
    /// value by INDEX-SPEC §1 (computed here from the definition, not by the
    /// store's code).
    struct LogModel {
        var leaves: [Hash] = []
        var values: [String: ContractIndexLeaf] = [:]

        init(chain: String, size: Int? = nil) throws {
            let lines = try String(contentsOfFile: chain, encoding: .utf8).split(separator: "\n")
            for (seq, line) in lines.prefix(size ?? lines.count).enumerated() {
                let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                let leaf = Hash(hex: o["leaf"] as! String)!
                leaves.append(leaf)
                if let c = (o["record"] as! [String: Any])["contract"] as? String {
                    var v = values[c] ?? ContractIndexLeaf(key: ContractIndex.key(c), count: 0, last: 0, chain: ContractIndex.emptyChain)
                    v.count += 1; v.last = UInt64(seq); v.chain = ContractIndex.chainStep(v.chain, leaf: leaf)
                    values[c] = v
                }
            }
        }

        var root: Hash { Merkle.treeHash(leafHashes: leaves[...]) }
        var indexRoot: Hash { ContractIndex.root(of: Array(values.values)) }
    }

    let f: ChainFixture
    let notary: NotaryFixture

    init() throws {
        f = try ChainFixture()
        notary = try NotaryFixture(f)
    }

    /// A checkpoint the bank signs with its log key, with whatever index root it likes.
    func signed(_ name: String, size: Int, indexRoot: Hash?) throws -> String {
        let model = try LogModel(chain: f.chain, size: size)
        let cp = Checkpoint(origin: f.origin, size: UInt64(size), root: model.root, contractIndexRoot: indexRoot)
        return try f.dir.write(name, Data(try cp.signed(with: try KeyFile.readSigner(f.key)).bytes)).path
    }

    func material(_ name: String, from: Int, to: Int) throws -> String {
        let r = try Tools.run("evchain", ["consistency", f.chain, "--index", "--from", "\(from)", "--to", "\(to)"])
        #expect(r.status == 0, "\(r.stderr)")
        return try f.dir.write(name, r.stdout).path
    }

    func cosign(_ checkpoint: String, material: String, _ extra: [String] = []) throws -> ToolResult {
        try Tools.run("evchain", ["cosign", "--witness-key", notary.key, "--log-key", f.vkey, "--state", notary.state,
                                  "--index", material, checkpoint] + extra)
    }

    /// Every file of the witness's state, by name.
    func state() throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: notary.state) where name != "lock" {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: "\(notary.state)/\(name)"))
        }
        return files
    }

    func expectRefused(_ r: ToolResult, _ reason: String, _ before: [String: Data], sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(r.status == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("evchain: ") && r.stderr.contains(reason), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(try state() == before, "the witness's state changed on a refusal", sourceLocation: sourceLocation)
    }

    /// Five entries over C1 and C2, cosigned from size 0 (--init); then three
    /// more (C1 again, a new C3) for the tests to sign honestly or not.
    func twoBatches() throws -> (first: LogModel, second: LogModel) {
        #expect(try f.append(records(3, contract: "C1") + records(2, contract: "C2")).status == 0)
        let first = try LogModel(chain: f.chain)
        let cp5 = try signed("cp5", size: 5, indexRoot: first.indexRoot)
        let r = try cosign(cp5, material: try material("m0-5", from: 0, to: 5), ["--init"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try state().keys.sorted().count == 2)
        #expect(try f.append(records(2, contract: "C1", tag: "b") + records(1, contract: "C3")).status == 0)
        return (first, try LogModel(chain: f.chain))
    }

    @Test func anHonestBatchIsCosignedAndRecorded() throws {
        let (_, second) = try twoBatches()
        let cp8 = try signed("cp8", size: 8, indexRoot: second.indexRoot)
        let r = try cosign(cp8, material: try material("m5-8", from: 5, to: 8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.out.contains("— notary.example/witness "), "\(r.out)")
        // A verifier that names this witness an index witness sees it vouch.
        let cosigned = try f.dir.write("cp8.cosigned", r.stdout).path
        let audit = try f.audit(["--checkpoint", cosigned, "--log-key", f.vkey, "--index-witness", notary.vkey])
        #expect(audit.status == 0, "\(audit.stderr)")
        let index = try state().first { $0.key.hasSuffix(".index") }?.value
        #expect(String(decoding: try #require(index), as: UTF8.self).split(separator: "\n").map { $0.split(separator: " ")[0] } == ["5", "8"])
    }

    /// The bank appends an entry and leaves it out of its index.
    @Test func anEntryLeftOutOfTheIndexIsRefused() throws {
        let (_, _) = try twoBatches()
        let withoutLast = try LogModel(chain: f.chain, size: 7)
        let before = try state()
        let cp = try signed("cp8", size: 8, indexRoot: withoutLast.indexRoot)
        try expectRefused(try cosign(cp, material: try material("m", from: 5, to: 8)), "does not follow", before)
    }

    @Test func anIndexThatDropsAContractIsRefused() throws {
        var (_, second) = try twoBatches()
        second.values["C2"] = nil
        let before = try state()
        let cp = try signed("cp8", size: 8, indexRoot: second.indexRoot)
        try expectRefused(try cosign(cp, material: try material("m", from: 5, to: 8)), "does not follow", before)
    }

    /// The index root line changed (and the checkpoint re-signed), or left out.
    @Test func aChangedOrMissingIndexRootIsRefused() throws {
        let (_, _) = try twoBatches()
        let before = try state()
        let m = try material("m", from: 5, to: 8)
        let changed = try signed("changed", size: 8, indexRoot: Merkle.leafHash(Array("another index".utf8)))
        try expectRefused(try cosign(changed, material: m), "does not follow", before)
        let none = try signed("none", size: 8, indexRoot: nil)
        try expectRefused(try cosign(none, material: m), "carries no contract index root", before)
    }

    /// A contract's chain hash altered: in the root the bank signs, or in the
    /// old value a proof of its material shows.
    @Test func anAlteredChainHashIsRefused() throws {
        var (_, second) = try twoBatches()
        let honest = second.indexRoot
        second.values["C1"]!.chain = Merkle.leafHash(Array("altered".utf8))
        let before = try state()
        let m = try material("m", from: 5, to: 8)
        try expectRefused(try cosign(try signed("altered", size: 8, indexRoot: second.indexRoot), material: m), "does not follow", before)
        let cp = try signed("cp8", size: 8, indexRoot: honest)
        var lines = try String(contentsOfFile: m, encoding: .utf8).split(separator: "\n").map(String.init)
        let i = try #require(lines.firstIndex { $0.hasPrefix(#"{"contract":"C1""#) })
        let chain = try #require(lines[i].range(of: #""chain":""#))
        lines[i].replaceSubrange(chain.upperBound..<lines[i].index(chain.upperBound, offsetBy: 64), with: String(repeating: "0", count: 64))
        let edited = try f.dir.write("edited", lines.joined(separator: "\n") + "\n").path
        try expectRefused(try cosign(cp, material: edited), "does not lead to the index root", before)
    }

    /// Entries in the material that are not the log's: one changed, one left out.
    @Test func entriesThatAreNotTheLogsAreRefused() throws {
        let (_, second) = try twoBatches()
        let before = try state()
        let cp = try signed("cp8", size: 8, indexRoot: second.indexRoot)
        let lines = try String(contentsOfFile: try material("m", from: 5, to: 8), encoding: .utf8).split(separator: "\n").map(String.init)
        var changed = lines
        changed[changed.count - 1] = changed.last!.replacingOccurrences(of: #""stage":"esign""#, with: #""stage":"other""#)
        #expect(changed != lines)
        try expectRefused(try cosign(cp, material: try f.dir.write("changed", changed.joined(separator: "\n") + "\n").path),
                          "do not fold to the checkpoint's root", before)
        let dropped = lines.dropLast()
        try expectRefused(try cosign(cp, material: try f.dir.write("dropped", dropped.joined(separator: "\n") + "\n").path),
                          "end at size 7", before)
    }

    /// A witness whose state predates --index (it cosigned plainly) starts
    /// index checking only from size 0, and then is an index witness for good.
    @Test func anOlderStateStartsFromSizeZero() throws {
        #expect(try f.append(records(3, contract: "C1")).status == 0)
        let cp3 = try signed("cp3", size: 3, indexRoot: try LogModel(chain: f.chain).indexRoot)
        #expect(try notary.cosign(cp3, ["--init"]).status == 0)
        #expect(try f.append(records(2, contract: "C2")).status == 0)
        let model = try LogModel(chain: f.chain)
        let cp5 = try signed("cp5", size: 5, indexRoot: model.indexRoot)
        let before = try state()
        try expectRefused(try cosign(cp5, material: try material("m3", from: 3, to: 5)), "must start at size 0", before)
        // From 0 (the fold passing through the root cosigned at 3) it is cosigned.
        let r = try cosign(cp5, material: try material("m0", from: 0, to: 5))
        #expect(r.status == 0, "\(r.stderr)")
        let plain = try notary.cosign(cp5)
        #expect(plain.status == 2 && plain.stdout.isEmpty, "\(plain.stderr)")
        #expect(plain.stderr.contains("verifies the contract index"), "\(plain.stderr)")
    }

    /// evchain audit --index-witness: the key must have cosigned, and the
    /// checkpoint must carry an index root for it to have verified.
    @Test func auditWithAnIndexWitnessNeedsTheIndexLine() throws {
        #expect(try f.append(records(2)).status == 0)
        let plain = try notary.cosign(try signed("cp2", size: 2, indexRoot: nil), ["--init"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let cosigned = try f.dir.write("cp2.cosigned", plain.stdout).path
        #expect(try f.audit(["--checkpoint", cosigned, "--log-key", f.vkey, "--witness-key", notary.vkey]).status == 0)
        let r = try f.audit(["--checkpoint", cosigned, "--log-key", f.vkey, "--index-witness", notary.vkey])
        #expect(r.status == 1 && r.stderr.contains("no contract index root"), "\(r.stderr)")
        let k = try Tools.run("evchain", ["keygen", "--witness", "--name", "other.example/witness", "--out", f.dir.file("other.key").path])
        let other = k.out.trimmingCharacters(in: .newlines)
        let unsigned = try f.audit(["--checkpoint", cosigned, "--log-key", f.vkey, "--index-witness", other])
        #expect(unsigned.status == 1, "\(unsigned.stderr)")
    }

    /// With --tiles the entries come from the published entry bundles; the
    /// material needs only its header and proofs. A bundle that is not the
    /// log's is refused like entries that are not.
    @Test func entriesFromTheTiles() throws {
        #expect(try f.append(records(3, contract: "C1") + records(2, contract: "C2")).status == 0)
        let cp = try signed("cp5", size: 5, indexRoot: try LogModel(chain: f.chain).indexRoot)
        let tiles = f.dir.file("tiles").path
        let t = try Tools.run("evchain", ["tiles", f.chain, "--out", tiles, "--checkpoint", cp])
        #expect(t.status == 0, "\(t.stderr)")
        let full = try String(contentsOfFile: try material("m", from: 0, to: 5), encoding: .utf8)
        let proofsOnly = try f.dir.write("proofs-only", full.split(separator: "\n").filter { !$0.hasPrefix(#"{"record""#) }
            .joined(separator: "\n") + "\n").path
        let bundle = "\(tiles)/tile/entries/000.p/5"
        let honest = try Data(contentsOf: URL(fileURLWithPath: bundle))
        var altered = honest
        altered[altered.count - 3] ^= 0x01  // inside the last entry's digest
        try altered.write(to: URL(fileURLWithPath: bundle))
        let before = try state()
        try expectRefused(try cosign(cp, material: proofsOnly, ["--tiles", tiles, "--init"]), "do not fold to the checkpoint's root", before)
        try honest.write(to: URL(fileURLWithPath: bundle))
        let r = try cosign(cp, material: proofsOnly, ["--tiles", tiles, "--init"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func indexWithAnAddCheckpointRequestIsAUsageError() throws {
        #expect(try f.append(records(1)).status == 0)
        let cp = try signed("cp1", size: 1, indexRoot: try LogModel(chain: f.chain).indexRoot)
        for flag in ["--add-checkpoint", "--cgi"] {
            let r = try Tools.run("evchain", ["cosign", "--witness-key", notary.key, "--log-key", f.vkey, "--state", notary.state,
                                              "--index", cp, flag])
            #expect(r.status == 2 && r.stdout.isEmpty, "\(r.stderr)")
            #expect(r.stderr.contains("add-checkpoint request cannot carry"), "\(r.stderr)")
        }
    }
}
