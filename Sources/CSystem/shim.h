/* C library functions that Swift's Glibc module does not show. */
#include <stddef.h>

/* glibc's memmem (a GNU extension: string.h declares it only under
   _GNU_SOURCE, which the Glibc module is not built with). */
void *memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen);

/* glibc's memfd_create (sys/mman.h declares it only under _GNU_SOURCE):
   an anonymous in-memory file, for bytes a file-descriptor reader reads. */
int memfd_create(const char *name, unsigned int flags);
