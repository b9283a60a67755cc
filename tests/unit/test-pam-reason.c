/* The front ends' reason prompt: checking an answer (bounds, UTF-8, control characters, the trailing
 * newline), asking through a scripted fake conversation (a sink) (re-asking on empty answers, giving up when
 * the conversation cannot ask), and the signal mask a prompt runs under. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "reason.h"
#include "sigwatch.h"
#include "util.h"
#include "tap.h"

/* The fake conversation: each question takes the next scripted answer. NULL with code 0 is what
 * misc_conv gives at end of input; a negative code is a conversation that fails (sudo -n). */
#define CONV_OK 0
#define CONV_ERR (-EIO)
typedef struct Answer {
        int code;
        const char *text;
} Answer;

static const Answer *script;
static size_t script_len, prompts, agains;
static char last_prompt[512];

static int fake_ask(void *userdata, const char *prompt, char **response)
{
        const Answer *a;

        snprintf(last_prompt, sizeof(last_prompt), "%s", prompt);
        *response = NULL;
        if (prompts >= script_len)
                return CONV_ERR;
        a = &script[prompts++];
        if (a->code != CONV_OK)
                return a->code;
        if (a->text) {
                *response = strdup(a->text);
                if (!*response)
                        abort();
        }
        return 0;
}

static void fake_say(void *userdata, const char *line)
{
}

static void fake_log(void *userdata, int priority, const char *line)
{
}

static const JitSink sink = {.prefix = "pam_jit: ", .say = fake_say, .log = fake_log, .ask = fake_ask};

void jit_msg_reason_again(const JitSink *s)
{
        agains++;
}

static int ask(const Answer *s, size_t n, bool required, char **ret)
{
        script = s;
        script_len = n;
        prompts = agains = 0;
        *ret = NULL;
        return jit_reason_ask(&sink, "sudo", required, ret);
}

static int check(const char *in, char **ret)
{
        *ret = NULL;
        return jit_reason_check(in, ret);
}

static char *repeat(const char *unit, size_t times, const char *tail)
{
        size_t u = strlen(unit), t = strlen(tail);
        char *s = malloc(u * times + t + 1);

        if (!s)
                abort();
        for (size_t i = 0; i < times; i++)
                memcpy(s + i * u, unit, u);
        memcpy(s + u * times, tail, t + 1);
        return s;
}

static void test_check(Tap *t)
{
        static const struct {
                const char *in, *out; /* out NULL: refused with error */
                int error;
                const char *name;
        } cases[] = {
            {"deploy hotfix", "deploy hotfix", 0, "plain text is kept"},
            {"deploy hotfix\n", "deploy hotfix", 0, "the trailing newline is removed"},
            {"deploy hotfix\r\n", "deploy hotfix", 0, "a trailing CR LF is removed"},
            {"", "", 0, "empty stays empty"},
            {"\n", "", 0, "a lone newline is empty"},
            {"  ticket 42  ", "  ticket 42  ", 0, "blanks are the user's"},
            {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80", 0,
             "UTF-8 text is kept"},
            {"a\xc2\xa0z", "a\xc2\xa0z", 0, "U+00A0 is not a control character"},
            {"two\n\n", NULL, -EINVAL, "a second trailing newline is refused"},
            {"one\ntwo", NULL, -EINVAL, "an inner newline is refused"},
            {"a\tb", NULL, -EINVAL, "a tab is refused"},
            {"\x1b[31mred", NULL, -EINVAL, "an escape sequence is refused"},
            {"del\x7f", NULL, -EINVAL, "DEL is refused"},
            {"nel\xc2\x85", NULL, -EINVAL, "a C1 control (U+0085) is refused"},
            {"csi\xc2\x9b[31m", NULL, -EINVAL, "a C1 CSI (U+009B) is refused"},
            {"bare\r", NULL, -EINVAL, "a bare CR is refused"},
            {"caf\xe9", NULL, -EILSEQ, "Latin-1 is not UTF-8"},
            {"\xef\xbf\xbf", NULL, -EILSEQ, "U+FFFF is refused (sd-bus would refuse it)"},
            {"\xed\xa0\x80", NULL, -EILSEQ, "a surrogate is refused"},
            {"\xe2\x82", NULL, -EILSEQ, "a truncated sequence is refused"},
        };
        char *r, *s;
        int k;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                k = check(cases[i].in, &r);
                if (cases[i].out)
                        tap_ok(t, k == 0 && r && streq(r, cases[i].out), "check: %s", cases[i].name);
                else
                        tap_ok(t, k == cases[i].error && !r, "check: %s (%s)", cases[i].name, strerror(-k));
                free(r);
        }

        /* The bound: shorter than JIT_MAX_FIELD bytes, after the newline is gone; never cut. */
        s = repeat("x", JIT_MAX_FIELD - 1, "");
        k = check(s, &r);
        tap_ok(t, k == 0 && r && strlen(r) == JIT_MAX_FIELD - 1, "check: %d bytes are accepted",
               JIT_MAX_FIELD - 1);
        free(r);
        free(s);
        s = repeat("x", JIT_MAX_FIELD - 1, "\r\n");
        k = check(s, &r);
        tap_ok(t, k == 0 && r && strlen(r) == JIT_MAX_FIELD - 1, "check: %d bytes and CR LF are accepted",
               JIT_MAX_FIELD - 1);
        free(r);
        free(s);
        s = repeat("x", JIT_MAX_FIELD, "");
        k = check(s, &r);
        tap_ok(t, k == -E2BIG && !r, "check: %d bytes are refused, not cut", JIT_MAX_FIELD);
        free(s);
        s = repeat("x", JIT_MAX_FIELD, "\n");
        k = check(s, &r);
        tap_ok(t, k == -E2BIG && !r, "check: %d bytes and a newline are refused", JIT_MAX_FIELD);
        free(s);
        s = repeat("x", 100000, "\n");
        k = check(s, &r);
        tap_ok(t, k == -E2BIG && !r, "check: 100000 bytes are refused");
        free(s);
        s = repeat("\xe2\x82\xac", (JIT_MAX_FIELD - 1) / 3, "\n");
        k = check(s, &r);
        tap_ok(t, k == 0 && r && strlen(r) == (JIT_MAX_FIELD - 1) / 3 * 3,
               "check: the bound counts bytes: %d euro signs fit", (JIT_MAX_FIELD - 1) / 3);
        free(r);
        free(s);
        s = repeat("\xe2\x82\xac", (JIT_MAX_FIELD - 1) / 3 + 1, "");
        k = check(s, &r);
        tap_ok(t, k == -E2BIG && !r, "check: one more euro sign is refused");
        free(s);

        tap_ok(t, jit_reason_blank("") && jit_reason_blank("   "), "blank: empty and spaces are no reason");
        tap_ok(t, !jit_reason_blank(" a ") && !jit_reason_blank("\xc2\xa0"), "blank: anything else is one");
}

static void test_ask(Tap *t)
{
        char *r;
        int k;

        {
                static const Answer s[] = {{CONV_OK, "rotate the TLS key\n"}};
                k = ask(s, ELEMENTSOF(s), true, &r);
                tap_ok(t, k == 0 && r && streq(r, "rotate the TLS key") && prompts == 1,
                       "ask: an answer is taken, without its newline");
                tap_ok(t, streq(last_prompt, "pam_jit: reason for this sudo request: "),
                       "ask: the prompt is '%s'", last_prompt);
                free(r);
        }
        {
                static const Answer s[] = {{CONV_ERR, NULL}};
                k = ask(s, ELEMENTSOF(s), true, &r);
                tap_ok(t, k == -EOPNOTSUPP && !r && prompts == 1,
                       "ask: a conversation error (sudo -n) means the user cannot be asked");
        }
        {
                static const Answer s[] = {{-EINTR, NULL}};
                k = ask(s, ELEMENTSOF(s), false, &r);
                tap_ok(t, k == -EOPNOTSUPP && !r, "ask: any other error (a signal) too");
        }
        {
                static const Answer s[] = {{CONV_OK, NULL}};
                k = ask(s, ELEMENTSOF(s), true, &r);
                tap_ok(t, k == -EOPNOTSUPP && !r, "ask: no answer at all (end of input) too");
        }
        {
                static const Answer s[] = {
                    {CONV_OK, "\n"}, {CONV_OK, "   "}, {CONV_OK, ""}, {CONV_OK, "never asked"}};
                k = ask(s, ELEMENTSOF(s), true, &r);
                tap_ok(t,
                       k == -ENODATA && !r && prompts == JIT_REASON_PROMPTS &&
                           agains == JIT_REASON_PROMPTS - 1,
                       "ask: required, only empty answers: asked %zu times, told %zu times, then refused",
                       prompts, agains);
        }
        {
                static const Answer s[] = {{CONV_OK, ""}, {CONV_OK, "INC-4711\n"}};
                k = ask(s, ELEMENTSOF(s), true, &r);
                tap_ok(t, k == 0 && r && streq(r, "INC-4711") && prompts == 2 && agains == 1,
                       "ask: required, an empty answer and then a reason");
                free(r);
        }
        {
                static const Answer s[] = {{CONV_OK, ""}, {CONV_ERR, NULL}};
                k = ask(s, ELEMENTSOF(s), true, &r);
                tap_ok(t, k == -EOPNOTSUPP && !r && prompts == 2,
                       "ask: required, an empty answer and then Ctrl-C (a conversation error)");
        }
        {
                static const Answer s[] = {{CONV_OK, "\n"}};
                k = ask(s, ELEMENTSOF(s), false, &r);
                tap_ok(t, k == 0 && r && streq(r, "") && prompts == 1 && agains == 0,
                       "ask: wanted, an empty answer is an answer");
                free(r);
        }
        {
                static const Answer s[] = {{CONV_OK, "caf\xe9"}, {CONV_OK, "fine"}};
                k = ask(s, ELEMENTSOF(s), true, &r);
                tap_ok(t, k == -EILSEQ && !r && prompts == 1,
                       "ask: an invalid answer is refused, not asked again");
        }
        {
                static const Answer s[] = {{CONV_OK, "\x1b]0;owned\x07"}};
                k = ask(s, ELEMENTSOF(s), false, &r);
                tap_ok(t, k == -EINVAL && !r,
                       "ask: wanted, an answer with control characters is refused too");
        }
        {
                char *big = repeat("y", 4096, "\n");
                Answer s[] = {{CONV_OK, big}};
                k = ask(s, ELEMENTSOF(s), true, &r);
                tap_ok(t, k == -E2BIG && !r, "ask: an overlong answer is refused");
                free(big);
        }
        {
                static const Answer s[] = {{CONV_OK, "x"}};
                script = s;
                script_len = 1;
                prompts = 0;
                r = NULL;
                k = jit_reason_ask(&sink, "su\x1b[2J", true, &r);
                tap_ok(t, k == 0 && !strchr(last_prompt, '\x1b'),
                       "ask: the service name is shown sanitised (%s)", last_prompt);
                free(r);
        }
}

static bool blocked(int sig)
{
        sigset_t cur;

        return pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0 && sigismember(&cur, sig);
}

static void test_sigwatch(Tap *t)
{
        SigWatch w;
        sigset_t host;

        /* The host blocks SIGUSR1 and SIGQUIT of its own; those stay as they are throughout. */
        sigemptyset(&host);
        sigaddset(&host, SIGUSR1);
        sigaddset(&host, SIGQUIT);
        pthread_sigmask(SIG_SETMASK, &host, NULL);

        tap_ok(t, jit_sigwatch_begin(&w) == 0, "sigwatch: begin");
        tap_ok(t, blocked(SIGINT) && blocked(SIGTERM) && blocked(SIGUSR1),
               "sigwatch: SIGINT blocked for the wait");
        jit_sigwatch_pause(&w);
        tap_ok(t, !blocked(SIGINT) && !blocked(SIGTERM) && !blocked(SIGHUP) && !blocked(SIGTSTP),
               "sigwatch: paused, the cancel signals reach the host (Ctrl-C at the prompt)");
        tap_ok(t, blocked(SIGUSR1) && blocked(SIGQUIT), "sigwatch: paused, the host's own blocks are kept");
        tap_ok(t, jit_sigwatch_resume(&w) == 0 && blocked(SIGINT) && blocked(SIGHUP) && blocked(SIGUSR1),
               "sigwatch: resumed, blocked again");
        raise(SIGINT);
        tap_ok(t, jit_sigwatch_pending(&w) == SIGINT, "sigwatch: after resuming, SIGINT is seen pending");
        /* Take it back before the mask is restored, so this test lives on. */
        {
                sigset_t s;
                int sig;
                sigemptyset(&s);
                sigaddset(&s, SIGINT);
                sigwait(&s, &sig);
        }
        jit_sigwatch_end(&w);
        tap_ok(t, !blocked(SIGINT) && blocked(SIGUSR1) && blocked(SIGQUIT),
               "sigwatch: end restores the host's mask");
        sigemptyset(&host);
        pthread_sigmask(SIG_SETMASK, &host, NULL);

        /* Ctrl-\ and then the hang-up of the terminal whose shell it killed: the typed one is named. */
        tap_ok(t, jit_sigwatch_begin(&w) == 0, "sigwatch: begin again");
        raise(SIGHUP);
        raise(SIGQUIT);
        tap_ok(t, jit_sigwatch_pending(&w) == SIGQUIT,
               "sigwatch: SIGQUIT and SIGHUP pending: SIGQUIT is named");
        {
                sigset_t s;
                int sig;
                sigemptyset(&s);
                sigaddset(&s, SIGHUP);
                sigaddset(&s, SIGQUIT);
                sigwait(&s, &sig);
                sigwait(&s, &sig);
        }
        tap_ok(t, jit_sigwatch_pending(&w) == 0, "sigwatch: both taken back, none pending");
        jit_sigwatch_end(&w);
}

int main(void)
{
        Tap t = {0};

        test_check(&t);
        test_ask(&t);
        test_sigwatch(&t);
        return tap_done(&t);
}
