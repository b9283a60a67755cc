/* Redeem(s token): an approval signed elsewhere (`jitctl sign` on an approver's laptop), handed in
 * by anyone on this host.
 *
 * The caller is only the carrier: the token's signature is the authority. It must be the signer's
 * SSH signature of the statement jitd builds for that request on this host (so a token for another
 * request or another host verifies against nothing), by a key the approvers file lists for the
 * signer; the signer must be an approver the rule names and not the requester. The approval is
 * recorded as the signer's, with the carrier's uid beside it (redeemed_by_uid). A token works once:
 * a second one for the same signer is "already approved", and one for a decided or expired request
 * is refused before anything is recorded. */
#include <errno.h>
#include <string.h>

#include "jit-bus.h"
#include "token.h"
#include "util.h"
#include "bus.h"

int method_redeem(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *ctx = userdata;
        _cleanup_(caller_done) Caller caller = {}, signer = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(signed_done) Signed sig = {};
        _cleanup_(token_done) Token t = {};
        const char *text, *origin;
        Request *req;
        bool may_see;
        int r;

        r = sd_bus_message_read(m, "s", &text);
        if (r < 0)
                return r;
        /* Budgeted as a write: each call costs jitd a signature check. */
        r = caller_get_budgeted(ctx, m, false, &caller, error);
        if (r < 0)
                return r;
        r = strlen(text) > 2 * TOKEN_MAX ? -EBADMSG : token_parse(text, strlen(text), &t);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sd_bus_error_set(error, JIT_ERROR_INVALID_ARGUMENT,
                                        r == -EPROTONOSUPPORT
                                            ? "The token's signature is by a key type jitd does not verify."
                                            : "That is not an approval token (jitctl sign writes one).");
        origin = journal_writer_origin(ctx->journal);
        if (!streq(t.origin, origin))
                return sd_bus_error_setf(error, JIT_ERROR_BAD_SIGNATURE,
                                         "The token is for host %s, not for this one (%s).", t.origin, origin);
        r = caller_find_request(ctx, t.id, NULL, &req, error);
        if (r < 0)
                return r;
        /* Someone who may not see the request learns nothing from a token that is not genuine:
         * every refusal before the signature verifies is the same "No such request" (A06). */
        may_see = caller_may_see(&caller, req);
        r = signature_check_blob(ctx, req, t.principal, t.signature, &sig, error);
        if (r < 0) {
                if (may_see || r == -ENOMEM)
                        return r;
                sd_bus_error_free(error);
                return sd_bus_error_set(error, JIT_ERROR_NOT_FOUND, "No such request.");
        }
        r = caller_for_name(ctx, t.principal, &signer, error);
        if (r < 0)
                return r;
        /* No break-glass through a token: the requester's own signature approves nothing. */
        r = caller_check(&signer, ACCESS_APPROVER, req, error);
        if (r < 0)
                return r;
        sig.redeemed = true;
        sig.redeemed_by = caller.uid;
        r = decide_approve(ctx, req, signer.uid, signer.name, "", 0, false, &sig, error);
        if (r < 0)
                return sd_bus_error_is_set(error) ? r : bus_record_error(error, r);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "sst", req->id, signer.name,
                                          req->state == REQUEST_PENDING ? (uint64_t)0 : req->until_usec);
        if (r >= 0)
                r = decide_reply(ctx, m, reply);
        return r < 0 ? r : 1;
}
