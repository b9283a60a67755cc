/* D-Bus names shared by jitd, jitctl and pam_jit.so; the full API is in docs/dbus-api.md. */
#pragma once

#define JIT_BUS_NAME "org.pamjit.jit1"
#define JIT_BUS_PATH "/org/pamjit/jit1"
#define JIT_BUS_INTERFACE "org.pamjit.jit1.Manager"

/* jitd's private socket for root clients (the PAM module, the sudo plugin): the same object and
 * methods, peer to peer without dbus-daemon's hop, like systemd's /run/systemd/private. The
 * directory is root's and mode 0700 (the unit's RuntimeDirectory=), the socket mode 0600. */
#define JIT_PRIVATE_DIR "/run/jit"
#define JIT_PRIVATE_NAME "private"
#define JIT_PRIVATE_SOCKET JIT_PRIVATE_DIR "/" JIT_PRIVATE_NAME

#define JIT_ERROR_PREFIX "org.pamjit.jit1.Error."
#define JIT_ERROR_NOT_FOUND JIT_ERROR_PREFIX "NotFound"
#define JIT_ERROR_ACCESS_DENIED JIT_ERROR_PREFIX "AccessDenied"
#define JIT_ERROR_SELF_APPROVAL JIT_ERROR_PREFIX "SelfApproval"
#define JIT_ERROR_ALREADY_DECIDED JIT_ERROR_PREFIX "AlreadyDecided"
#define JIT_ERROR_EXPIRED JIT_ERROR_PREFIX "Expired"
#define JIT_ERROR_INVALID_ARGUMENT JIT_ERROR_PREFIX "InvalidArgument"
#define JIT_ERROR_LIMIT_EXCEEDED JIT_ERROR_PREFIX "LimitExceeded"
#define JIT_ERROR_JOURNAL_UNAVAILABLE JIT_ERROR_PREFIX "JournalUnavailable"
#define JIT_ERROR_REASON_REQUIRED JIT_ERROR_PREFIX "ReasonRequired"
#define JIT_ERROR_REASON_WANTED JIT_ERROR_PREFIX "ReasonWanted"
/* Signed approvals (Signature=required): sign the request's statement and call again. */
#define JIT_ERROR_SIGNATURE_REQUIRED JIT_ERROR_PREFIX "SignatureRequired"
/* A signature that does not verify, is not the caller's, or cannot be checked. */
#define JIT_ERROR_BAD_SIGNATURE JIT_ERROR_PREFIX "BadSignature"

/* Request states, as they appear on the bus, in journald and in the journal. */
#define JIT_STATE_PENDING "pending"
#define JIT_STATE_APPROVED "approved"
#define JIT_STATE_DENIED "denied"
#define JIT_STATE_EXPIRED "expired"
#define JIT_STATE_CANCELLED "cancelled"
#define JIT_STATE_REVOKED "revoked"
#define JIT_STATE_IGNORED "ignored"
