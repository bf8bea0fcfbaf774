#!/usr/bin/env bash
# carecircle beside its peers on the same dataset folder, each a whole process (reading, judging, writing),
# with wall time and peak memory (GNU time), best of RUNS (default 3) — from GeoJSON (pyogrio + shapely,
# json + shapely) and from GeoParquet (DuckDB spatial, SedonaDB; the folder converted by `carecircle
# convert --format parquet` first, outside the timed runs) — and whether each found carecircle's set of
# areas out of reach. The load average is printed beside the figures: a ratio holds on a noisy machine,
# a time does not.
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
target/release/carecircle convert "$dir" "$out/parquet" --format parquet > /dev/null
best "carecircle from GeoParquet (radius rule only)" target/release/carecircle check "$out/parquet" --rules bench/radius-only.toml --format json
best "DuckDB $("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)') spatial, GeoParquet" sh -c "$venv/bin/python bench/peer_columnar.py duckdb '$out/parquet' /dev/stdout"
best "SedonaDB $("$venv/bin/python" -c 'import sedonadb; print(sedonadb.__version__)'), GeoParquet" sh -c "$venv/bin/python bench/peer_columnar.py sedona '$out/parquet' /dev/stdout"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# Each process's areas out of reach beside carecircle's.
"$venv/bin/python" - "$out" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
def uncovered(name):
    findings = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))["findings"]
    return {f["id"] for f in findings if f["layer"] == "residential_areas"}
ours = uncovered("carecircle (radius rule only)")
for f in sorted(out.glob("*.json")):
    name = f.stem
    if name.startswith("carecircle (anxi"):
        continue
    theirs = uncovered(name)
    same = "the same set" if theirs == ours else f"differs by {len(theirs ^ ours)} areas"
    print(f"{name}: {len(theirs)} areas out of reach, {same} as carecircle's {len(ours)}")
PY
for f in "$out"/*.t; do
    name=$(basename "$f" .t)
    case "$name" in carecircle*) continue ;; esac
    # Each peer beside carecircle reading the same format.
    case "$name" in
        *GeoParquet*) ours=$(cat "$out/carecircle from GeoParquet (radius rule only).t") ;;
        *) ours=$(cat "$out/carecircle (radius rule only).t") ;;
    esac
    awk -v n="$name" -v p="$(cat "$f")" -v o="$ours" 'BEGIN{printf "%s takes %.2f× as long as carecircle on the same rule and format\n", n, p/o}'
done
