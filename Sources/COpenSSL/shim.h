#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/obj_mac.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/sha.h>

/* One-shot SHA-256 without a provider lookup. OpenSSL 3's SHA256() goes
 * through EVP_Q_digest, fetching the algorithm on every call (about 350 ns
 * for 65 bytes here, against 95 ns for the low-level functions); the
 * contract index hashes millions of 65- and 81-byte messages. The
 * low-level functions are deprecated, not removed, in OpenSSL 3.0. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
static inline void evidence_sha256(const void *data, size_t count, unsigned char *out) {
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, data, count);
    SHA256_Final(out, &c);
}
#pragma clang diagnostic pop
