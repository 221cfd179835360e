#!/usr/bin/env bash
# Runs a 12-trial sweep with 3 workers through a real (local, single-node) Slurm cluster with
# --wait, then a scancel'd task recovered by rerunning the same command, and checks both journals
# with the real optuna package. Starts the cluster (scripts/local-slurm.sh) and stops it after,
# even on failure. Needs root and apt (for slurm-wlm, munge), python3 with venv and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=$root/target/optuna-venv
if ! "$venv/bin/python" -c "import optuna" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet optuna
fi
bin=${DW_BIN:-}
if [ -z "$bin" ]; then
    cargo build --quiet --release --no-default-features
    bin=target/release/density-workbench
fi
bin=$(realpath "$bin")
work=$(mktemp -d)
cleanup() {
    "$root/scripts/local-slurm.sh" stop || true
    rm -rf "$work"
}
trap cleanup EXIT
scripts/local-slurm.sh start

fail() {
    echo "slurm-check: FAILED: $*" >&2
    exit 1
}

cat >"$work/space.toml" <<'EOF'
head = "mixture"
# Long enough (about a second a trial) that a task is cancelled mid-trial.
epochs = 4000
batch_size = 32

[search]
lr = { log_uniform = [1e-3, 3e-2] }
width = { choice = [8, 16] }
depth = { int = [1, 2] }
components = { int = [1, 3] }
EOF
sweep() {
    "$bin" sweep --data "$root/datasets/faithful.csv" --x waiting --y eruptions \
        --space "$work/space.toml" --trials 12 --study-name check --backend slurm --workers 3 "$@"
}

# Optuna's view of a journal: "<complete> <fail> <running> <other>".
optuna_counts() {
    "$venv/bin/python" - "$1" <<'EOF'
import sys
import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState
study = optuna.load_study(study_name="check", storage=JournalStorage(JournalFileBackend(sys.argv[1])))
trials = study.get_trials(deepcopy=False)
n = lambda s: sum(t.state == s for t in trials)
for t in trials:
    if t.state == TrialState.COMPLETE:
        assert t.value is not None and t.value == t.value, f"trial {t.number}: no value"
        assert set(t.params) == {"lr", "width", "depth", "components"}, f"trial {t.number}: {t.params}"
print(n(TrialState.COMPLETE), n(TrialState.FAIL), n(TrialState.RUNNING),
      len(trials) - n(TrialState.COMPLETE) - n(TrialState.FAIL) - n(TrialState.RUNNING))
EOF
}

cd "$work"
echo "== 12 trials, 3 Slurm workers, --wait" >&2
start=$(date +%s.%N)
sweep --journal "$work/wait.log" --wait --json >"$work/wait.json"
echo "slurm-check: 3 Slurm workers: $(python3 -c "print(round($(date +%s.%N) - $start, 2))") s wall" >&2
counts=$(optuna_counts "$work/wait.log")
[ "$counts" = "12 0 0 0" ] || fail "optuna sees (complete fail running other) $counts, expected 12 0 0 0"
grep -q '"type":"summary"' "$work/wait.json" || fail "no summary line"
ls "$work"/wait-slurm-*_{0,1,2}.log >/dev/null || fail "not one log per array task"

echo "== a scancel'd job, recovered by rerunning the same command" >&2
job=$(sweep --journal "$work/cancel.log")
# Cancel the whole array a moment after task 0 has started (it then has a trial running; the
# other tasks, had they lived, would have marked it FAIL and finished the study themselves).
for _ in $(seq 1 300); do
    grep -q "^sweep" "$work/cancel-slurm-${job}_0.log" 2>/dev/null && break
    sleep 0.2
done
sleep 0.7
scancel "$job"
while [ "$(squeue --noheader --array --jobs "$job" 2>/dev/null | wc -l)" -gt 0 ]; do sleep 0.5; done
before=$(optuna_counts "$work/cancel.log")
echo "slurm-check: after scancel, optuna sees (complete fail running other) $before" >&2
sweep --journal "$work/cancel.log" --wait --json >"$work/cancel.json"
after=$(optuna_counts "$work/cancel.log")
echo "slurm-check: after the rerun: $after" >&2
read -r complete failed running other <<<"$after"
[ "$complete" -eq 12 ] && [ "$running" -eq 0 ] && [ "$other" -eq 0 ] ||
    fail "after the rerun optuna sees $after, expected 12 complete and none running"
read -r _ _ running_before _ <<<"$before"
[ "$running_before" -ge 1 ] || fail "the cancelled job left no trial running (it was cancelled too late)"
[ "$failed" -eq "$running_before" ] ||
    fail "the $running_before trial(s) the cancelled job left running are not all FAIL ($failed failed)"
echo "slurm-check: passed" >&2
