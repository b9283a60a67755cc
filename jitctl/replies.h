/* jitd's answers as jitctl reads them: its requests, grants, list pages and RequestCreated
 * summaries, each through a table for lib/asv.c's reader, into the JSON objects the verbs show. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>

typedef enum ReplyKind {
        REPLY_REQUEST, /* GetRequest's answer, one entry of ListRequests' */
        REPLY_GRANT,   /* one entry of ListGrants' answer */
        REPLY_CREATED, /* RequestCreated's summary */
} ReplyKind;

/* One a{sv} of that kind as a JSON object, in jitd's order of keys; strings sanitised for a
 * terminal. Keys this jitctl does not know are skipped (lib/asv.h says why). Returns 1 and the
 * object; 0 at the end of an enclosing array (an aa{sv} is read until 0); a negative errno on
 * failure, with error saying what was wrong with jitd's answer when that was the cause. */
int reply_read_object(sd_bus_message *m, ReplyKind kind, json_object **ret, sd_bus_error *error);

/* ListRequests' second value: whether there is more, and the id the next page starts after
 * (pointing into the message). */
int reply_read_page(sd_bus_message *m, bool *ret_truncated, const char **ret_next, sd_bus_error *error);
