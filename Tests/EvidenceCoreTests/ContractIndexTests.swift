import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog

/// The contract index's pure functions and proofs (INDEX-SPEC §1–§3), checked
/// against Tests/Independent/contract_index.py (hashlib, written from the
/// spec alone) and against proofs a dishonest bank would hand over.
struct ContractIndexTests {
    /// A leaf hash that stands for the entry `n` (any 32 bytes do).
    static func entryLeaf(_ n: Int) -> Hash { Merkle.leafHash(Array("entry \(n)".utf8)) }

    /// Contracts with their (seq, leaf) entries; names include non-ASCII
    /// and the empty string, whose bytes are hashed as they are.
    static let contracts: [(String, [(seq: UInt64, leaf: Hash)])] = {
        var out: [(String, [(seq: UInt64, leaf: Hash)])] = []
        var seq: UInt64 = 0
        let names = ["C2025-0001", "C2025-0002", "合同-甲", "", "C2025-0001 ", "e\u{301}", "\u{e9}"]
            + (0..<40).map { "K\($0)" }
        for (i, name) in names.enumerated() {
            var entries: [(seq: UInt64, leaf: Hash)] = []
            for _ in 0..<(1 + i % 4) { entries.append((seq, entryLeaf(Int(seq)))); seq += 3 }
            out.append((name, entries))
        }
        return out
    }()

    static var leaves: [ContractIndexLeaf] {
        contracts.map { ContractIndex.value(of: $0.0, leaves: $0.1)! }
    }

    static let absent = ["C2025-9999", "K40", "k1", "C2025-000"]

    struct Independent {
        var root: Hash
        var values: [(String, JSONValue)]
        var proofs: [JSONValue]
        var verified: [JSONValue]
    }

    static func independent(queries: [String] = [], verify: [(Hash, JSONValue)] = []) throws -> Independent {
        var contractsObject = JSONObject()
        for (name, entries) in contracts {
            contractsObject.appendNew(name, .array(entries.map { .array([.number(Double($0.seq)), .string($0.leaf.hex)]) }))
        }
        var request = JSONObject()
        request.appendNew("contracts", .object(contractsObject))
        request.appendNew("queries", .array(queries.map { .string($0) }))
        request.appendNew("verify", .array(verify.map { .object(["root": .string($0.0.hex), "proof": $0.1]) }))
        let output = try IndependentCheck.run("contract_index.py", input: Data(JCS.canonical(.object(request))))
        let object = try JSON.parse(output).objectValue!
        // Pairs, not a dictionary: Swift's String == would merge "e\u{301}" and "\u{e9}".
        var values: [(String, JSONValue)] = []
        for member in object["values"]!.objectValue!.members { values.append((member.key, member.value)) }
        return Independent(root: Hash(hex: object["root"]!.stringValue!)!, values: values,
                           proofs: object["proofs"]!.arrayValue!, verified: object["verified"]!.arrayValue!)
    }

    @Test func hashesMatchLiteralKnownAnswers() {
        // Computed with Python's hashlib from the spec's definitions.
        let key = ContractIndex.key("C2025-0001")
        #expect(key.hex == "c0608bfd95a182765a380c23c588e55b794aada66fb2a226aaaaed9855446bce")
        let chain = ContractIndex.chainStep(ContractIndex.emptyChain, leaf: Merkle.leafHash(Array("x".utf8)))
        #expect(chain.hex == "f63545bd2d6b1dedb2cb8dd85f237fac477e4a26b4f64293788362950c619a5d")
        let leaf = ContractIndexLeaf(key: key, count: 1, last: 7, chain: chain)
        #expect(ContractIndex.leafHash(leaf).hex == "6517b5df79b1a2e3dc33385c6819fdd1e6f4ac671a0cf75afaee3fd9abe8668a")
        #expect(ContractIndex.innerHash(ContractIndex.leafHash(leaf), ContractIndex.emptyRoot).hex
                == "3f78d17ce3d682fd4a2936978bac19f82660fe2e31f6270ba9b73956a9b46ba6")
        #expect(ContractIndex.emptyRoot.bytes == [UInt8](repeating: 0, count: 32))
        #expect(ContractIndex.root(of: []) == ContractIndex.emptyRoot)
        // One leaf is the root at depth 0.
        #expect(ContractIndex.root(of: [leaf]) == ContractIndex.leafHash(leaf))
        #expect(ContractIndex.value(of: "C2025-0001", leaves: []) == nil)
    }

    @Test func rootAndValuesMatchTheIndependentImplementation() throws {
        let python = try Self.independent()
        #expect(ContractIndex.root(of: Self.leaves) == python.root)
        #expect(ContractIndex.root(of: Self.leaves.reversed()) == python.root)
        for (name, entries) in Self.contracts {
            let value = ContractIndex.value(of: name, leaves: entries)!
            let theirs = python.values.first { $0.0.sameBytes(as: name) }!.1.objectValue!
            #expect(theirs["key"]!.stringValue == value.key.hex)
            #expect(theirs["count"]!.integerValue == Int(value.count))
            #expect(theirs["last"]!.integerValue == Int(value.last))
            #expect(theirs["chain"]!.stringValue == value.chain.hex)
        }
    }

    @Test func independentProofsVerifyHereAndOursThere() throws {
        let queries = Self.contracts.map(\.0) + Self.absent
        let python = try Self.independent(queries: queries)
        let root = ContractIndex.root(of: Self.leaves)
        var ours: [(Hash, JSONValue)] = []
        for (query, json) in zip(queries, python.proofs) {
            let proof = try ContractIndexProof(json: json)
            #expect(proof.json == json, "round trip of \(query)")
            let member = try proof.verify(root: root)
            if let entries = Self.contracts.first(where: { $0.0.sameBytes(as: query) })?.1 {
                #expect(member == ContractIndex.value(of: query, leaves: entries))
            } else {
                #expect(member == nil, "\(query) is absent")
            }
            ours.append((root, proof.json))
        }
        // A tampered one goes along to check the checker.
        var tampered = try ContractIndexProof(json: python.proofs[0])
        tampered.siblings[0][0] ^= 1
        ours.append((root, tampered.json))
        let checked = try Self.independent(verify: ours).verified
        #expect(checked.dropLast().allSatisfy { $0["ok"] == .bool(true) })
        #expect(checked.last?["ok"] == .bool(false))
    }

    /// A tree of the test contracts and a membership proof of one of them,
    /// built here by walking the reference tree (the store builds its own).
    static func proof(_ contract: String, in leaves: [ContractIndexLeaf]) -> ContractIndexProof {
        let key = ContractIndex.key(contract)
        var here = leaves.sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }, siblings: [Hash] = [], depth = 0
        while here.count >= 2 {
            let zero = here.filter { ContractIndex.bit($0.key, depth) == 0 }
            let one = here.filter { ContractIndex.bit($0.key, depth) == 1 }
            // A sibling is the subtree one level down: its hash splits on the next bit.
            if ContractIndex.bit(key, depth) == 0 {
                siblings.append(ContractIndex.subtreeHash(one[...], depth: depth + 1)); here = zero
            } else {
                siblings.append(ContractIndex.subtreeHash(zero[...], depth: depth + 1)); here = one
            }
            depth += 1
        }
        return ContractIndexProof(contract: contract, siblings: siblings, terminal: here.first)
    }

    @Test func honestProofsVerify() throws {
        let leaves = Self.leaves, root = ContractIndex.root(of: leaves)
        for (name, entries) in Self.contracts {
            #expect(try Self.proof(name, in: leaves).verify(root: root) == ContractIndex.value(of: name, leaves: entries))
        }
        for name in Self.absent { #expect(try Self.proof(name, in: leaves).verify(root: root) == nil) }
        // The empty map proves every contract absent with no sibling.
        #expect(try ContractIndexProof(contract: "x", siblings: [], terminal: nil).verify(root: ContractIndex.emptyRoot) == nil)
    }

    @Test func tamperedProofsAreRefused() throws {
        let leaves = Self.leaves, root = ContractIndex.root(of: leaves)
        let honest = Self.proof("C2025-0001", in: leaves)
        #expect(honest.siblings.count >= 3)

        func refused(_ proof: ContractIndexProof, _ comment: Comment) {
            #expect(throws: EvidenceError.self, comment) { try proof.verify(root: root) }
        }
        for i in honest.siblings.indices {
            var flipped = honest
            flipped.siblings[i][31] ^= 0x80
            refused(flipped, "flipped sibling \(i)")
        }
        var wrongContract = honest
        wrongContract.contract = "C2025-0002"
        refused(wrongContract, "another contract's proof")
        var truncated = honest
        truncated.siblings.removeLast()
        refused(truncated, "truncated siblings")
        var dropFirst = honest
        dropFirst.siblings.removeFirst()
        refused(dropFirst, "first sibling dropped")

        // Another contract's leaf claimed as this contract's value.
        let other = Self.proof("C2025-0002", in: leaves)
        var claimed = honest
        claimed.terminal = other.terminal
        claimed.terminal!.key = ContractIndex.key("C2025-0001")
        refused(claimed, "another leaf's value under this key")
        var moreEntries = honest
        moreEntries.terminal!.count += 1
        refused(moreEntries, "count raised")
        var hidden = honest
        hidden.terminal = nil
        refused(hidden, "member shown as empty")

        // Another contract's leaf (its own key) shown to prove absence of a present contract.
        var shadow = honest
        shadow.terminal = other.terminal
        refused(shadow, "present contract shown absent by another leaf")

        var tooLong = honest
        tooLong.siblings = Array(repeating: ContractIndex.emptyRoot, count: 257)
        refused(tooLong, "257 siblings")
    }

    @Test func absenceByAMisplacedLeafIsRefused() throws {
        // A dishonest tree: a leaf whose key starts with bit 1 put in the
        // 0-half. Its hash chain leads to the root, so only the common-prefix
        // check stops it from proving absence of a 0-half contract.
        func first(bit: Int) -> String {
            (0...).lazy.map { "P\($0)" }.first { ContractIndex.bit(ContractIndex.key($0), 0) == bit }!
        }
        let misplaced = ContractIndex.value(of: first(bit: 1), leaves: [(seq: 0, leaf: Self.entryLeaf(0))])!
        let root = ContractIndex.innerHash(ContractIndex.leafHash(misplaced), ContractIndex.emptyRoot)
        let proof = ContractIndexProof(contract: first(bit: 0), siblings: [ContractIndex.emptyRoot], terminal: misplaced)
        #expect(throws: EvidenceError.self) { try proof.verify(root: root) }
    }

    @Test func strictParsing() throws {
        let leaves = Self.leaves
        let good = Self.proof("C2025-0001", in: leaves).json
        #expect(try ContractIndexProof(json: good) == Self.proof("C2025-0001", in: leaves))
        func edited(_ change: (inout JSONObject) -> Void) -> JSONValue {
            var object = good.objectValue!
            change(&object)
            return .object(object)
        }
        func set(_ o: inout JSONObject, _ key: String, _ value: JSONValue) {
            var copy = JSONObject()
            var found = false
            for (k, v) in o { if k == key { copy.appendNew(k, value); found = true } else { copy.appendNew(k, v) } }
            if !found { copy.appendNew(key, value) }
            o = copy
        }
        let inputErrors: [(String, JSONValue)] = [
            ("extra member", edited { set(&$0, "extra", 1) }),
            ("key not hex", edited { set(&$0, "key", "zz") }),
            ("uppercase sibling", edited { set(&$0, "siblings", [.string(String(repeating: "A", count: 64))]) }),
            ("leaf missing", edited { o in var c = JSONObject(); for (k, v) in o where k != "leaf" { c.appendNew(k, v) }; o = c }),
            ("negative count", edited { o in
                var leaf = o["leaf"]!.objectValue!; set(&leaf, "count", -1); set(&o, "leaf", .object(leaf)) }),
            ("fractional last", edited { o in
                var leaf = o["leaf"]!.objectValue!; set(&leaf, "last", 1.5); set(&o, "leaf", .object(leaf)) }),
            ("257 siblings", edited { set(&$0, "siblings", .array(Array(repeating: .string(ContractIndex.emptyRoot.hex), count: 257))) }),
            ("not an object", .array([])),
        ]
        for (what, json) in inputErrors {
            #expect(throws: EvidenceError.self, "\(what)") { try ContractIndexProof(json: json) }
            do { _ = try ContractIndexProof(json: json) } catch let error as EvidenceError {
                #expect(error.kind == .input, "\(what): \(error)")
            }
        }
        // The key of another contract: a failure, not a typo.
        let otherKey = edited { set(&$0, "key", .string(ContractIndex.key("C2025-0002").hex)) }
        do {
            _ = try ContractIndexProof(json: otherKey)
            Issue.record("a proof whose key is another contract's was accepted")
        } catch let error as EvidenceError {
            #expect(error.kind == .failure)
        }
    }

    // MARK: checkpoint line (§3)

    static let origin = "example.com/log"
    static let logRoot = Merkle.leafHash(Array("root".utf8))

    @Test func checkpointCarriesTheIndexRoot() throws {
        let indexRoot = ContractIndex.root(of: Self.leaves)
        let checkpoint = Checkpoint(origin: Self.origin, size: 9, root: Self.logRoot, contractIndexRoot: indexRoot,
                                    extensions: ["other extension"])
        #expect(checkpoint.text == "\(Self.origin)\n9\n\(Self.logRoot.base64)\nevidence/contract-index/v1 \(indexRoot.base64)\nother extension\n")
        let parsed = try Checkpoint(text: checkpoint.text)
        #expect(parsed.contractIndexRoot == indexRoot)
        #expect(parsed.extensions.contains("other extension"))
        #expect(try Checkpoint(text: "\(Self.origin)\n9\n\(Self.logRoot.base64)\n").contractIndexRoot == nil)
        var cleared = parsed
        cleared.contractIndexRoot = nil
        #expect(cleared.extensions == ["other extension"])
        var replaced = parsed
        replaced.contractIndexRoot = ContractIndex.emptyRoot
        #expect(try Checkpoint(text: replaced.text).contractIndexRoot == ContractIndex.emptyRoot)
    }

    @Test(arguments: [
        "evidence/contract-index/v1 AAAA",                                   // 3 bytes
        "evidence/contract-index/v1  " + Hash(hex: String(repeating: "ab", count: 32))!.base64,  // two spaces
        "evidence/contract-index/v1\t" + Hash(hex: String(repeating: "ab", count: 32))!.base64,
        "evidence/contract-index/v1x " + Hash(hex: String(repeating: "ab", count: 32))!.base64,
        "evidence/contract-index/v1",
        "evidence/contract-index/v1 " + String(repeating: "ab", count: 32),   // hex, not base64
    ])
    func malformedIndexLineIsRefused(line: String) {
        let text = "\(Self.origin)\n9\n\(Self.logRoot.base64)\n\(line)\n"
        #expect(throws: EvidenceError.self) { try Checkpoint(text: text) }
    }

    @Test func repeatedIndexLineIsRefused() {
        let a = "evidence/contract-index/v1 " + ContractIndex.emptyRoot.base64
        let b = "evidence/contract-index/v1 " + Self.logRoot.base64
        for lines in [[a, a], [a, b], [b, "x", a]] {
            let text = "\(Self.origin)\n9\n\(Self.logRoot.base64)\n" + lines.map { $0 + "\n" }.joined()
            #expect(throws: EvidenceError.self) { try Checkpoint(text: text) }
        }
    }
}
