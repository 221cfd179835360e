#!/usr/bin/env bash
# Which schedule and learning rate get the seed experiment closest to the true density?
# For each seed S: a TPE sweep of docs/schedule-space.toml on preset:lognormal with 125 000 rows
# (data seed S; 100 000 train, a seeded 25 000 validation split), scored on 20 000 fresh rows
# (data seed 7). Then the recipe best on average is retrained on each seed's 100 000 rows (no
# validation split) and scored on the fresh rows against the true density's NLL.
#
# Usage: scripts/schedule_study.sh [TRIALS] [SEEDS...]   (env: B=path/to/density-workbench)
set -euo pipefail
trials=${1:-16}; shift || true
seeds=("${@:-0 1 2}"); read -r -a seeds <<<"${seeds[*]}"
B=${B:-target/release/density-workbench}
space=${SPACE:-docs/schedule-space.toml}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
"$B" generate --preset lognormal --n 20000 --seed 7 --out "$dir/fresh.csv" >/dev/null 2>&1
for s in "${seeds[@]}"; do
  "$B" sweep --data preset:lognormal --n 125000 --data-seed "$s" --test "$dir/fresh.csv" \
    --space "$space" --trials "$trials" --seed "$s" --journal "$dir/sweep-$s.log" --json \
    2>/dev/null | tee "$dir/sweep-$s.jsonl" | tail -1 | python3 -c '
import json, sys; s = json.loads(sys.stdin.read()); k = "best_test_nll"
print("seed", sys.argv[1], "best trial", s["best_trial"], s["best_params"], "val NLL %.4f," % s["best_value"],
      "fresh-row NLL %.4f," % s[k], "%.0f s" % s["wall_seconds"])' "$s"
done
# Every trial of every seed, grouped by schedule; the recipe with the best validation NLL is
# then retrained on each seed's 100 000 rows and scored against the truth on the fresh rows.
python3 - "$dir" "$B" "${seeds[@]}" <<'PY'
import json, subprocess, sys, collections
d, B, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
by = collections.defaultdict(list)
for s in seeds:
    for line in open(f"{d}/sweep-{s}.jsonl"):
        t = json.loads(line)
        if t.get("type") == "trial" and t.get("state") == "COMPLETE":
            by[t["params"]["schedule"]].append((t["value"], t["test_nll"], t["params"]["lr"], s))
print("\n| schedule | trials | best val NLL | its fresh-row NLL | its lr |\n|---|---|---|---|---|")
for sched, ts in sorted(by.items(), key=lambda kv: min(kv[1])[0]):
    v, t, lr, s = min(ts)
    print(f"| {sched} | {len(ts)} | {v:.4f} | {t:.4f} | {lr:.2e} (seed {s}) |")
sched, (v, t, lr, s) = min(((k, min(ts)) for k, ts in by.items()), key=lambda kv: kv[1][0])
lr = float(f"{lr:.2g}")
print(f"\nrecipe: --schedule {sched} --lr {lr}, retrained on 100 000 rows per seed:")
print("| seed | fresh-row NLL | truth | above the truth |\n|---|---|---|---|")
for s in seeds:
    model = f"{d}/recipe-{s}.json"
    subprocess.run([B, "train", "--data", "preset:lognormal", "--n", "100000", "--data-seed", s,
                    "--seed", s, "--test", f"{d}/fresh.csv", "--schedule", sched, "--lr", str(lr),
                    "--out", model], check=True, capture_output=True)
    e = json.loads(subprocess.run([B, "eval", "--model", model, "--data", "preset:lognormal", "--n",
                    "20000", "--data-seed", "7", "--json"], check=True, capture_output=True,
                    text=True).stdout)
    print(f"| {s} | {e['nll']:.4f} | {e['truth']['nll']:.4f} | {e['nll'] - e['truth']['nll']:+.4f} |")
PY
