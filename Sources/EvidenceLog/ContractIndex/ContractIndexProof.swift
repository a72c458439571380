import EvidenceSupport

/// A proof of what the contract index holds for one contract at one root
/// (INDEX-SPEC §2): the siblings on the contract's key path from the root
/// down, and the terminal the path ends in — the contract's own leaf
/// (membership), another leaf whose key shares the path, or an empty
/// subtree (both non-membership).
///
/// ```json
/// {"contract":"C2025-0001","key":"<64 hex>","siblings":["<64 hex>", ...],
///  "leaf":{"key":"<64 hex>","count":3,"last":1234,"chain":"<64 hex>"} | null}
/// ```
public struct ContractIndexProof: Sendable, Equatable {
    /// A key has 256 bits, so no path is longer.
    public static let maximumDepth = 256

    public var contract: String
    /// siblings[i] is the hash of the other child of the node at depth i on
    /// the contract's key path.
    public var siblings: [Hash]
    /// The leaf the path ends in; nil for an empty subtree.
    public var terminal: ContractIndexLeaf?

    public init(contract: String, siblings: [Hash], terminal: ContractIndexLeaf?) {
        self.contract = contract; self.siblings = siblings; self.terminal = terminal
    }

    private static let members: Set<String> = ["contract", "key", "siblings", "leaf"]
    private static let leafMembers: Set<String> = ["key", "count", "last", "chain"]

    /// Parses a proof strictly: every member present, no other, hashes as 64
    /// lowercase hex digits, counts as exact non-negative integers, at most
    /// 256 siblings. The `key` member is checked against the key of
    /// `contract` (it is there for readers; a verifier never trusts it):
    /// another key is a failure, a proof for another contract.
    public init(json: JSONValue) throws {
        func bad(_ what: String) -> EvidenceError { EvidenceError.input("index proof: \(what)") }
        guard let object = json.objectValue else { throw bad("expected an object, found \(json.typeName)") }
        for (name, _) in object where !Self.members.contains(name) { throw bad("unknown field \"\(name)\"") }
        guard let contract = object["contract"]?.stringValue else { throw bad("expected \"contract\" (string)") }
        guard let keyText = object["key"]?.stringValue, let key = Hash(hex: keyText) else {
            throw bad("expected \"key\" (string of 64 hex digits)")
        }
        guard let list = object["siblings"]?.arrayValue else { throw bad("expected \"siblings\" (array of hashes)") }
        guard list.count <= Self.maximumDepth else {
            throw bad("\"siblings\" has \(list.count) hashes, more than \(Self.maximumDepth)")
        }
        var siblings: [Hash] = []
        siblings.reserveCapacity(list.count)
        for (i, item) in list.enumerated() {
            guard let text = item.stringValue, let hash = Hash(hex: text) else {
                throw bad("expected \"siblings\"[\(i)] (string of 64 hex digits)")
            }
            siblings.append(hash)
        }
        guard let leafValue = object["leaf"] else { throw bad("expected \"leaf\" (object or null)") }
        var terminal: ContractIndexLeaf? = nil
        if leafValue != .null {
            guard let leaf = leafValue.objectValue else { throw bad("expected \"leaf\" (object or null)") }
            for (name, _) in leaf where !Self.leafMembers.contains(name) { throw bad("unknown field \"leaf.\(name)\"") }
            guard let text = leaf["key"]?.stringValue, let leafKey = Hash(hex: text) else {
                throw bad("expected \"leaf.key\" (string of 64 hex digits)")
            }
            guard let count = leaf["count"]?.integerValue, count >= 0 else {
                throw bad("expected \"leaf.count\" (non-negative integer)")
            }
            guard let last = leaf["last"]?.integerValue, last >= 0 else {
                throw bad("expected \"leaf.last\" (non-negative integer)")
            }
            guard let text = leaf["chain"]?.stringValue, let chain = Hash(hex: text) else {
                throw bad("expected \"leaf.chain\" (string of 64 hex digits)")
            }
            terminal = ContractIndexLeaf(key: leafKey, count: UInt64(count), last: UInt64(last), chain: chain)
        }
        guard key == ContractIndex.key(contract) else {
            throw EvidenceError.failure("index proof: \"key\" is not the key of contract \"\(contract)\"")
        }
        self.init(contract: contract, siblings: siblings, terminal: terminal)
    }

    /// The proof as JSON, members in the order of the spec.
    public var json: JSONValue {
        var object = JSONObject()
        object.appendNew("contract", .string(contract))
        object.appendNew("key", .string(ContractIndex.key(contract).hex))
        object.appendNew("siblings", .array(siblings.map { .string($0.hex) }))
        if let terminal {
            var leaf = JSONObject()
            leaf.appendNew("key", .string(terminal.key.hex))
            leaf.appendNew("count", .number(Double(terminal.count)))
            leaf.appendNew("last", .number(Double(terminal.last)))
            leaf.appendNew("chain", .string(terminal.chain.hex))
            object.appendNew("leaf", .object(leaf))
        } else {
            object.appendNew("leaf", .null)
        }
        return .object(object)
    }

    /// The contract's value if the proof shows membership, nil if it shows
    /// absence; `EvidenceError.failure` naming the check when it does not
    /// lead to `root`.
    public func verify(root: Hash) throws -> ContractIndexLeaf? {
        func fail(_ why: String) -> EvidenceError {
            EvidenceError.failure("index proof for contract \"\(contract)\": \(why)")
        }
        let depth = siblings.count
        guard depth <= Self.maximumDepth else { throw fail("\(depth) siblings, more than \(Self.maximumDepth)") }
        let key = ContractIndex.key(contract)
        var member: ContractIndexLeaf? = nil
        var node: Hash
        if let terminal {
            if terminal.key == key {
                // The tree never stores a contract with no entry.
                guard terminal.count > 0 else { throw fail("the contract's leaf has count 0") }
                member = terminal
            } else {
                // Another contract's leaf proves absence only where it sits
                // alone in the subtree our key would be in: the first d bits agree.
                for i in 0..<depth where ContractIndex.bit(terminal.key, i) != ContractIndex.bit(key, i) {
                    throw fail("the leaf shown for absence is off the contract's key path (bit \(i) differs)")
                }
            }
            node = ContractIndex.leafHash(terminal)
        } else {
            node = ContractIndex.emptyRoot
        }
        for i in stride(from: depth - 1, through: 0, by: -1) {
            node = ContractIndex.bit(key, i) == 0
                ? ContractIndex.innerHash(node, siblings[i])
                : ContractIndex.innerHash(siblings[i], node)
        }
        guard node == root else { throw fail("does not lead to the index root \(root.hex)") }
        return member
    }
}
