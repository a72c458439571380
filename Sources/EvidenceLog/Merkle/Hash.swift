import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// A Merkle tree hash: exactly 32 bytes of SHA-256 (the role of Go's
/// golang.org/x/mod/sumdb/tlog `Hash`; our own code). The length is checked
/// once, where bytes come in from outside (hex, base64, tile data); past
/// that every leaf, node, root and proof step is a `Hash` and no function
/// checks a length again.
///
/// It is a collection of its 32 bytes, so it appends to a byte buffer,
/// feeds a `HashContext` and prints with `Hex.encode` like the byte arrays
/// it replaces.
public struct Hash: Sendable, Hashable, RandomAccessCollection, MutableCollection, ContiguousBytes,
                    CustomStringConvertible {
    public static let size = 32

    /// The 32 bytes.
    public private(set) var bytes: [UInt8]

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Nil unless `bytes` is exactly 32 bytes long.
    public init?<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == Hash.size else { return nil }
        self.bytes = Array(bytes)
    }

    /// A hash from bytes read from outside: `ProofError.badHashSize` unless
    /// they are exactly 32.
    public init(checking bytes: [UInt8]) throws(ProofError) {
        guard bytes.count == Hash.size else { throw .badHashSize }
        self.bytes = bytes
    }

    /// The SHA-256 digest `context` finalizes to.
    public init(finalizing context: HashContext) {
        let digest = context.finalize()
        precondition(digest.count == Hash.size, "a Merkle hash is a SHA-256 digest")
        self.bytes = digest
    }

    /// Exactly 64 lowercase hex digits (the chain's and proofs' spelling).
    public init?(hex: String) {
        guard Hex.isLowercase(hex, byteCount: Hash.size), let bytes = Hex.decode(hex) else { return nil }
        self.bytes = bytes
    }

    /// The canonical base64 of exactly 32 bytes (a checkpoint's root line).
    public init?<S: StringProtocol>(base64: S) {
        guard let bytes = Base64.decode(String(base64)), bytes.count == Hash.size else { return nil }
        self.bytes = bytes
    }

    /// 64 lowercase hex digits.
    public var hex: String { Hex.encode(bytes) }

    /// Standard padded base64.
    public var base64: String { Base64.encode(bytes) }

    public var description: String { hex }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Hash.size }

    public subscript(position: Int) -> UInt8 {
        get { bytes[position] }
        set { bytes[position] = newValue }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }

    /// The bytes in one piece: `buffer += hash` copies them at once.
    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try bytes.withUnsafeBufferPointer(body)
    }

    /// The hashes of `data`, a whole number of 32-byte hashes laid end to
    /// end (a tile, a stored-hash file); nil when its length is not a
    /// multiple of 32.
    public static func split(_ data: some Collection<UInt8>) -> [Hash]? {
        guard data.count % size == 0 else { return nil }
        var out: [Hash] = []
        out.reserveCapacity(data.count / size)
        var i = data.startIndex
        while i != data.endIndex {
            let j = data.index(i, offsetBy: size)
            out.append(Hash(unchecked: Array(data[i..<j])))
            i = j
        }
        return out
    }
}

/// Compares two hashes in time independent of where they differ.
public func constantTimeEqual(_ a: Hash, _ b: Hash) -> Bool {
    constantTimeEqual(a.bytes, b.bytes)
}
