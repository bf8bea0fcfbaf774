#!/usr/bin/env bash
# carecircle site beside PySAL spopt's MCLP (bench/site_peer.py: CBC through PuLP, the locked facilities
# predefined) on the same dataset folder, each a whole process (reading, building, solving, writing), with
# wall time and peak memory (GNU time); then whether both reached the same number of households:
#
#     carecircle synth --areas 10000 --facilities 1000 --candidates 300 --out /tmp/site10k
#     bench/site.sh /tmp/site10k 20
#
# Builds the release binary and installs the Python peers (bench/requirements.txt) into target/bench-venv
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: bench/site.sh DATASET_DIR P}
p=${2:?usage: bench/site.sh DATASET_DIR P}
source bench/venv.sh
echo "dataset: $dir ($(du -sh "$dir" | cut -f1)), at most $p sites"
/usr/bin/time -f "%e %M" -o "$out/ours.time" target/release/carecircle site "$dir" --rules bench/radius-only.toml \
    --rule anxi-2022/service-radius --add "$p" --min-area 0 --format json > "$out/ours.json"
/usr/bin/time -f "%e %M" -o "$out/peer.time" "$venv/bin/python" bench/site_peer.py "$dir" "$p" > "$out/peer.json"
"$venv/bin/python" - "$out" <<'PY'
import json, sys
out = sys.argv[1]
ours, peer = json.load(open(f"{out}/ours.json")), json.load(open(f"{out}/peer.json"))
t = {k: open(f"{out}/{k}.time").read().split() for k in ("ours", "peer")}
print(f"carecircle site              {float(t['ours'][0]):8.2f} s {int(t['ours'][1]) / 1024:7.0f} MB  "
      f"{ours['covered_households']} households, optimal={ours['optimal']}, gap={ours['gap']}, "
      f"rows {ours['reduction']['rows_before']} -> {ours['reduction']['rows_after']}, "
      f"candidates {ours['reduction']['candidates_before']} -> {ours['reduction']['candidates_after']}")
print(f"spopt MCLP (CBC)             {float(t['peer'][0]):8.2f} s {int(t['peer'][1]) / 1024:7.0f} MB  "
      f"{peer['covered_households']} households, {peer['status']}, matrix {peer['matrix'][0]} x {peer['matrix'][1]}")
same = "the same optimum" if ours["covered_households"] == peer["covered_households"] else "DIFFERENT optima"
sets = "the same sites" if sorted(ours["chosen"]) == sorted(peer["chosen"]) else "other sites of that worth"
print(f"{same} ({sets}); spopt takes {float(t['peer'][0]) / float(t['ours'][0]):.0f}x as long as carecircle")
PY
