import EvidenceLog
import EvidenceSupport

/// `CHAIN.witnesses`: the size each witness last cosigned, as far as the
/// bank knows, so that the next add-checkpoint request (c2sp.org/tlog-witness)
/// carries the right old size and proof. One JSON line per witness,
/// `{"key":VKEY,"size":N,"url":URL}`, in key order.
///
/// Only a hint: a witness that holds another size answers 409 with it, and
/// the request is rebuilt, so a lost or stale file costs one round trip,
/// never a cosignature. It is replaced atomically (DurableFile.replace).
public struct ChainWitnesses {
    public static func path(_ chain: String) -> String { chain + ".witnesses" }

    public struct Entry: Sendable, Equatable {
        public var size: UInt64
        public var url: String
        public init(size: UInt64, url: String) { self.size = size; self.url = url }
    }

    /// Keyed by the witness's encoded verifier key.
    public var entries: [String: Entry] = [:]

    public init() {}

    /// The file beside `chain`; empty when there is none.
    public init(chain: String) throws {
        let file = Self.path(chain)
        guard DurableFile.exists(file) else { return }
        let bytes = try DurableFile.readAll(file)
        for (i, line) in bytes.split(separator: 0x0A).enumerated() {
            do {
                guard case .object(let o) = try JSON.parse(line), let key = o["key"]?.stringValue,
                      let size = o["size"]?.integerValue, size >= 0, let url = o["url"]?.stringValue else {
                    throw EvidenceError.input("expected {\"key\",\"size\",\"url\"}")
                }
                entries[key] = Entry(size: UInt64(size), url: url)
            } catch let e as EvidenceError {
                throw EvidenceError.input(e.message, at: "\(file):\(i + 1)")
            }
        }
    }

    /// The size to start from for `key`: 0 when the witness is not known.
    public func size(of key: NoteVerifierKey) -> UInt64 { entries[key.encoded]?.size ?? 0 }

    public func write(chain: String) throws {
        var w = JSONWriter()
        for key in entries.keys.sorted() {
            var o = JSONObject()
            o["key"] = .string(key)
            o["size"] = .number(Double(entries[key]!.size))
            o["url"] = .string(entries[key]!.url)
            w.write(.object(o))
            w.writeRaw("\n")
        }
        try DurableFile.replace(Self.path(chain), with: w.bytes)
    }
}
