/* Blocking the cancel signals for the wait and watching them with a signalfd. */
#include <errno.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "sigwatch.h"
#include "util.h"

int jit_sigwatch_begin(SigWatch *w)
{
        static const int cancel_signals[] = {JIT_CANCEL_SIGNALS};
        sigset_t block, pending;
        int r;

        *w = (SigWatch){.fd = -1};
        sigemptyset(&block);
        for (size_t i = 0; i < ELEMENTSOF(cancel_signals); i++)
                sigaddset(&block, cancel_signals[i]);

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
        static const int cancel_signals[] = {JIT_CANCEL_SIGNALS};
        sigset_t pending;

        if (!w->active || sigpending(&pending) < 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(cancel_signals); i++)
                if (sigismember(&w->watched, cancel_signals[i]) && sigismember(&pending, cancel_signals[i]))
                        return cancel_signals[i];
        return 0;
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
