/* Fuzz the sudo argv parser. The input is split on NUL into words, as /proc/PID/cmdline is; nothing
 * may crash or read past argc, and an accepted argv must give a consistent answer. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-words.h"
#include "sudo-argv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (64 * 1024)

static bool points_into(const char *p, const char *buf, size_t len)
{
        return !p || (p >= buf && p < buf + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        SudoCommand c, again;
        char *buf, **argv;
        size_t argc = 0;
        int r;

        if (size > MAX_INPUT)
                return 0;
        argv = fuzz_words(data, size, &buf, &argc);

        r = sudo_parse_argv(argv, argc, &c);
        if (r != 0 && r != -EINVAL)
                abort();
        if (r == 0) {
                if (c.command_index > argc)
                        abort();
                if ((c.mode == SUDO_RUN || c.mode == SUDO_EDIT) != (c.command_index < argc))
                        abort();
                if (c.mode == SUDO_SHELL && !c.shell)
                        abort();
                if (c.login_shell && !c.shell)
                        abort();
                if (!points_into(c.run_as_user, buf, size + 1) ||
                    !points_into(c.run_as_group, buf, size + 1))
                        abort();
                /* Pure: the same argv gives the same answer. */
                if (sudo_parse_argv(argv, argc, &again) != 0 || again.mode != c.mode ||
                    again.command_index != c.command_index || again.run_as_user != c.run_as_user ||
                    again.run_as_group != c.run_as_group || again.login_shell != c.login_shell ||
                    again.shell != c.shell)
                        abort();
        }
        free(argv);
        free(buf);
        return 0;
}
