import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// Known answers for "abc" (FIPS 180-2, FIPS 202, GB/T 32905 A.1, RFC 7693 A).
@Test(arguments: [
    (DigestAlgorithm.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (.sha512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    (.sha3_256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"),
    (.sm3, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (.blake2b512, "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"),
])
func digestKnownAnswer(algorithm: DigestAlgorithm, expected: String) {
    #expect(Hex.encode(algorithm.hash(Array("abc".utf8))) == expected)
    // Streaming in pieces gives the same answer, and a context is reusable.
    let context = HashContext(algorithm)
    context.update("a"); context.update("bc")
    #expect(Hex.encode(context.finalize()) == expected)
    context.update("abc")
    #expect(Hex.encode(context.finalize()) == expected)
}

/// RFC 4231 test case 2.
@Test func hmacSHA256KnownAnswer() {
    let context = HashContext(hmac: .sha256, key: Array("Jefe".utf8))
    context.update("what do ya want for nothing?")
    #expect(Hex.encode(context.finalize()) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
}

/// RFC 8032 §7.1, TEST 2.
@Test func ed25519KnownAnswer() throws {
    let seed = Hex.decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")!
    let pub = try Ed25519.publicKey(seed: seed)
    #expect(Hex.encode(pub) == "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
    let sig = try Ed25519.sign([0x72], seed: seed)
    #expect(Hex.encode(sig) == "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
    #expect(Ed25519.verify(sig, message: [0x72], publicKey: pub))
    #expect(!Ed25519.verify(sig, message: [0x73], publicKey: pub))
}

@Test func constantTimeComparison() {
    #expect(constantTimeEqual([1, 2, 3], [1, 2, 3]))
    #expect(!constantTimeEqual([1, 2, 3], [1, 2, 4]))
    #expect(!constantTimeEqual([1, 2], [1, 2, 3]))
}
