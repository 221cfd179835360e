#!/usr/bin/env bash
# Checks the sweep journal against the real Optuna package, both ways: Optuna reads a journal
# this program wrote (trials, states, params, values, intermediate values), and this program
# resumes a journal Optuna wrote (and Optuna then appends to it again).
# Needs python3 with venv and PyPI; the virtual environment is cached in target/optuna-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/optuna-venv
if ! "$venv/bin/python" -c "import optuna" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet optuna
fi
bin=${DW_BIN:-}
if [ -z "$bin" ]; then
    cargo build --quiet --no-default-features
    bin=target/debug/density-workbench
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" scripts/optuna_check.py --bin "$bin" --work "$work"
