#!/usr/bin/env bash
# carecircle beside its peers on the same dataset folder, each a whole process (reading, judging, writing),
# with wall time and peak memory (GNU time), best of RUNS (default 3):
#
#     carecircle synth --areas 300000 --facilities 30000 --out /tmp/s300k
#     bench/whole.sh /tmp/s300k
#
# Builds the release binary and installs the Python peers (bench/requirements.txt) into target/bench-venv
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: bench/whole.sh DATASET_DIR [RUNS]}
runs=${2:-3}
source bench/venv.sh
best() { # name, command...: the fastest of $runs runs, and its peak memory
    local name=$1; shift
    local best_t="" best_m=""
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$out/time" "$@" > "$out/$name.json" 2> "$out/$name.err"
        read -r t m < "$out/time"
        if [ -z "$best_t" ] || awk "BEGIN{exit !($t < $best_t)}"; then best_t=$t; best_m=$m; fi
    done
    printf '%-44s %7.2f s %7.0f MB\n' "$name" "$best_t" "$(awk "BEGIN{print $best_m/1024}")"
    echo "$best_t" > "$out/$name.t"
}
echo "dataset: $dir ($(du -sh "$dir" | cut -f1)), best of $runs"
best "carecircle (radius rule only)" target/release/carecircle check "$dir" --rules bench/radius-only.toml --format json
best "carecircle (anxi-2022, 7 rules)" target/release/carecircle check "$dir" --rules anxi-2022 --format json
best "json + shapely $("$venv/bin/python" -c 'import shapely; print(shapely.__version__)')" sh -c "$venv/bin/python bench/peer_whole.py json '$dir' /dev/stdout"
best "pyogrio + shapely" sh -c "$venv/bin/python bench/peer_whole.py pyogrio '$dir' /dev/stdout"
ours=$(cat "$out/carecircle (radius rule only).t")
for f in "$out"/*.t; do
    name=$(basename "$f" .t)
    case "$name" in carecircle*) continue ;; esac
    awk -v n="$name" -v p="$(cat "$f")" -v o="$ours" 'BEGIN{printf "%s takes %.1f× as long as carecircle on the same rule\n", n, p/o}'
done
