/* Noticing the signals that cancel a wait, without a handler, a global or a thread. */
#pragma once

#include <signal.h>
#include <stdbool.h>

/* The signals that mean "stop waiting": Ctrl-C, Ctrl-\, Ctrl-Z, kill, hang-up. When several are
 * pending, the first in this order is the one reported: what the user typed before a kill or a
 * hang-up, which often follow from it (a shell that dies of Ctrl-\ hangs up its terminal). */
#define JIT_CANCEL_SIGNALS SIGINT, SIGQUIT, SIGTSTP, SIGTERM, SIGHUP

typedef struct SigWatch {
        sigset_t old_mask; /* the host's mask, restored exactly */
        sigset_t watched;
        int fd; /* signalfd; readable while a watched signal is pending */
        bool active;
} SigWatch;

/* Block the cancel signals and open a signalfd that polls readable while one is pending. The
 * signal is never read from the fd: it stays pending and reaches the host's own disposition when
 * jit_sigwatch_end() restores the mask. Returns 0 or a negative errno (then nothing changed). */
int jit_sigwatch_begin(SigWatch *w);
/* A watched signal that is pending now (the first in JIT_CANCEL_SIGNALS' order), or 0. */
int jit_sigwatch_pending(const SigWatch *w);
/* Give the host its own mask back for a while, keeping the fd: for a prompt, where Ctrl-C must reach
 * the host's conversation (sudo's prompt gives up on it, pamtester dies of it) instead of waiting
 * behind our block until the user presses Enter. A cancel signal that arrives meanwhile is the
 * host's. jit_sigwatch_resume() blocks the cancel signals again; 0 or a negative errno. */
void jit_sigwatch_pause(const SigWatch *w);
int jit_sigwatch_resume(const SigWatch *w);
/* Close the fd and restore the host's signal mask. Does nothing if jit_sigwatch_begin() failed. */
void jit_sigwatch_end(SigWatch *w);
