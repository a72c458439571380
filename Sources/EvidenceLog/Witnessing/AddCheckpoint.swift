import EvidenceSupport

/// The body of a c2sp.org/tlog-witness `add-checkpoint` request: the size
/// the client believes the witness last cosigned (`old N`), the consistency
/// proof from that size, one base64 hash a line, a blank line, then the
/// signed checkpoint note. The bank builds it, the notary parses it.
public struct AddCheckpointRequest: Sendable, Equatable {
    public var oldSize: UInt64
    public var proof: [Hash]
    /// The checkpoint note, as sent (every signature line).
    public var checkpoint: [UInt8]

    /// The spec bounds the proof lines (a proof in a tree of 2^64 leaves).
    public static let maximumProofLines = 63
    /// The largest body read: a checkpoint (`evchain cosign` reads at most
    /// 1 MiB of one) and the longest proof.
    public static let maximumBytes = (1 << 20) + 64 * 64

    public init(oldSize: UInt64, proof: [Hash], checkpoint: [UInt8]) {
        self.oldSize = oldSize; self.proof = proof; self.checkpoint = checkpoint
    }

    public var body: [UInt8] {
        Array(("old \(oldSize)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n").utf8) + checkpoint
    }

    /// Whether `bytes` starts as a request body does (`old `), so that a
    /// plain checkpoint given where a request was expected gets a message
    /// that says so.
    public static func looksLikeRequest(_ bytes: [UInt8]) -> Bool { bytes.starts(with: Array("old ".utf8)) }

    /// Parses a body strictly: every line ends in a newline, the size is
    /// canonical decimal, each proof line the canonical base64 of 32 bytes.
    /// A body that breaks a rule is an input error (HTTP 400).
    public init(parsing bytes: [UInt8]) throws {
        func bad(_ why: String) -> EvidenceError { EvidenceError.input("malformed add-checkpoint request: \(why)") }
        guard bytes.count <= Self.maximumBytes else { throw bad("longer than \(Self.maximumBytes) bytes") }
        var lines: [String] = []
        var start = 0
        // Header lines up to the blank one; the checkpoint is the rest, as sent.
        while true {
            guard let end = bytes[start...].firstIndex(of: 0x0A) else { throw bad("no blank line before the checkpoint") }
            guard let line = String(validating: bytes[start..<end], as: UTF8.self) else { throw bad("not UTF-8") }
            start = end + 1
            if line.isEmpty { break }
            lines.append(line)
            guard lines.count <= 1 + Self.maximumProofLines else {
                throw bad("more than \(Self.maximumProofLines) consistency proof lines")
            }
        }
        guard let first = lines.first, first.hasPrefix("old "),
              let size = UInt64(first.dropFirst(4)), String(size) == first.dropFirst(4) else {
            throw bad("the first line is not \"old <size>\" (decimal, no leading zeroes)")
        }
        var proof: [Hash] = []
        for (i, line) in lines.dropFirst().enumerated() {
            guard let h = Hash(base64: line), h.base64 == line else {
                throw bad("proof line \(i + 1) is not the base64 of a 32-byte hash")
            }
            proof.append(h)
        }
        self.init(oldSize: size, proof: proof, checkpoint: Array(bytes[start...]))
    }
}

/// A checkpoint the witness would not cosign, with the HTTP status
/// c2sp.org/tlog-witness gives the reason. `error` is what `evchain cosign`
/// reports (the same message with or without the protocol).
public struct WitnessRefusal: Error, Sendable {
    public enum Reason: Sendable, Equatable {
        /// Not a request or checkpoint, or an old size beyond the checkpoint's (400).
        case badRequest
        /// No signature of the log's key, or one that fails (403).
        case badSignature
        /// A checkpoint of a log this witness does not witness (404).
        case unknownLog
        /// The old size is not the witness's: it last cosigned this size (409).
        case conflict(UInt64)
        /// A proof that does not verify, or another root at the same size (422).
        case inconsistent
    }

    public let reason: Reason
    public let error: EvidenceError

    public init(_ reason: Reason, _ error: EvidenceError) { self.reason = reason; self.error = error }

    public var httpStatus: Int {
        switch reason {
        case .badRequest: return 400
        case .badSignature: return 403
        case .unknownLog: return 404
        case .conflict: return 409
        case .inconsistent: return 422
        }
    }
}

extension Witness {
    /// Answers an add-checkpoint request: the checks of `cosign`, with the
    /// request's old size checked against the state under its lock, and
    /// the proof taken from the request. Returns the cosigned note; its last
    /// signature line is this witness's, the response body. Throws a
    /// `WitnessRefusal` for what the spec refuses, and `EvidenceError` for
    /// the witness's own trouble (no state, unreadable key: HTTP 500).
    public func addCheckpoint(_ request: AddCheckpointRequest, now: UInt64, firstUse: Bool = false) throws -> SignedNote {
        try accept(request.checkpoint, proof: nil, claimedOldSize: (request.oldSize, request.proof), index: nil, now: now, firstUse: firstUse)
    }
}
