#!/bin/bash
# pam_jit.so under valgrind inside pamtester: approve, deny, timeout and jitd-down paths leave
# no memory error and no leak (the module runs inside long-lived hosts: sshd, login).
source "$(dirname "$0")/../lib.sh"

jit_sanitized && skip_all "sanitizer build: valgrind and ASan do not mix (the ASan build checks leaks itself)"
command -v valgrind >/dev/null || skip_all "valgrind is not installed"
plan 8

vg=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
    --error-exitcode=97 --child-silent-after-fork=yes)
clean() { ! grep -Eq '==[0-9]+== (Invalid|Conditional|Use of uninitialised|.* definitely lost|.* indirectly lost)' \
    "$(jit_bg_err "$1")"; }

jit_bg ok -- "${vg[@]}" pamtester jit-test alice acct_mgmt
id=$(jit_wait_request ok 60)
jit_ctl bob approve "$id" >/dev/null
jit_bg_wait ok 60
is "$?" 0 "approve path: pamtester succeeds under valgrind, no error (status 97 would be one)"
ok "approve path: valgrind reports nothing" clean ok
jit_ctl bob revoke "$id" >/dev/null

jit_bg no -- "${vg[@]}" pamtester jit-test alice acct_mgmt
id=$(jit_wait_request no 60)
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait no 60
is "$?" 1 "deny path: denied (status 1, not 97)"
ok "deny path: valgrind reports nothing" clean no

jit_pam_options jit-test timeout=1
jit_bg late -- "${vg[@]}" pamtester jit-test alice acct_mgmt
jit_bg_wait late 60
is "$?" 1 "timeout path: denied (status 1, not 97)"
ok "timeout path: valgrind reports nothing" clean late

jit_stop >/dev/null
jit_bg down -- "${vg[@]}" pamtester jit-test alice acct_mgmt
jit_bg_wait down 60
is "$?" 1 "jitd down: denied (status 1, not 97)"
ok "jitd down: valgrind reports nothing" clean down
