#!/usr/bin/env bash
# carecircle access beside PySAL access (bench/access_peer.py: two_stage_fca, Gaussian weights) on the same
# dataset folder: both whole processes timed, then every area's score compared (exit 1 above 1e-9 relative).
#
#     carecircle synth --areas 20000 --facilities 400 --out /tmp/acc20k
#     bench/access.sh /tmp/acc20k
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: bench/access.sh DATASET_DIR [SIGMA_M]}
sigma=${2:-350}
source bench/venv.sh
/usr/bin/time -f "carecircle access   %e s %M KB" target/release/carecircle access "$dir" --rules bench/radius-only.toml \
    --rule anxi-2022/service-radius --kernel gaussian --sigma "$sigma" --format json > "$out/ours.json"
/usr/bin/time -f "PySAL access        %e s %M KB" "$venv/bin/python" bench/access_peer.py "$dir" "$out/ours.json" "$sigma"
