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
# The processes, each a name and a command line, run in interleaved rounds (every process once a round),
# so a spell of load on this shared machine falls on all of them alike.
names=() commands=()
job() { names+=("$1"); commands+=("$2"); }
echo "dataset: $dir ($(du -sh "$dir" | cut -f1)), best of $runs interleaved rounds"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
target/release/carecircle convert "$dir" "$out/parquet" --format parquet > /dev/null
job "carecircle (radius rule only)" "target/release/carecircle check '$dir' --rules bench/radius-only.toml --format json"
job "carecircle (anxi-2022, 7 rules)" "target/release/carecircle check '$dir' --rules anxi-2022 --format json"
job "json + shapely $("$venv/bin/python" -c 'import shapely; print(shapely.__version__)')" "$venv/bin/python bench/peer_whole.py json '$dir' /dev/stdout"
job "pyogrio + shapely" "$venv/bin/python bench/peer_whole.py pyogrio '$dir' /dev/stdout"
job "carecircle from GeoParquet (radius rule only)" "target/release/carecircle check '$out/parquet' --rules bench/radius-only.toml --format json"
job "DuckDB $("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)') spatial, GeoParquet" "$venv/bin/python bench/peer_columnar.py duckdb '$out/parquet' /dev/stdout"
job "SedonaDB $("$venv/bin/python" -c 'import sedonadb; print(sedonadb.__version__)'), GeoParquet" "$venv/bin/python bench/peer_columnar.py sedona '$out/parquet' /dev/stdout"
for _ in $(seq "$runs"); do
    for i in "${!names[@]}"; do
        name=${names[$i]}
        /usr/bin/time -f "%e %M" -o "$out/time" sh -c "${commands[$i]}" > "$out/$name.json" 2> "$out/$name.err"
        read -r t m < "$out/time"
        if [ ! -f "$out/$name.t" ] || awk "BEGIN{exit !($t < $(cat "$out/$name.t"))}"; then
            echo "$t" > "$out/$name.t"
            echo "$m" > "$out/$name.m"
        fi
    done
done
for name in "${names[@]}"; do
    printf '%-48s %7.2f s %7.0f MB\n' "$name" "$(cat "$out/$name.t")" "$(awk "BEGIN{print $(cat "$out/$name.m")/1024}")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
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
    same = "the same set as" if theirs == ours else f"{len(theirs ^ ours)} of them differing from"
    print(f"{name}: {len(theirs)} areas out of reach, {same} carecircle's {len(ours)}")
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
