#!/usr/bin/env python3
"""Checks density-workbench's sweep journal with the real optuna package (run by
scripts/optuna-check.sh). Exits non-zero with a message on the first mismatch."""
import argparse, json, math, pathlib, subprocess, sys

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

SPACE = """head = "mixture"
epochs = 12
batch_size = 32

[search]
lr = { log_uniform = [1e-3, 3e-2] }
width = { choice = [8, 16] }
depth = { int = [1, 2] }
components = { int = [1, 3] }
activation = { choice = ["relu", "tanh"] }
"""


def check(condition, message):
    if not condition:
        sys.exit(f"optuna-check: FAILED: {message}")


def sweep(bin_path, work, journal, trials, *extra):
    cmd = [bin_path, "sweep", "--data", "datasets/faithful.csv", "--x", "waiting", "--y", "eruptions",
           "--space", str(work / "space.toml"), "--trials", str(trials), "--journal", str(journal),
           "--study-name", "check", "--parallel", "2", "--json", *extra]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    lines = [json.loads(l) for l in out.splitlines() if l.strip()]
    check(lines and lines[-1]["type"] == "summary", f"no summary line from {' '.join(cmd)}")
    return lines


def load(journal):
    return optuna.load_study(study_name="check", storage=JournalStorage(JournalFileBackend(str(journal))))


def suggest(trial):
    return dict(lr=trial.suggest_float("lr", 1e-3, 3e-2, log=True),
                width=trial.suggest_categorical("width", [8, 16]),
                depth=trial.suggest_int("depth", 1, 2),
                components=trial.suggest_int("components", 1, 3),
                activation=trial.suggest_categorical("activation", ["relu", "tanh"]))


def ours_to_optuna(bin_path, work):
    journal = work / "ours.log"
    lines = sweep(bin_path, work, journal, 8, "--prune", "asha", "--seed", "3")
    trial_lines = {l["number"]: l for l in lines if l["type"] == "trial"}
    summary = lines[-1]
    study = load(journal)
    trials = study.get_trials(deepcopy=False)
    check(len(trials) == 8, f"optuna sees {len(trials)} trials, expected 8")
    check(study.direction == optuna.study.StudyDirection.MINIMIZE, "direction is not MINIMIZE")
    for t in trials:
        ours = trial_lines[t.number]
        check(t.state.name == ours["state"], f"trial {t.number}: state {t.state.name} vs ours {ours['state']}")
        check(t.params == ours["params"], f"trial {t.number}: params {t.params} vs ours {ours['params']}")
        check(set(t.distributions) == {"lr", "width", "depth", "components", "activation"},
              f"trial {t.number}: distributions {t.distributions}")
        check(len(t.intermediate_values) == ours["epochs"],
              f"trial {t.number}: {len(t.intermediate_values)} intermediate values, {ours['epochs']} epochs")
        check(sorted(t.intermediate_values) == list(range(1, ours["epochs"] + 1)), f"trial {t.number}: steps")
        last = t.intermediate_values[max(t.intermediate_values)]
        check(math.isclose(t.value, ours["value"], rel_tol=0, abs_tol=0), f"trial {t.number}: value")
        check(t.value == last, f"trial {t.number}: value {t.value} is not the last intermediate value {last}")
        check(t.datetime_start is not None and t.datetime_complete is not None, f"trial {t.number}: times")
    check(study.best_trial.number == summary["best_trial"], "best trial differs")
    check(study.best_value == summary["best_value"], "best value differs")
    # Optuna appends to our journal with the same distributions (it checks they are compatible).
    study.optimize(lambda t: sum(v for v in suggest(t).values() if isinstance(v, (int, float))), n_trials=2)
    check(len(load(journal).trials) == 10, "optuna could not append to our journal")
    # And we resume after it: the study should reach 12 trials.
    lines = sweep(bin_path, work, journal, 12, "--prune", "asha", "--seed", "3")
    study = load(journal)
    check(len(study.trials) == 12, f"after resuming: {len(study.trials)} trials, expected 12")
    check(all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in study.trials), "states after resume")
    print(f"optuna {optuna.__version__} reads our journal: 8 trials "
          f"({sum(t.state == TrialState.PRUNED for t in trials)} pruned), params, values and intermediate "
          "values match; it appends to it, and we resume after it")


def optuna_to_ours(bin_path, work):
    journal = work / "theirs.log"
    storage = JournalStorage(JournalFileBackend(str(journal)))
    study = optuna.create_study(study_name="check", storage=storage, direction="minimize",
                                sampler=optuna.samplers.RandomSampler(seed=0))

    def objective(trial):
        p = suggest(trial)
        for step in range(1, 4):
            trial.report(1.0 + p["lr"] * step, step)
        return 1.0 + p["lr"]

    study.optimize(objective, n_trials=3)
    lines = sweep(bin_path, work, journal, 5)
    summary = lines[-1]
    check(summary["trials"] == 5 and summary["started_this_run"] == 2,
          f"resuming optuna's journal: {summary['trials']} trials, {summary['started_this_run']} started")
    study = load(journal)
    check(len(study.trials) == 5, f"optuna sees {len(study.trials)} trials after our resume")
    check(all(t.state == TrialState.COMPLETE for t in study.trials), "states after our resume")
    # A different space is refused without touching the journal.
    before = journal.read_bytes()
    (work / "space.toml").write_text(SPACE.replace("[1e-3, 3e-2]", "[1e-4, 3e-2]"))
    bad = subprocess.run([bin_path, "sweep", "--data", "datasets/faithful.csv", "--x", "waiting", "--y",
                          "eruptions", "--space", str(work / "space.toml"), "--trials", "6", "--journal",
                          str(journal), "--study-name", "check"], capture_output=True, text=True)
    (work / "space.toml").write_text(SPACE)
    check(bad.returncode != 0 and "lr" in bad.stderr, f"another space was not refused: {bad.stderr}")
    check(journal.read_bytes() == before, "a refused sweep changed the journal")
    print("we resume a journal optuna wrote (3 optuna trials + 2 of ours), and refuse another space")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    work = pathlib.Path(a.work)
    (work / "space.toml").write_text(SPACE)
    ours_to_optuna(a.bin, work)
    optuna_to_ours(a.bin, work)
    print("optuna-check: OK")


if __name__ == "__main__":
    main()
