#!/usr/bin/env bash
# Runs every fuzz target for a fixed time each (default 300 seconds), one
# after the other, from corpora seeded by seed.sh. Findings land in
# artifacts/<target>/; each becomes a regression test in the main suite.
#   fuzz/run.sh            # 5 minutes per target
#   fuzz/run.sh 60 expression
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-300}
shift || true
targets=("${@:-load_policy expression decide_request}")
[ -d corpus ] || ./seed.sh
for target in ${targets[@]}; do
    mkdir -p "artifacts/$target"
    # -timeout flags any input that takes more than 10 s: evaluation is
    # meant to be linear in the size of the policy and request.
    RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$target/" -print_final_stats=1
done
