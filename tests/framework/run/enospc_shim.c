/* A full disk for the crash-consistency test, preloaded into chimera (LD_PRELOAD): a write() to a
 * file whose path contains CHIMERA_ENOSPC_MATCH fails with ENOSPC once CHIMERA_ENOSPC_AFTER bytes
 * (default 0) have gone to such files, the write that crosses the line being cut short as a
 * filling disk cuts it. Every other write passes through. Not a general fault injector. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t (*real_write)(int, const void*, size_t);
static long long written;

static int matches(int fd) {
    const char* pattern = getenv("CHIMERA_ENOSPC_MATCH");
    char link[64], path[4096];
    ssize_t n;
    if (!pattern || !*pattern) return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = '\0';
    return strstr(path, pattern) != NULL;
}

ssize_t write(int fd, const void* buf, size_t count) {
    if (!real_write) *(void**)(&real_write) = dlsym(RTLD_NEXT, "write");
    if (matches(fd)) {
        const char* after = getenv("CHIMERA_ENOSPC_AFTER");
        const long long budget = after ? atoll(after) : 0;
        if (written >= budget) {
            errno = ENOSPC;
            return -1;
        }
        if ((long long)count > budget - written) count = (size_t)(budget - written);
        written += (long long)count;
    }
    return real_write(fd, buf, count);
}
