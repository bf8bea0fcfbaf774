#!/usr/bin/env bash
# Vector tiles per second, served by `carecircle serve` and by PostGIS's ST_AsMVT on the same data:
#
#     carecircle synth --areas 1000000 --facilities 100000 --out /tmp/syn1m
#     bench/tiles.sh /tmp/syn1m            # add "postgis" as a second argument to compare ST_AsMVT
#
# Two tile sets of the residential-area layer (the densest): every zoom-10 tile over the whole city, and
# a 6 × 6 block of zoom-14 tiles at the city's centre (synth's cities are uniform, so any block is the
# densest). carecircle: the release binary serving the folder, loaded by wrk (2 threads, 8 connections,
# gzip asked for, as a browser does) for 15 s per set, after one tile has built the index (timed apart);
# its peak memory is the server's VmHWM. PostGIS: the folder imported into a scratch database
# (carecircle_bench), then pgbench (2 clients, 15 s) running martin's query — ST_AsMVTGeom + ST_AsMVT
# over the GiST index — on the same tiles, uncompressed and with no HTTP around it.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: bench/tiles.sh DATASET_DIR [postgis]}
peer=${2:-}
cargo build --release --locked -q
bin=target/release/carecircle
name=$(basename "$dir")
work=$(mktemp -d)
port=18$((RANDOM % 900 + 100))
"$bin" serve --data "$dir" --bind "127.0.0.1:$port" --state-dir "$work/state" > "$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/" > /dev/null && break; sleep 0.5; done
collection="$name.residential_areas"
curl -sf "http://127.0.0.1:$port/collections/$collection" > "$work/collection.json"
python3 - "$work" "$collection" <<'PY'
import json, math, sys
work, collection = sys.argv[1], sys.argv[2]
w, s, e, n = json.load(open(f"{work}/collection.json"))["extent"]["spatial"]["bbox"][0]
def tile(z, lon, lat):
    k = 2 ** z
    x = int((lon + 180) / 360 * k)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * k)
    return x, y
sets = {}
x0, y0 = tile(10, w, n); x1, y1 = tile(10, e, s)
sets["z10"] = [(10, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
cx, cy = tile(14, (w + e) / 2, (s + n) / 2)
sets["z14"] = [(14, x, y) for x in range(cx - 3, cx + 3) for y in range(cy - 3, cy + 3)]
for name, tiles in sets.items():
    with open(f"{work}/{name}.paths", "w") as f:
        for z, x, y in tiles:
            f.write(f"/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}\n")
    with open(f"{work}/{name}.tiles", "w") as f:
        for i, (z, x, y) in enumerate(tiles, 1):
            f.write(f"{i}\t{z}\t{x}\t{y}\n")
PY
rss() { awk '/VmRSS|VmHWM/ {printf "%s %.0f MB  ", $1, $2/1024}' "/proc/$pid/status"; }
echo "dataset: $dir ($(du -sh "$dir" | cut -f1)); server after loading: $(rss)"
first=$(head -1 "$work/z14.paths")
curl -so /dev/null -w "first tile (indexes the layer): %{time_total} s\n" "http://127.0.0.1:$port$first"
for set in z10 z14; do
    tiles=$(wc -l < "$work/$set.paths")
    bytes=0; features=0
    while read -r path; do
        b=$(curl -s -H 'Accept-Encoding: gzip' -o "$work/t" -w '%{size_download}' "http://127.0.0.1:$port$path")
        bytes=$((bytes + b))
    done < "$work/$set.paths"
    echo "== $set: $tiles tiles, mean $((bytes / tiles / 1024)) KB gzipped"
    wrk -t2 -c8 -d15s --latency -s bench/tiles.lua "http://127.0.0.1:$port" -- "$work/$set.paths" \
        | grep -E "Requests/sec|Latency |50%|99%|Transfer/sec"
    echo "   server: $(rss)"
done

[ "$peer" = postgis ] || exit 0
db=postgres://postgres@127.0.0.1:5432/carecircle_bench
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS carecircle_bench" -c "CREATE DATABASE carecircle_bench"
"$bin" db --database-url "$db" migrate > /dev/null
/usr/bin/time -f "import: %e s" "$bin" db --database-url "$db" import "$dir" --name "$name" > /dev/null
psql "$db" -qc "ANALYZE" -c "CREATE TABLE bench_tiles (n int PRIMARY KEY, z int, x int, y int)"
echo "PostGIS $(psql "$db" -tAc 'SELECT postgis_lib_version()'), PostgreSQL $(psql "$db" -tAc 'SHOW server_version')"
for set in z10 z14; do
    psql "$db" -qc "TRUNCATE bench_tiles" -c "\\copy bench_tiles FROM '$work/$set.tiles'"
    tiles=$(wc -l < "$work/$set.tiles")
    cat > "$work/$set.sql" <<SQL
\\set i random(1, $tiles)
SELECT length(ST_AsMVT(t, '$collection', 4096, 'geom')) FROM (
  SELECT ST_AsMVTGeom(ST_Transform(a.geom, 3857), e.env, 4096, 64, true) AS geom,
         a.id, a.name, a.households, a.kind, a.delivered, a.pool
  FROM residential_areas a, datasets d,
       (SELECT ST_TileEnvelope(z, x, y) AS env FROM bench_tiles WHERE n = :i) e
  WHERE d.name = '$name' AND a.dataset_id = d.id
    AND a.geom && ST_Transform(e.env, 4326)) t;
SQL
    psql "$db" -tAc "SELECT round(avg(len) / 1024) FROM (SELECT length(ST_AsMVT(t, 'l', 4096, 'geom')) AS len FROM bench_tiles b, LATERAL (SELECT ST_AsMVTGeom(ST_Transform(a.geom, 3857), ST_TileEnvelope(b.z, b.x, b.y), 4096, 64, true) AS geom, a.id, a.name, a.households, a.kind, a.delivered, a.pool FROM residential_areas a WHERE a.geom && ST_Transform(ST_TileEnvelope(b.z, b.x, b.y), 4326)) t GROUP BY b.n) s" \
        | sed "s/^/== $set ST_AsMVT: mean KB uncompressed: /"
    pgbench -n -c 2 -j 2 -T 15 -f "$work/$set.sql" "$db" 2>/dev/null | grep -E "^tps|latency average"
done
