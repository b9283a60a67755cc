/* How long one dlopen(RTLD_NOW) of a shared object takes in a fresh process, in µs: what loading
 * pam_jit.so (with libsystemd and its dependencies) costs a host such as sudo. A process loads a
 * library once, so the loop over runs is the caller's:
 *   for i in $(seq 30); do build/bench/dlopen-cost build/pam_jit.so; done | sort -n */
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
        struct timespec a, b;
        void *h;

        if (argc != 2) {
                fprintf(stderr, "Usage: dlopen-cost FILE.so\n");
                return 2;
        }
        clock_gettime(CLOCK_MONOTONIC, &a);
        h = dlopen(argv[1], RTLD_NOW);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (!h) {
                fprintf(stderr, "%s\n", dlerror());
                return 1;
        }
        printf("%ld\n", (long)((b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000));
        return 0;
}
