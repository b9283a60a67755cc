/* How a request names its command: the kinds every part shows and records (docs/dbus-api.md). */
#pragma once

/* The a{sv} key on every request (GetRequest, ListRequests, RequestCreated's summary) and grant
 * (ListGrants) that carries one of the kinds below. */
#define JIT_COMMAND_KIND_KEY "command_kind"

/* sudo_jit.so sent what sudo resolved: the program's absolute path, exactly what runs. */
#define JIT_COMMAND_KIND_EXACT "exact"
/* pam_jit.so under sudo: as typed, the program path absolute (a relative one made absolute
 * against the requester's working directory). */
#define JIT_COMMAND_KIND_TYPED "typed"
/* pam_jit.so under sudo: as typed, a bare program name that sudo resolves through secure_path. */
#define JIT_COMMAND_KIND_BARE "bare"
/* sudo's arguments could not be read: shown raw, matching no Command= rule and no command grant. */
#define JIT_COMMAND_KIND_UNPARSED "unparsed"
/* Not sudo (su, login, sshd...): the host program, as the kernel names it, and its arguments. */
#define JIT_COMMAND_KIND_HOST "host"
/* No command at all: a request or grant for anything through the service. */
#define JIT_COMMAND_KIND_ANY "any"

/* A grant's "scope": the one command it was given for, or any command through its service. */
#define JIT_SCOPE_COMMAND "command"
#define JIT_SCOPE_SERVICE "service"

/* Before an exact command whose environment the user sets (sudo VAR=value ..., sudo -E). */
#define JIT_COMMAND_ENV_SHOWN "(ENVIRONMENT SET BY THE USER) "

/* What people see for a request or grant that covers any command. */
#define JIT_COMMAND_ANY_SHOWN "ANY COMMAND (whole service)"

/* The directories of sudo's secure_path in Debian's default sudoers. An exact command that lies in
 * one of them is also known by its bare name, as the PAM path and `jitctl request` name it. */
#define JIT_SECURE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
