/* jitctl watch --exec: the environment a command gets for one event. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "jit-command.h"
#include "jit-limits.h"
#include "tap.h"
#include "watch-exec.h"

/* The value of NAME in env, or NULL; how many entries start with NAME=. */
static const char *get(char **env, const char *name, int *ret_count)
{
        const char *found = NULL;
        size_t n = strlen(name);
        int count = 0;

        for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], name, n) == 0 && env[i][n] == '=') {
                        found = found ? found : env[i] + n + 1;
                        count++;
                }
        if (ret_count)
                *ret_count = count;
        return found;
}

static json_object *event(const char *json)
{
        return json_tokener_parse(json);
}

int main(void)
{
        char *base[] = {"PATH=/usr/bin:/bin", "JIT_USER=forged", "JIT_EVENT=forged", "WEBHOOK_URL=https://x",
                        NULL};
        Tap t = {};
        json_object *o;
        char **env;
        int count;

        o = event("{\"event\":\"created\",\"id\":\"K7Q2-M9XA\",\"state\":\"pending\",\"user\":\"alice\","
                  "\"service\":\"sudo\",\"command\":\"\",\"command_kind\":\"any\",\"deadline_usec\":123}");
        env = runner_event_env(o, base);
        tap_ok(&t, env != NULL, "an environment for a created event");
        tap_is_str(&t, get(env, "JIT_EVENT", NULL), "created", "JIT_EVENT");
        tap_is_str(&t, get(env, "JIT_REQUEST_ID", NULL), "K7Q2-M9XA",
                   "id is JIT_REQUEST_ID, as in journald");
        tap_ok(&t, get(env, "JIT_ID", NULL) == NULL, "no JIT_ID besides");
        tap_is_str(&t, get(env, "JIT_DEADLINE_USEC", NULL), "123", "numbers in decimal");
        tap_is_str(&t, get(env, "JIT_COMMAND", &count), JIT_COMMAND_ANY_SHOWN,
                   "a blanket request's JIT_COMMAND says ANY COMMAND, never empty (A40)");
        tap_ok(&t, count == 1, "JIT_COMMAND once");
        tap_is_str(&t, get(env, "JIT_COMMAND_KIND", NULL), "any", "JIT_COMMAND_KIND any");
        tap_is_str(&t, get(env, "JIT_USER", &count), "alice",
                   "JIT_USER is the event's, not the inherited one");
        tap_ok(&t, count == 1, "inherited JIT_* variables are left out");
        tap_is_str(&t, get(env, "PATH", NULL), "/usr/bin:/bin", "the rest of watch's environment is kept");
        tap_is_str(&t, get(env, "WEBHOOK_URL", NULL), "https://x",
                   "(an EnvironmentFile's secrets reach CMD)");
        runner_env_free(env);
        json_object_put(o);

        o = event("{\"event\":\"decided\",\"id\":\"K7Q2-M9XA\",\"state\":\"denied\",\"by\":\"bob\","
                  "\"comment\":\"no\\nFAKE=1\\u001b[31m\\u202e\",\"Bad-Key\":\"x\",\"until_usec\":0}");
        env = runner_event_env(o, NULL);
        tap_ok(&t, env && get(env, "JIT_COMMAND", NULL) == NULL,
               "an event without a command has no JIT_COMMAND");
        tap_is_str(&t, get(env, "JIT_COMMENT", NULL), "no\\x0aFAKE=1\\x1b[31m\\u{202e}",
                   "control, escape and bidi characters escaped: one line, nothing a terminal acts on");
        tap_ok(&t, get(env, "FAKE", NULL) == NULL, "no variable injected through a newline");
        tap_ok(&t, get(env, "JIT_BAD-KEY", NULL) == NULL && get(env, "JIT_BAD_KEY", NULL) == NULL,
               "a key outside [a-z0-9_] is left out");
        tap_is_str(&t, get(env, "JIT_UNTIL_USEC", NULL), "0", "JIT_UNTIL_USEC 0 (no grant)");
        runner_env_free(env);
        json_object_put(o);

        o = event("{\"event\":\"dropped\",\"dropped\":3}");
        env = runner_event_env(o, NULL);
        tap_is_str(&t, get(env, "JIT_EVENT", NULL), "dropped", "the dropped marker: JIT_EVENT=dropped");
        tap_is_str(&t, get(env, "JIT_DROPPED", NULL), "3", "JIT_DROPPED: how many");
        runner_env_free(env);
        json_object_put(o);

        {
                char *big = malloc(3 * JIT_MAX_COMMAND);
                const char *v;

                memset(big, 'a', 3 * JIT_MAX_COMMAND - 1);
                big[3 * JIT_MAX_COMMAND - 1] = '\0';
                o = json_object_new_object();
                json_object_object_add(o, "command", json_object_new_string(big));
                env = runner_event_env(o, NULL);
                v = get(env, "JIT_COMMAND", NULL);
                tap_ok(&t, v && strlen(v) < JIT_MAX_COMMAND, "a value is bounded (%zu bytes)",
                       v ? strlen(v) : 0);
                runner_env_free(env);
                json_object_put(o);
                free(big);
        }
        return tap_done(&t);
}
