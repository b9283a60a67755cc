/* jitctl's context and the verbs each file provides. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

typedef struct Ctl {
        const char *host; /* -H [USER@]HOST: reach jitd over SSH */
        bool json;
        sd_bus *bus;
} Ctl;

/* Exit statuses, as DESIGN §3 fixes them. */
#define EXIT_REFUSED 1
#define EXIT_USAGE 2

int ctl_bus(Ctl *ctl, sd_bus **ret);

/* requests.c: verbs that talk to jitd */
int verb_list(Ctl *ctl, int argc, char *argv[]);
int verb_show(Ctl *ctl, int argc, char *argv[]);
int verb_approve(Ctl *ctl, int argc, char *argv[]);
int verb_deny(Ctl *ctl, int argc, char *argv[]);
int verb_cancel(Ctl *ctl, int argc, char *argv[]);
int verb_grants(Ctl *ctl, int argc, char *argv[]);
int verb_revoke(Ctl *ctl, int argc, char *argv[]);
int verb_request(Ctl *ctl, int argc, char *argv[]);
int verb_watch(Ctl *ctl, int argc, char *argv[]);
