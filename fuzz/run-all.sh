#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 180) each, one process at a time and niced (the
# machine is shared), starting from the committed seeds; prints each target's runs and time.
# New inputs go to fuzz/corpus/<target>, crashes to fuzz/artifacts/<target> (both ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-180}"
targets=(table_csv table_fits model_file ensemble_file experiment_file sweep_space optuna_journal)
mkdir -p fuzz/logs
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    log="fuzz/logs/$target.log"
    status=0
    nice cargo +nightly fuzz run --sanitizer none "$target" \
        "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        >"$log" 2>&1 || status=$?
    done_line=$(grep -E '^Done [0-9]+ runs in' "$log" | tail -1 || true)
    crashes=$(ls "fuzz/artifacts/$target" 2>/dev/null | wc -l)
    echo "$target: ${done_line:-no summary (exit $status)}; corpus $(ls "fuzz/corpus/$target" | wc -l) inputs; artifacts $crashes"
done
