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
public struct Hash: Sendable, Hashable, Comparable, RandomAccessCollection, MutableCollection, ContiguousBytes,
                    CustomStringConvertible {
    public static let size = 32

    /// The 32 bytes, in order, held inline: a proof step or a stored hash
    /// read costs no heap allocation (an array per hash did, in every hot loop).
    @usableFromInline
    struct Words: Sendable, Hashable {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
    }
    @usableFromInline var words = Words()

    /// The 32 bytes as an array (allocates: for output, not for loops).
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// 32 zero bytes.
    public static let zero = Hash(filling: { _ in })

    /// A hash whose 32 bytes `fill` writes (a digest's output buffer).
    @inlinable
    public init(filling fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        try Swift.withUnsafeMutableBytes(of: &words) { try fill($0) }
    }

    private init(unchecked bytes: some Collection<UInt8>) {
        var words = Words()
        Swift.withUnsafeMutableBytes(of: &words) { out in
            let copied: Void? = bytes.withContiguousStorageIfAvailable { out.copyMemory(from: UnsafeRawBufferPointer($0)) }
            if copied == nil { for (i, b) in bytes.enumerated() { out[i] = b } }
        }
        self.words = words
    }

    /// Nil unless `bytes` is exactly 32 bytes long.
    public init?<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == Hash.size else { return nil }
        self.init(unchecked: bytes)
    }

    /// A hash from bytes read from outside: `ProofError.badHashSize` unless
    /// they are exactly 32.
    public init(checking bytes: [UInt8]) throws(ProofError) {
        guard bytes.count == Hash.size else { throw .badHashSize }
        self.init(unchecked: bytes)
    }

    /// The SHA-256 digest `context` finalizes to.
    public init(finalizing context: HashContext) {
        precondition(context.outputSize == Hash.size, "a Merkle hash is a SHA-256 digest")
        self.init(filling: { context.finalize(into: $0) })
    }

    /// Exactly 64 lowercase hex digits (the chain's and proofs' spelling).
    public init?(hex: String) {
        guard Hex.isLowercase(hex, byteCount: Hash.size), let bytes = Hex.decode(hex) else { return nil }
        self.init(unchecked: bytes)
    }

    /// The canonical base64 of exactly 32 bytes (a checkpoint's root line).
    public init?<S: StringProtocol>(base64: S) {
        guard let bytes = Base64.decode(String(base64)), bytes.count == Hash.size else { return nil }
        self.init(unchecked: bytes)
    }

    /// 64 lowercase hex digits.
    public var hex: String { withUnsafeBytes { Hex.encode(Array($0)) } }

    /// Standard padded base64.
    public var base64: String { Base64.encode(bytes) }

    public var description: String { hex }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Hash.size }

    public subscript(position: Int) -> UInt8 {
        get {
            precondition(position >= 0 && position < Hash.size, "index out of range")
            return Swift.withUnsafeBytes(of: words) { $0[position] }
        }
        set {
            precondition(position >= 0 && position < Hash.size, "index out of range")
            Swift.withUnsafeMutableBytes(of: &words) { $0[position] = newValue }
        }
    }

    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    /// The bytes in one piece: `buffer += hash` copies them at once.
    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try Swift.withUnsafeBytes(of: words) { raw in
            try raw.withMemoryRebound(to: UInt8.self, body)
        }
    }

    /// Byte order (the order of the bytes' lexicographic comparison, and of
    /// keys read bit by bit from the most significant bit of byte 0), without
    /// copying the bytes out.
    public static func < (a: Hash, b: Hash) -> Bool {
        if a.words.w0 != b.words.w0 { return UInt64(bigEndian: a.words.w0) < UInt64(bigEndian: b.words.w0) }
        if a.words.w1 != b.words.w1 { return UInt64(bigEndian: a.words.w1) < UInt64(bigEndian: b.words.w1) }
        if a.words.w2 != b.words.w2 { return UInt64(bigEndian: a.words.w2) < UInt64(bigEndian: b.words.w2) }
        return UInt64(bigEndian: a.words.w3) < UInt64(bigEndian: b.words.w3)
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
            out.append(Hash(data[i..<j])!)
            i = j
        }
        return out
    }
}

/// Compares two hashes in time independent of where they differ.
public func constantTimeEqual(_ a: Hash, _ b: Hash) -> Bool {
    // OR of the XORs of the words: no branch on where they differ.
    ((a.words.w0 ^ b.words.w0) | (a.words.w1 ^ b.words.w1) | (a.words.w2 ^ b.words.w2) | (a.words.w3 ^ b.words.w3)) == 0
}
