/* OpenSSH's allowed_signers format (ssh-keygen(1), ALLOWED SIGNERS), as /etc/jit/approvers uses it:
 * "principals [options] keytype base64-key [comment]", one key a line.
 *
 * A reader that allows less than OpenSSH never lets more through: principal patterns (* ? !),
 * cert-authority, valid-after/valid-before and unknown options make a line allow nobody, instead
 * of being half understood. The principal is a user name, compared exactly. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "sshsig.h"
#include "util.h"

#define MAX_LINE 8192
#define MAX_KEY_BLOB 4096 /* an RSA-16384 key's blob is about 2 KiB: its line must read, to allow nobody */

typedef struct Span {
        const char *p;
        size_t n;
} Span;

/* The next blank-separated token of line; double quotes keep blanks inside. -EBADMSG for an
 * unterminated quote, 0 when the line is used up. */
static int next_token(Span *line, Span *ret)
{
        bool quoted = false;
        size_t i = 0;

        while (line->n > 0 && (*line->p == ' ' || *line->p == '\t')) {
                line->p++;
                line->n--;
        }
        if (line->n == 0)
                return 0;
        for (; i < line->n; i++) {
                if (line->p[i] == '"')
                        quoted = !quoted;
                else if (!quoted && (line->p[i] == ' ' || line->p[i] == '\t'))
                        break;
        }
        if (quoted)
                return -EBADMSG;
        *ret = (Span){line->p, i};
        line->p += i;
        line->n -= i;
        return 1;
}

static bool span_eq(Span s, const char *t)
{
        return s.n == strlen(t) && memcmp(s.p, t, s.n) == 0;
}

static Span unquote(Span s)
{
        if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"')
                return (Span){s.p + 1, s.n - 2};
        return s;
}

/* Whether the comma-separated list holds want exactly; an entry with a pattern character never
 * matches (fail closed). */
static bool list_has(Span list, const char *want)
{
        while (list.n > 0) {
                const char *comma = memchr(list.p, ',', list.n);
                Span e = {list.p, comma ? (size_t)(comma - list.p) : list.n};

                if (!memchr(e.p, '*', e.n) && !memchr(e.p, '?', e.n) && !memchr(e.p, '!', e.n) &&
                    span_eq(e, want))
                        return true;
                if (!comma)
                        break;
                list.n -= e.n + 1;
                list.p = comma + 1;
        }
        return false;
}

static bool is_key_type(Span s)
{
        return (s.n > 4 && memcmp(s.p, "ssh-", 4) == 0) || (s.n > 3 && memcmp(s.p, "sk-", 3) == 0) ||
               (s.n > 6 && memcmp(s.p, "ecdsa-", 6) == 0) || (s.n > 5 && memcmp(s.p, "rsa-", 4) == 0);
}

/* The options: only namespaces= is honoured; 1 if the line may sign in ns, 0 if not or if any other
 * option is present. */
static int options_allow(Span opts, const char *ns)
{
        bool have_ns = false, ok = false;

        while (opts.n > 0) {
                size_t i = 0;
                bool quoted = false;

                for (; i < opts.n && (quoted || opts.p[i] != ','); i++)
                        if (opts.p[i] == '"')
                                quoted = !quoted;
                Span o = {opts.p, i};
                if (o.n > 11 && memcmp(o.p, "namespaces=", 11) == 0) {
                        if (have_ns)
                                return 0;
                        have_ns = true;
                        ok = list_has(unquote((Span){o.p + 11, o.n - 11}), ns);
                } else
                        return 0; /* cert-authority, valid-*, anything else: not honoured here */
                opts.p += i < opts.n ? i + 1 : i;
                opts.n -= i < opts.n ? i + 1 : i;
        }
        return !have_ns || ok;
}

static int line_allows(Span line, const char *principal, const char *ns, const SshKey *key)
{
        Span principals, t, opts = {}, type, b64;
        uint8_t blob[MAX_KEY_BLOB];
        size_t len;
        SshKey k;
        int r;

        if (next_token(&line, &principals) <= 0 || principals.p[0] == '#')
                return 0;
        if (next_token(&line, &t) <= 0)
                return -EBADMSG;
        if (is_key_type(t))
                type = t;
        else {
                opts = t;
                if (next_token(&line, &type) <= 0)
                        return -EBADMSG;
        }
        r = next_token(&line, &b64);
        if (r <= 0)
                return -EBADMSG;
        if (sodium_base642bin(blob, sizeof(blob), b64.p, b64.n, NULL, &len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0)
                return -EBADMSG;
        r = sshkey_parse_blob(blob, len, &k);
        if (r == -EPROTONOSUPPORT)
                return 0; /* an RSA or ECDSA key: never verified here, so it allows nothing */
        if (r < 0)
                return -EBADMSG;
        /* The type named on the line must be the blob's. */
        if (!span_eq(type, k.type == SSH_KEY_ED25519 ? "ssh-ed25519" : "sk-ssh-ed25519@openssh.com"))
                return -EBADMSG;
        if (!list_has(unquote(principals), principal) || !options_allow(opts, ns))
                return 0;
        return sshkey_equal(&k, key);
}

int sshsig_allowed(const char *text, size_t n, const char *principal, const char *ns, const SshKey *key)
{
        bool allowed = false;

        if (n > SSHSIG_MAX_ALLOWED || memchr(text, 0, n))
                return -EBADMSG;
        while (n > 0) {
                const char *nl = memchr(text, '\n', n);
                Span line = {text, nl ? (size_t)(nl - text) : n};
                int r;

                if (line.n > MAX_LINE)
                        return -EBADMSG;
                if (line.n > 0 && line.p[line.n - 1] == '\r')
                        return -EBADMSG;
                /* Every line is read, even after a match: a malformed file is refused as a whole. */
                r = line_allows(line, principal, ns, key);
                if (r < 0)
                        return r;
                allowed |= r > 0;
                if (!nl)
                        break;
                n -= line.n + 1;
                text = nl + 1;
        }
        return allowed;
}
