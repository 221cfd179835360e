#!/usr/bin/env bash
# Checks docs/evaluate_model.py against `density-workbench predict` for a mixture, a Normal
# and a Bernoulli model. Needs python3 with numpy (PYTHON=/path/to/python to choose one).
# Usage: docs/check_evaluate_model.sh [path/to/density-workbench]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-${CARGO_TARGET_DIR:-$here/../target}/release/density-workbench}"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

check() { # name preset head
    "$bin" generate --preset "$2" --n 3000 --seed 1 --out "$1.csv" 2>/dev/null
    "$bin" train --data "$1.csv" --head "$3" --hidden 32:relu,32:tanh --epochs 5 --seed 3 \
        --out "$1.json" >/dev/null 2>&1
    "$bin" predict --model "$1.json" --data "$1.csv" --out "$1.pred.csv" 2>/dev/null
    "$python" - "$1" "$here" <<'PY'
import csv, json, sys
import numpy as np
name, here = sys.argv[1], sys.argv[2]
sys.path.insert(0, here)
from evaluate_model import log_prob
model = json.load(open(f"{name}.json"))
rows = list(csv.DictReader(open(f"{name}.pred.csv")))
inputs, target = model["architecture"]["inputs"], model["architecture"]["target"]
X = np.array([[float(r[c]) for c in inputs] for r in rows])
y = np.array([float(r[target]) for r in rows])
expected = np.array([float(r["log_prob"]) for r in rows])
diff = np.abs(log_prob(model, X, y) - expected)
head = model["architecture"]["head"]
print(f"{name:10s} {json.dumps(head):38s} rows {len(rows)}  max |diff| {diff.max():.2e}  mean |diff| {diff.mean():.2e}")
sys.exit(0 if diff.max() < 1e-3 else 1)
PY
}
check mixture lognormal mixture:8
check normal heteroscedastic normal
check bernoulli moons bernoulli
echo "evaluate_model.py agrees with density-workbench predict"
