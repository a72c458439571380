import EvidenceSupport
internal import COpenSSL

// AES-256-GCM through OpenSSL EVP: the only other file besides OpenSSL.swift
// and OpenSSLCurve.swift that calls libcrypto, kept apart because only
// evpsi's labels need an AEAD.

public enum AES256GCM {
    public static let keySize = 32
    public static let nonceSize = 12
    public static let tagSize = 16

    private nonisolated(unsafe) static let cipher: OpaquePointer = {
        guard let c = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) else {
            fatalError("OpenSSL has no AES-256-GCM: \(OpenSSLError.lastMessage())")
        }
        return c
    }()

    /// nonce ‖ ciphertext ‖ tag, with a random nonce.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], aad: [UInt8]) throws -> [UInt8] {
        precondition(key.count == keySize)
        let nonce = SecureRandom.bytes(nonceSize)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw OpenSSLError.fail("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        guard EVP_EncryptInit_ex2(ctx, cipher, key, nonce, nil) == 1 else { throw OpenSSLError.fail("EVP_EncryptInit_ex2") }
        var length: Int32 = 0
        if !aad.isEmpty {
            guard EVP_EncryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1 else { throw OpenSSLError.fail("aad") }
        }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var total: Int32 = 0
        if !plaintext.isEmpty {
            guard EVP_EncryptUpdate(ctx, &out, &length, plaintext, Int32(plaintext.count)) == 1 else {
                throw OpenSSLError.fail("EVP_EncryptUpdate")
            }
            total = length
        }
        let ok = out.withUnsafeMutableBufferPointer { p in
            EVP_EncryptFinal_ex(ctx, p.baseAddress! + Int(total), &length)
        }
        guard ok == 1 else { throw OpenSSLError.fail("EVP_EncryptFinal_ex") }
        total += length
        var tag = [UInt8](repeating: 0, count: tagSize)
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(tagSize), &tag) == 1 else {
            throw OpenSSLError.fail("get tag")
        }
        return nonce + out.prefix(Int(total)) + tag
    }

    /// The plaintext, or nil when the tag does not verify.
    public static func open(_ sealed: [UInt8], key: [UInt8], aad: [UInt8]) -> [UInt8]? {
        precondition(key.count == keySize)
        guard sealed.count >= nonceSize + tagSize else { return nil }
        let nonce = Array(sealed.prefix(nonceSize))
        var tag = Array(sealed.suffix(tagSize))
        let body = Array(sealed[nonceSize..<(sealed.count - tagSize)])
        guard let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx); ERR_clear_error() }
        guard EVP_DecryptInit_ex2(ctx, cipher, key, nonce, nil) == 1 else { return nil }
        var length: Int32 = 0
        if !aad.isEmpty {
            guard EVP_DecryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1 else { return nil }
        }
        var out = [UInt8](repeating: 0, count: body.count + 16)
        var total: Int32 = 0
        if !body.isEmpty {
            guard EVP_DecryptUpdate(ctx, &out, &length, body, Int32(body.count)) == 1 else { return nil }
            total = length
        }
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(tagSize), &tag) == 1 else { return nil }
        let ok = out.withUnsafeMutableBufferPointer { p in
            EVP_DecryptFinal_ex(ctx, p.baseAddress! + Int(total), &length)
        }
        guard ok == 1 else { return nil }
        total += length
        return Array(out.prefix(Int(total)))
    }
}
