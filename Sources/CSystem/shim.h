/* C library functions that Swift's Glibc module does not show. */
#include <stddef.h>

/* glibc's memmem (a GNU extension: string.h declares it only under
   _GNU_SOURCE, which the Glibc module is not built with). */
void *memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen);
