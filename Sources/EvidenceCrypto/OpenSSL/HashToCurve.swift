import EvidenceSupport

// RFC 9380 (hashing to elliptic curves): the message expansion shared by
// hash-to-field in P256Group and by the mod-p groups of EvidencePSI.

/// expand_message_xmd of RFC 9380 §5.3.1 with SHA-256 (b = 32, s = 64).
public func expandMessageXMD(_ message: [UInt8], domain: [UInt8], length: Int) -> [UInt8] {
    precondition(domain.count <= 255 && length <= 255 * 32 && length <= 0xffff)
    let ell = (length + 31) / 32
    let dstPrime = domain + [UInt8(domain.count)]
    let h = HashContext(.sha256)
    h.update([UInt8](repeating: 0, count: 64))        // Z_pad
    h.update(message)
    h.update([UInt8(length >> 8), UInt8(length & 0xff), 0])
    h.update(dstPrime)
    let b0 = h.finalize()
    h.update(b0)
    h.update([1])
    h.update(dstPrime)
    var bi = h.finalize()
    var out = bi
    out.reserveCapacity(ell * 32)
    if ell > 1 {
        for i in 2...ell {
            var x = [UInt8](repeating: 0, count: 32)
            for j in 0..<32 { x[j] = b0[j] ^ bi[j] }
            h.update(x)
            h.update([UInt8(i)])
            h.update(dstPrime)
            bi = h.finalize()
            out.append(contentsOf: bi)
        }
    }
    return Array(out.prefix(length))
}
