/* Fuzz command identity (jitd/command.c): the first byte picks the front end and which context
 * items are present, the rest is split on NUL into argv words. Nothing may crash; the result must be
 * bounded and consistent: words exactly when the kind names a program, and the same answer twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jit-command.h"
#include "jitd.h"
#include "util.h"
#include "fuzz-words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const exes[] = {NULL, "/usr/bin/sudo", "/usr/bin/su", "/x/sudo"};
        Command c = {}, again = {};
        CommandInput in = {};
        char *buf, **argv;
        size_t argc = 0;
        uint8_t flags;
        int r, r2;

        if (size < 1 || size > MAX_INPUT)
                return 0;
        flags = data[0];
        data++, size--;
        argv = fuzz_words(data, size, &buf, &argc);

        in.plugin = flags & 1;
        in.ahead = !in.plugin && (flags & 2);
        in.have_argv = argc > 0;
        in.sudoedit = flags & 4;
        in.exe = exes[(flags >> 3) & 3];
        in.service = (flags & 32) ? "sudo" : "su";
        in.cwd = (flags & 64) ? "/home/alice" : NULL;
        in.command = in.plugin && argc > 0 ? argv[0] : NULL;
        in.runas_user = (flags & 128) ? "bob" : NULL;
        in.argv = argv;
        in.argc = argc;

        r = command_identify(&in, &c);
        r2 = command_identify(&in, &again);
        if (r != r2)
                abort();
        if (r == 0) {
                if (!c.shown || strlen(c.shown) >= JIT_MAX_COMMAND || (size_t)c.kind >= _COMMAND_KIND_MAX)
                        abort();
                if ((c.words != NULL) != (c.kind != COMMAND_UNPARSED && c.kind != COMMAND_ANY))
                        abort();
                if (c.alias && c.kind != COMMAND_EXACT)
                        abort();
                if (c.kind != again.kind || strcmp(c.shown, again.shown) != 0 || c.n != again.n)
                        abort();
                for (size_t i = 0; i < c.n; i++)
                        if (!c.words[i] || strcmp(c.words[i], again.words[i]) != 0)
                                abort();
                command_done(&c);
                command_done(&again);
        }
        free(argv);
        free(buf);
        return 0;
}
