/* Fuzz the sudo argv parser. The input is split on NUL into words, as /proc/PID/cmdline is; nothing
 * may crash or read past argc, and an accepted argv must give a consistent answer. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
        size_t argc = 0, k = 0;
        int r;

        if (size > MAX_INPUT)
                return 0;
        /* A NUL after the last word, as in cmdline; a trailing NUL in the input ends the last word. */
        buf = malloc(size + 1);
        if (!buf)
                abort();
        memcpy(buf, data, size);
        buf[size] = '\0';
        for (size_t i = 0; i < size; i++)
                if (buf[i] == '\0' || i == size - 1)
                        argc++;
        /* An array of exactly argc words, so that AddressSanitizer catches a read of argv[argc]. */
        argv = malloc(argc ? argc * sizeof(char *) : 1);
        if (!argv)
                abort();
        for (size_t i = 0; k < argc; i++) {
                argv[k++] = buf + i;
                i += strlen(buf + i);
        }

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
