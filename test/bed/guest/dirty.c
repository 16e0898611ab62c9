/*
 * dirty.c - memory-dirtying guest workload with an integrity check (violin test bed).
 *
 *   dirty SIZE_MB [RATE_MB_PER_S]
 *
 * Allocates SIZE_MB of anonymous memory and walks it forever, one 4 KiB page at a
 * time. Every page carries the number of the pass that last wrote it (a non-zero
 * 64-bit value, so a migration can never send it as a cheap zero page). Before a
 * page is rewritten with pass P its stamp must read P-1; a page that a live
 * migration failed to copy is reported as "DIRTY-MISMATCH ..." (first 10 only, all
 * counted). RATE 0 (default) = as fast as the vCPU allows; otherwise the walk is
 * paced in 50 ms slices. Prints "dirty: X MB/s mismatches=N" every ~2 s.
 *
 * Built static (gcc -O2 -static) by build.sh so it runs in the busybox initramfs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define WORDS_PER_PAGE (PAGE / sizeof(uint64_t))
#define SLICE_S 0.05
#define REPORT_S 2.0
#define MAX_SHOWN 10

static double monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s) {
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
    long mb = argc > 1 ? atol(argv[1]) : 64;
    double rate = argc > 2 ? atof(argv[2]) : 0.0;
    if (mb <= 0) { fprintf(stderr, "dirty: SIZE_MB must be > 0\n"); return 2; }
    size_t pages = ((size_t)mb << 20) / PAGE;
    uint64_t *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) { perror("dirty: mmap"); return 1; }

    uint64_t pass = 1;
    for (size_t i = 0; i < pages; i++) mem[i * WORDS_PER_PAGE] = pass;  /* fault in, stamp pass 1 */
    pass = 2;
    printf("dirty: %ld MB allocated, rate=%s MB/s\n", mb, rate > 0 ? argv[2] : "max");
    fflush(stdout);

    /* pages per slice: RATE MB/s * 256 pages/MB * slice length */
    size_t per_slice = rate > 0 ? (size_t)(rate * 256.0 * SLICE_S) : 4096;
    if (per_slice == 0) per_slice = 1;
    size_t page = 0;
    unsigned long mismatches = 0;
    double since = monotonic(), pages_done = 0;
    for (;;) {
        double start = monotonic();
        for (size_t k = 0; k < per_slice; k++) {
            volatile uint64_t *stamp = &mem[page * WORDS_PER_PAGE];
            uint64_t found = *stamp;
            if (found != pass - 1) {
                if (mismatches < MAX_SHOWN) {
                    printf("DIRTY-MISMATCH page=%zu expected=%llu found=%llu\n", page,
                           (unsigned long long)(pass - 1), (unsigned long long)found);
                    fflush(stdout);
                }
                mismatches++;
            }
            *stamp = pass;
            if (++page == pages) { page = 0; pass++; }
        }
        pages_done += (double)per_slice;
        if (rate > 0) sleep_s(SLICE_S - (monotonic() - start));
        double now = monotonic();
        if (now - since >= REPORT_S) {
            printf("dirty: %.1f MB/s mismatches=%lu\n", pages_done / 256.0 / (now - since), mismatches);
            fflush(stdout);
            since = now;
            pages_done = 0;
        }
    }
}
