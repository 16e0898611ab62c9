/*
 * holder.c - the process that keeps a test-bed host's namespaces alive, and reaps.
 *
 *   vbed-holder exec CMD [ARG...]   become a child subreaper, then exec CMD
 *   vbed-holder                     become a child subreaper, reap children forever
 *
 * bed.sh starts each host as `vbed-holder exec ip netns exec ... host-init.sh`, and
 * host-init.sh ends with `exec vbed-holder`: the same PID throughout. Daemons that
 * double-fork (libvirtd -d, virtlogd -d, and the QEMU processes libvirtd starts) are
 * reparented to this subreaper instead of the machine's PID 1, which on this kind of
 * sandbox reaps orphans only every ~2 s: libvirt polls kill(pid, 0) until a QEMU it
 * stopped is gone, so without prompt reaping every `virsh destroy` or finished
 * migration took ~2 s longer than on a real host. SIGTERM ends the holder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
        perror("vbed-holder: PR_SET_CHILD_SUBREAPER");
        return 1;
    }
    if (argc >= 3 && strcmp(argv[1], "exec") == 0) {  /* the attribute survives execve */
        execvp(argv[2], argv + 2);
        fprintf(stderr, "vbed-holder: exec %s: %s\n", argv[2], strerror(errno));
        return 127;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: vbed-holder [exec CMD ARG...]\n");
        return 2;
    }
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);  /* pending SIGCHLD wakes sigtimedwait */
    struct timespec tick = {1, 0};
    for (;;) {
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        sigtimedwait(&chld, NULL, &tick);
    }
}
