#!/bin/bash
# The notification examples in packaging/examples, as shipped: both units pass systemd-analyze
# verify, and their ExecStart= lines (read from the unit files) deliver real events: the webhook
# unit's curl posts each event's JSON to an HTTP server, the mail unit's script sends a mail per
# new request over SMTP with curl. The webhook runs as a user who is not an approver (as the
# unit's DynamicUser): it hears no reason. A reason that tries to add a mail header cannot.
source "$(dirname "$0")/../lib.sh"

plan 17

EX=$JIT_SRC/packaging/examples
SINK=$JIT_SRC/tests/helpers/notify-sink.py
jit_config <<CONF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
CONF
jit_restart || bail_out "jitd does not start"

top=$(mktemp -d /tmp/notify.XXXXXX) && chmod 0755 "$top" || bail_out "no tmp"
mkdir -m 0700 "$top/dave" "$top/bob" && chown dave: "$top/dave" && chown bob: "$top/bob"
mkdir -m 0755 "$top/hook" "$top/smtp"

# --- systemd-analyze verify, with the paths of this tree ---------------------------------------
if command -v systemd-analyze >/dev/null; then
    # --man=no: Documentation=man:jitctl(1) is installed by the package, not here.
    sed "s|/usr/bin/jitctl|$JIT_BUILD/jitctl|" "$EX/jit-notify-webhook.service" >"$top/jit-notify-webhook.service"
    # clean UNIT ARGS...: verify passes and warns of nothing (an unknown key is only a warning).
    clean() {
        local out
        out=$("${@:2}" "$1" 2>&1) && [[ -z $out ]] || {
            echo "$out"
            return 1
        }
    }
    ok "systemd-analyze verify accepts jit-notify-webhook.service, without a warning" \
        clean "$top/jit-notify-webhook.service" systemd-analyze verify --man=no
    sed -e "s|/usr/bin/jitctl|$JIT_BUILD/jitctl|" -e "s|%h/.local/bin/jit-notify-mail|$EX/jit-notify-mail|" \
        "$EX/jit-notify-mail.service" >"$top/jit-notify-mail.service"
    # A user manager wants a runtime directory; the sandbox's root session has none.
    mkdir -m 0700 "$top/xdg"
    ok "systemd-analyze verify accepts jit-notify-mail.service (a user unit), without a warning" \
        clean "$top/jit-notify-mail.service" env XDG_RUNTIME_DIR="$top/xdg" systemd-analyze --user verify --man=no
else
    skip "systemd-analyze is not installed" 2
fi
ok "both units keep NoNewPrivileges=yes" grep -qx 'NoNewPrivileges=yes' "$EX/jit-notify-webhook.service" "$EX/jit-notify-mail.service"
ok "the webhook unit runs as a DynamicUser with ProtectSystem=strict" \
    eval "grep -qx 'DynamicUser=yes' '$EX/jit-notify-webhook.service' && grep -qx 'ProtectSystem=strict' '$EX/jit-notify-webhook.service'"

# --- the sinks ------------------------------------------------------------------------------------
jit_bg hooksink -- /usr/bin/python3 "$SINK" http "$top/hook"
jit_bg smtpsink -- /usr/bin/python3 "$SINK" smtp "$top/smtp"
wait_for 10 test -s "$top/hook/port" && wait_for 10 test -s "$top/smtp/port" || bail_out "the sinks do not listen"

# --- the units' ExecStart= lines, as written, with this tree's paths ---------------------------------
# The webhook's: %d is the credentials directory, holding the curl config as "webhook".
echo "url = \"http://127.0.0.1:$(<"$top/hook/port")/hook\"" >"$top/dave/webhook"
chown dave: "$top/dave/webhook" && chmod 0600 "$top/dave/webhook"
line=$(sed -n 's/^ExecStart=//p' "$EX/jit-notify-webhook.service")
line=${line//\/usr\/bin\/jitctl/$JIT_BUILD/jitctl}
line=${line//%d/$top/dave}
eval "hook=($line)"
jit_bg hook --as dave -- "${hook[@]}"

# The mail's: its EnvironmentFile says where to send; curl's config says how.
cat >"$top/bob/smtp.curlrc" <<EOF
url = "smtp://127.0.0.1:$(<"$top/smtp/port")"
mail-from = "jit@example.com"
mail-rcpt = "bob@example.com"
EOF
chown bob: "$top/bob/smtp.curlrc" && chmod 0600 "$top/bob/smtp.curlrc"
line=$(sed -n 's/^ExecStart=//p' "$EX/jit-notify-mail.service")
line=${line//\/usr\/bin\/jitctl/$JIT_BUILD/jitctl}
line=${line//%h\/.local\/bin\/jit-notify-mail/$EX/jit-notify-mail}
eval "mail=($line)"
jit_bg mail --as bob -- env NOTIFY_MAIL_TO=bob@example.com NOTIFY_SMTP_CONFIG="$top/bob/smtp.curlrc" "${mail[@]}"
wait_for_output hook listening 10 && wait_for_output mail listening 10 || bail_out "the watches do not start"

# --- events ------------------------------------------------------------------------------------------
a=$(jit_ctl alice request --reason "deploy 4.2" -- systemctl restart nginx | jit_request_id)
like "$a" "^$JIT_ID_RE\$" "alice asks ahead of time ($a)"
ok "bob approves $a" jit_ctl bob approve "$a" --comment "go"
b=$(jit_ctl alice request --reason $'x\nBcc: evil@example.com' -- id | jit_request_id)
like "$b" "^$JIT_ID_RE\$" "alice asks again, her reason trying to add a mail header ($b)"

ok "the webhook got three posts (created, decided, created)" wait_for 15 test -s "$top/hook/3"
is "$(jq -r '"\(.event) \(.id) \(.user) \(.command)"' "$top/hook/1")" "created $a alice systemctl restart nginx" \
    "post 1: the created event's JSON, as is (Content-Type: application/json)"
is "$(jq -r '"\(.event) \(.state) \(.by)"' "$top/hook/2")" "decided approved bob" "post 2: approved by bob"
is "$(jq -r 'has("reason")' "$top/hook/1")" false "a watcher who is not an approver hears no reason"

ok "two mails, one per new request (decisions are not mailed by default)" wait_for 15 test -s "$top/smtp/2"
head1=$(sed '/^$/q' "$top/smtp/1")
like "$head1" $'Subject: pam_jit on [^\n]*: alice wants sudo \\('"$a"'\)' "mail 1: the subject names alice and $a"
body1=$(sed '1,/^$/d' "$top/smtp/1")
like "$body1" $'reason: +deploy 4\\.2\n' "mail 1: bob, an approver, reads the reason"
like "$body1" "jitctl approve $a" "mail 1: how to approve"
head2=$(sed '/^$/q' "$top/smtp/2")
unlike "$head2" $'\nBcc:' "mail 2: the reason's newline adds no header"
ok "mail 2: the reason arrives escaped in the body" grep -qF 'x\x0aBcc: evil@example.com' "$top/smtp/2"
