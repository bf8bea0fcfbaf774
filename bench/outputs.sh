#!/usr/bin/env bash
# Writes what carecircle hands users, for comparing two builds byte for byte (a refactor must not change
# it): the demo's check folder, JSON and text; a review; a comparison; and a synthetic city's check JSON.
#
#     bench/outputs.sh BINARY DIR [AREAS]
#
# Run-specific values (run ids, creation times, the binary's version) are blanked so that `diff -r` of
# two DIRs shows only real changes. AREAS defaults to 100 000.
set -euo pipefail
bin=$(realpath "$1")
out=$2
areas=${3:-100000}
cd "$(dirname "$0")/.."
rm -rf "$out"
mkdir -p "$out"
rules=(rules/anxi-2022.toml rules/mawei-2020.toml rules/yaohai-2023.toml rules/jinan-2017.toml rules/gb50180-2018.toml)
"$bin" check geodata/demo --rules "${rules[@]}" --by street --format json --out "$out/demo-run" > "$out/demo-check.json"
"$bin" check geodata/demo --rules "${rules[@]}" --as-of 2021-12-31 --by community --format json --out "$out/demo-2021" > "$out/demo-2021.json"
"$bin" check geodata/demo --rules "${rules[@]}" > "$out/demo-check.txt" || true
"$bin" review geodata/demo --proposal geodata/proposals/langqi-jiangjing.geojson --rules "${rules[@]}" --format json > "$out/review.json" || true
"$bin" review geodata/demo --proposal geodata/proposals/langqi-jiangjing.geojson --rules "${rules[@]}" > "$out/review.txt" || true
"$bin" compare "$out/demo-2021" "$out/demo-run" --format json > "$out/compare.json"
"$bin" synth --out "$out/synth" --areas "$areas" --facilities $((areas / 10)) > /dev/null
"$bin" check "$out/synth" --rules "${rules[@]}" --format json > "$out/synth-check.json"
rm -rf "$out/synth" "$out/demo-run/coverage.png" "$out/demo-2021/coverage.png"
# Blank what differs per run: ids, times, the version; an xlsx (a zip with times inside) as its sheets.
find "$out" -name '*.xlsx' -exec sh -c 'unzip -p "$1" "xl/worksheets/*.xml" "xl/sharedStrings.xml" > "$1.xml" && rm "$1"' _ {} \;
find "$out" -type f ! -name synth-check.json -exec sed -i -E \
    's/cli-[0-9a-f]{16}/cli-/g; s/20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g; s/"carecircle_version": ?"[^"]*"/"carecircle_version": ""/g' {} +
echo "written to $out"
