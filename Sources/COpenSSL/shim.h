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

/* SHA-256 of prefix || a || b into out (32 bytes), on the stack: a Merkle
 * node or leaf is one or two compression blocks, where an EVP context's
 * init and final cost as much as the hashing. The low-level functions are
 * deprecated in OpenSSL 3 but kept, and use the same SHA-NI code. */
static inline void evidence_sha256_prefixed(unsigned char prefix, const void *a, size_t na,
                                            const void *b, size_t nb, unsigned char *out) {
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, &prefix, 1);
    if (na) SHA256_Update(&c, a, na);
    if (nb) SHA256_Update(&c, b, nb);
    SHA256_Final(out, &c);
}
