/* Blocking the cancel signals for the wait and watching them with a signalfd. */
#include <errno.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "sigwatch.h"
#include "util.h"

static const int cancel_signals[] = {JIT_CANCEL_SIGNALS};

static void cancel_set(sigset_t *ret)
{
        sigemptyset(ret);
        for (size_t i = 0; i < ELEMENTSOF(cancel_signals); i++)
                sigaddset(ret, cancel_signals[i]);
}

int jit_sigwatch_begin(SigWatch *w)
{
        sigset_t block, pending;
        int r;

        *w = (SigWatch){.fd = -1};
        cancel_set(&block);

        r = pthread_sigmask(SIG_BLOCK, &block, &w->old_mask);
        if (r != 0)
                return -r;

        /* A signal the host had blocked and that is pending already is the host's business: watching
         * it would cancel at once, and a second instance could not be told apart from it. */
        w->watched = block;
        if (sigpending(&pending) == 0)
                for (size_t i = 0; i < ELEMENTSOF(cancel_signals); i++)
                        if (sigismember(&w->old_mask, cancel_signals[i]) &&
                            sigismember(&pending, cancel_signals[i]))
                                sigdelset(&w->watched, cancel_signals[i]);

        w->fd = signalfd(-1, &w->watched, SFD_NONBLOCK | SFD_CLOEXEC);
        if (w->fd < 0) {
                r = -errno;
                pthread_sigmask(SIG_SETMASK, &w->old_mask, NULL);
                return r;
        }
        w->active = true;
        return 0;
}

int jit_sigwatch_pending(const SigWatch *w)
{
        sigset_t pending;

        if (!w->active || sigpending(&pending) < 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(cancel_signals); i++)
                if (sigismember(&w->watched, cancel_signals[i]) && sigismember(&pending, cancel_signals[i]))
                        return cancel_signals[i];
        return 0;
}

void jit_sigwatch_pause(const SigWatch *w)
{
        if (w->active)
                pthread_sigmask(SIG_SETMASK, &w->old_mask, NULL);
}

int jit_sigwatch_resume(const SigWatch *w)
{
        sigset_t block;

        if (!w->active)
                return 0;
        /* The same mask as jit_sigwatch_begin() set: the host's, plus the cancel signals. */
        cancel_set(&block);
        return -pthread_sigmask(SIG_BLOCK, &block, NULL);
}

void jit_sigwatch_end(SigWatch *w)
{
        if (!w->active)
                return;
        close(w->fd);
        w->fd = -1;
        /* Exactly the mask the host had; a pending cancel signal is delivered to it now. */
        pthread_sigmask(SIG_SETMASK, &w->old_mask, NULL);
        w->active = false;
}
