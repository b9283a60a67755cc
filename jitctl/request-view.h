/* How requests and grants look to people (request-view.c), for the verbs in requests.c. */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "jitctl.h"

/* A string or number key of a request or grant object; "" and 0 when absent. */
const char *view_str(json_object *o, const char *key);
uint64_t view_num(json_object *o, const char *key);
/* The command as people see it: "ANY COMMAND (whole service)" for a blanket request or grant. */
const char *command_shown(json_object *o);
void print_table(const Ctl *ctl, json_object *list);
void print_request(const Ctl *ctl, json_object *o);
void print_grants(const Ctl *ctl, json_object *list);
