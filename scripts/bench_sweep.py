#!/usr/bin/env python3
"""Side-by-side sweep on Old Faithful: this program's TPE sweep against shared/reference's
optuna_torch.py (Optuna TPE + PyTorch), for several seeds, on identical rows.

For each seed the test rows (20 %, numpy default_rng(seed), as optuna_torch.py holds out without
--test) and the validation rows (20 % of the rest, default_rng(seed) again, as optuna_torch.py
splits its training file) are written to CSV files, so both sides tune on the same validation
rows and are scored on the same test rows. Prints one JSON line per side and seed, then a table.

  python scripts/bench_sweep.py --bin target/release/density-workbench --seeds 0 1 2 3 4 \
      [--reference ../shared/reference/optuna_torch.py] [--trials 24] [--skip-reference]
"""
import argparse, csv, json, os, statistics, subprocess, sys, tempfile

import numpy as np


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def split_files(data, seed, out):
    with open(data) as f:
        r = csv.reader(f)
        header = next(r)
        rows = list(r)
    # optuna_torch.py: test = first 20 % of default_rng(seed).permutation(n) ...
    p = np.random.default_rng(seed).permutation(len(rows))
    nte = int(round(0.2 * len(rows)))
    test, train = [rows[i] for i in p[:nte]], [rows[i] for i in p[nte:]]
    # ... and validation = first 20 % of a fresh default_rng(seed).permutation of the rest.
    q = np.random.default_rng(seed).permutation(len(train))
    nva = int(round(0.2 * len(train)))
    val, fit = [train[i] for i in q[:nva]], [train[i] for i in q[nva:]]
    files = {}
    for name, part in (("train", train), ("test", test), ("val", val), ("fit", fit)):
        files[name] = os.path.join(out, f"{name}.csv")
        write(files[name], header, part)
    return files


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON line in output:\n{text}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/density-workbench")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "datasets", "faithful.csv"))
    ap.add_argument("--space", default=os.path.join(os.path.dirname(__file__), "..", "docs", "sweep-space.toml"))
    ap.add_argument("--reference", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "reference", "optuna_torch.py"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--trials", type=int, default=24)
    ap.add_argument("--ensemble", type=int, default=5)
    ap.add_argument("--skip-reference", action="store_true")
    a = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in a.seeds:
            d = os.path.join(tmp, str(seed))
            os.makedirs(d)
            f = split_files(a.data, seed, d)
            ours = subprocess.run(
                [a.bin, "sweep", "--data", f["fit"], "--val", f["val"], "--test", f["test"],
                 "--x", "waiting", "--y", "eruptions", "--space", a.space, "--trials", str(a.trials),
                 "--seed", str(seed), "--journal", os.path.join(d, "sweep.log"),
                 "--ensemble", str(a.ensemble), "--out", os.path.join(d, "ensemble.json"), "--json"],
                capture_output=True, text=True, check=True)
            s = last_json(ours.stdout)
            row = dict(side="workbench", seed=seed, wall_seconds=s["wall_seconds"],
                       journal_seconds=s["journal_seconds"], best_value=s["best_value"],
                       best_test_nll=s["best_test_nll"], ensemble_test_nll=s.get("ensemble_test_nll"),
                       best_params=s["best_params"])
            print(json.dumps(row), flush=True)
            results.append(row)
            if not a.skip_reference:
                ref = subprocess.run(
                    [sys.executable, a.reference, "--train", f["train"], "--test", f["test"],
                     "--x", "waiting", "--y", "eruptions", "--trials", str(a.trials), "--seed", str(seed)],
                    capture_output=True, text=True, check=True)
                r = last_json(ref.stdout)
                row = dict(side="optuna+pytorch", seed=seed, wall_seconds=r["wall_seconds"],
                           best_value=r["best_value"], best_test_nll=r["best_test_nll"],
                           best_params=r["best_params"])
                print(json.dumps(row), flush=True)
                results.append(row)
    print(f"\n| seed | side | wall s | best val NLL | its test NLL | ensemble of {a.ensemble}, test NLL |")
    print("|---|---|---|---|---|---|")
    for r in results:
        ens = r.get("ensemble_test_nll")
        print(f"| {r['seed']} | {r['side']} | {r['wall_seconds']:.2f} | {r['best_value']:.4f} | "
              f"{r['best_test_nll']:.4f} | {'' if ens is None else f'{ens:.4f}'} |")
    for side in ("workbench", "optuna+pytorch"):
        rs = [r for r in results if r["side"] == side]
        if rs:
            print(f"{side}: mean best test NLL {statistics.mean(r['best_test_nll'] for r in rs):.4f}, "
                  f"mean wall {statistics.mean(r['wall_seconds'] for r in rs):.2f} s over {len(rs)} seeds")


if __name__ == "__main__":
    main()
