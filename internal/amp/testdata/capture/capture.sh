#!/usr/bin/env bash
# Record the AMP traffic of a real Evennia 5.0.1 into internal/amp/testdata.
#
# usage: capture.sh [OUTDIR]   (default: the directory above this script)
#
# Copies the installed game (/opt/evennia-game/mygame, or $EVENNIA_GAMEDIR)
# to a temporary directory, and gives its processes two AMP ports: the
# Portal listens on one (P+6), the Server and the launcher dial the other
# (P+7), where ampproxy.py relays to the Portal and records both directions.
# The choice is made in the copy's settings by looking at sys.argv (the
# Portal runs as "twistd --python=.../portal.py"). Then, with the phase
# file naming the scene being recorded:
#   start    evennia start (launcher status polls, SSTART, the Server's PSYNC)
#   login    a telnet client creates the throwaway account ampcap
#            (password Ampcap-pass-2026, in the captures in clear), connects,
#            looks, says hi and quits
#   status   evennia status
#   reload   a second client logs in as ampcap and stays while evennia
#            reload runs (SRELOAD, SSYNC, the new Server's PSYNC), then
#            looks and quits
#   stop     evennia stop (PSHUTD)
# The connections are numbered in the order they open: c1 the launcher
# (start), c2 the Server, c3 the launcher (status), c4 the launcher
# (reload), c5 the reloaded Server, c6 the launcher (stop).
# Needs the shared Evennia target (../shared/targets/evennia or
# $PORTALSIM_TARGETS/evennia) for start.sh. Leaves nothing running.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/..}"
targets="${PORTALSIM_TARGETS:-$here/../../../../../shared/targets}"
venv="${EVENNIA_VENV:-/opt/evennia-venv}"
src="${EVENNIA_GAMEDIR:-/opt/evennia-game/mygame}"
py="$venv/bin/python"
export PATH="$venv/bin:$PATH"

work="$(mktemp -d /tmp/amp-capture.XXXXXX)"
rec="$work/rec"
mkdir -p "$rec"
cp -a "$src" "$work/mygame"
game="$work/mygame"
rm -f "$game"/server/*.pid "$game"/server/logs/*.log*

base=$("$py" - <<'PY'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(200):
    p = random.randrange(20000, 30990)
    if all(free(p + o) for o in (0, 6, 7)):
        print(p); break
PY
)
[ -n "$base" ] || { echo "capture.sh: no free ports" >&2; exit 1; }
telnet=$base portal_amp=$((base + 6)) proxy_amp=$((base + 7))

cat > "$game/server/conf/capture_settings.py" <<PY
# Written by capture.sh: the Portal listens on the real AMP port; the
# Server and the launcher dial the recording proxy in front of it.
import sys as _sys

AMP_PORT = $portal_amp if any(a.endswith("portal.py") for a in _sys.argv) else $proxy_amp
PY
printf '\ntry:\n    from server.conf.capture_settings import *  # noqa\nexcept ImportError:\n    pass\n' >> "$game/server/conf/settings.py"

proxy_pid="" done=0
cleanup() {
  EVENNIA_GAMEDIR="$game" "$targets/evennia/stop.sh" >/dev/null 2>&1 || true
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  # A failed run keeps its game copy and logs for a look.
  if [ "$done" = 1 ]; then rm -rf "$work"; else echo "capture.sh: logs kept in $work" >&2; fi
}
trap cleanup EXIT

"$py" "$here/ampproxy.py" "$proxy_amp" "$portal_amp" "$rec" &
proxy_pid=$!

phase() { sleep 1; echo "$1" > "$rec/PHASE"; }
# start.sh rewrites runtime_settings.py (AMP_PORT = the Portal's port);
# capture_settings.py, imported after it, points the others at the proxy.
phase start
EVENNIA_GAMEDIR="$game" "$targets/evennia/start.sh" "$telnet" --no-web --amp-port "$portal_amp"

phase login
"$py" "$here/telnet_scene.py" "$telnet" \
  "expect:connect" "send:create ampcap Ampcap-pass-2026" "expect:[Y]/N?" "send:y" \
  "expect:was created" "send:connect ampcap Ampcap-pass-2026" "expect:Limbo" \
  "send:look" "expect:Limbo" "send:say hi" 'expect:You say, "' "send:quit" "close"

phase status
(cd "$game" && evennia status)

phase reload
"$py" "$here/telnet_scene.py" "$telnet" \
  "expect:connect" "send:connect ampcap Ampcap-pass-2026" "expect:Limbo" \
  "touch:$work/in" "await:$work/reloaded" "send:look" "expect:Limbo" "send:quit" "close" &
scene=$!
for _ in $(seq 1 200); do [ -f "$work/in" ] && break; sleep 0.1; done
restarts() { local n; n=$(grep -c "Evennia Server successfully restarted" "$game/server/logs/server.log" 2>/dev/null) || true; echo "${n:-0}"; }
before=$(restarts)
(cd "$game" && evennia reload)
for _ in $(seq 1 240); do
  [ "$(restarts)" -gt "$before" ] && break
  sleep 0.25
done
sleep 1
touch "$work/reloaded"
wait "$scene"

phase stop
(cd "$game" && evennia stop)
sleep 2

mkdir -p "$out"
for f in "$rec"/*.amp; do cp "$f" "$out/"; done
cp "$rec/connections.log" "$out/connections.log"
echo "capture.sh: recorded into $out: $(cd "$rec" && ls *.amp | tr '\n' ' ')"
done=1
