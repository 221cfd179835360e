#!/usr/bin/env bash
# Screenshots of the real window in a virtual display: installs Xvfb and ImageMagick
# (Debian/Ubuntu) when missing, starts the release build at the given size, waits, and saves
# the screen. Environment switches go through, e.g.
#   DW_FRESH=1 DW_AUTOTRAIN=1 scripts/screenshot.sh 1280x800 12 shot.png
# Optional: SHOT_EVERY=3 also saves shot-1.png, shot-2.png, … every 3 s until the end, and
# SHOT_ACTIONS="sleep 2; xdotool mousemove 100 200 click 1" runs after the window is up.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1280x800}
WAIT=${2:-8}
OUT=${3:-shot.png}
need=()
command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
command -v import >/dev/null 2>&1 || need+=(imagemagick)
command -v xdotool >/dev/null 2>&1 || need+=(xdotool)
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update
    $SUDO apt-get install -y "${need[@]}"
fi
# SHOT_BIN: another build to run (e.g. a copy of an older one, for before/after pairs).
BIN=${SHOT_BIN:-target/release/density-workbench}
[ -x "$BIN" ] || cargo build --release
# SHOT_DISPLAY=:73 picks the display, so parallel sessions do not collide.
DISPLAY_NUM=${SHOT_DISPLAY:-:$((90 + RANDOM % 9))}
Xvfb "$DISPLAY_NUM" -screen 0 "${SIZE}x24" >/dev/null 2>&1 &
XVFB=$!
trap 'kill $APP $XVFB 2>/dev/null || true' EXIT
sleep 1
W=${SIZE%x*}
H=${SIZE#*x}
# The window asks for 1280×800; a smaller screen gets a window of the screen's size.
DISPLAY=$DISPLAY_NUM DW_WINDOW_SIZE="${W}x${H}" "$BIN" &
APP=$!
sleep 2
if [ -n "${SHOT_ACTIONS:-}" ]; then
    DISPLAY=$DISPLAY_NUM bash -c "$SHOT_ACTIONS"
fi
if [ -n "${SHOT_EVERY:-}" ]; then
    i=1
    end=$((SECONDS + WAIT))
    while [ $SECONDS -lt $end ]; do
        sleep "$SHOT_EVERY"
        DISPLAY=$DISPLAY_NUM import -window root "${OUT%.png}-$i.png"
        i=$((i + 1))
    done
else
    sleep "$WAIT"
fi
DISPLAY=$DISPLAY_NUM import -window root "$OUT"
echo "saved $OUT"
