#!/usr/bin/env bash
# Runs the window on a machine without a display: installs Xvfb (Debian/Ubuntu) when it is
# missing, then starts the release build inside a virtual 1280×800 screen. Extra arguments go
# to the program, e.g. environment switches: DW_AUTOTRAIN=1 scripts/run-headless.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v xvfb-run >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update
    $SUDO apt-get install -y xvfb
fi
cargo build --release
exec xvfb-run -a -s "-screen 0 1280x800x24" target/release/density-workbench "$@"
