/* jitctl watch --exec: one command per event, run in order, bounded in number and in time. */
#pragma once

#include <json-c/json.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#define JIT_WATCH_QUEUE_DEFAULT 64
#define JIT_WATCH_QUEUE_MAX 4096
#define JIT_WATCH_TIMEOUT_DEFAULT_USEC (30ULL * 1000000)

typedef struct Runner Runner;

/* Refuses (-EPERM) when jitctl runs with privileges its caller does not have (setuid, setgid,
 * file capabilities: AT_SECURE): CMD must run as the person running watch, and nothing is dropped
 * silently on their behalf. argv is borrowed for the runner's lifetime. */
int runner_new(sd_event *e, char **argv, uint64_t timeout_usec, unsigned queue_max, Runner **ret);
Runner *runner_free(Runner *r);
/* Queue one event (a reference is taken): it runs once everything before it has run. When the
 * queue is full the event is dropped and counted; the count is run as an event of its own
 * ("dropped") as soon as there is room, and said on stderr. -ENOMEM only. */
int runner_push(Runner *r, json_object *event);
/* SIGTERM to a CMD still running (its process group), and say what is left unrun. */
void runner_stop(Runner *r);
/* The environment a CMD gets for one event: JIT_EVENT, JIT_REQUEST_ID and JIT_<KEY> for every
 * other key, JIT_COMMAND as approvers see it; NULL on ENOMEM. Exposed for tests/unit. */
char **runner_event_env(json_object *event, char **base);
void runner_env_free(char **env);
