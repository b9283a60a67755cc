/* Approval tokens: an approver's signed approval, carried as one line of text to a host the approver
 * cannot reach (`jitctl sign` writes it on the laptop, `jitctl redeem` hands it to jitd).
 *
 *   pamjit1.ID.ORIGIN.PRINCIPAL.SIGNATURE
 *
 * ID is the request id as jitd writes it; ORIGIN (the host's journal origin), PRINCIPAL (the
 * approver's name in the approvers file) and SIGNATURE (the SSHSIG blob, as `ssh-keygen -Y sign`
 * armors it) are base64, URL-safe alphabet without padding (libsodium's), so the token survives chat,
 * mail and shells without quoting. The token proves nothing by itself: jitd rebuilds the statement of
 * ID on its own host and checks the signature over it, so ID and ORIGIN here only name what to check
 * and give a clear refusal for a token meant for another request or host. Never logs. */
#pragma once

#include <stddef.h>

#include "jit-limits.h"

#define TOKEN_PREFIX "pamjit1."
#define TOKEN_MAX 4096          /* an Ed25519 signature is ~300 bytes; origin and name are short */
#define TOKEN_MAX_ORIGIN 255
#define TOKEN_MAX_PRINCIPAL 255 /* longer than any user name */

typedef struct Token {
        char id[JIT_ID_LEN + 1];
        char origin[TOKEN_MAX_ORIGIN + 1];
        char principal[TOKEN_MAX_PRINCIPAL + 1];
        char *signature; /* the SSHSIG blob, standard base64 with padding (as the journal keeps it) */
} Token;

void token_done(Token *t);

/* The token (malloc'd, no newline) for a signature (its blob in standard base64, as
 * sshsig_armored_to_base64 gives it). -EINVAL for a value the token cannot carry, -ENOMEM. */
int token_format(const char *id, const char *origin, const char *principal, const char *signature_b64,
                 char **ret);

/* Parse text[0..n): one token; blanks and newlines around it are allowed, nothing else. 0; -EBADMSG
 * when it is malformed or too long, its id is not a request id, its origin or principal is empty or
 * holds anything but printable ASCII without blanks, or its signature is not a well-formed SSHSIG
 * blob; -EPROTONOSUPPORT for a signature by a key type jitd does not verify. */
int token_parse(const char *text, size_t n, Token *ret);
