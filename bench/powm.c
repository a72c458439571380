/* The raw GMP limit for evpsi's group operations: N exponentiations
 * base^e mod m with random bases and one fixed EBITS-bit exponent, as
 * mpz_powm or mpz_powm_sec, split over PROCS processes (one per core).
 * Time it from outside (wall and CPU time, children included).
 * Usage: powm N EBITS PROCS MODULUS_HEX powm|sec */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void work(long n, int ebits, const char *mod, int sec) {
    mpz_t p, b, e, r; gmp_randstate_t st;
    mpz_inits(p, b, e, r, NULL);
    if (mpz_set_str(p, mod, 16) != 0 || mpz_sizeinbase(p, 2) < 64) { fprintf(stderr, "powm: bad modulus\n"); _exit(2); }
    gmp_randinit_default(st); gmp_randseed_ui(st, getpid());
    mpz_urandomb(e, st, ebits); mpz_setbit(e, ebits - 1);
    for (long i = 0; i < n; i++) {
        mpz_urandomm(b, st, p);
        if (sec) mpz_powm_sec(r, b, e, p); else mpz_powm(r, b, e, p);
    }
    mpz_clears(p, b, e, r, NULL);
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: powm N EBITS PROCS MODULUS_HEX powm|sec\n"); return 2; }
    long n = atol(argv[1]); int ebits = atoi(argv[2]), procs = atoi(argv[3]);
    int sec = strcmp(argv[5], "sec") == 0;
    for (int k = 0; k < procs; k++) if (fork() == 0) { work(n / procs, ebits, argv[4], sec); _exit(0); }
    int status, failed = 0;
    for (int k = 0; k < procs; k++) { wait(&status); failed |= status != 0; }
    return failed;
}
