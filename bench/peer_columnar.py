"""Whole-process columnar peers for `carecircle check --rules bench/radius-only.toml --format json` on a
folder of GeoParquet layers (`carecircle convert DIR OUT --format parquet`): read residential_areas.parquet
and facilities.parquet, judge the 700 m radius rule (counted community facilities, strictly less than
700 m from an area's centroid), write the failing areas as JSON in peer_whole.py's shape.

    python bench/peer_columnar.py duckdb DIR OUT.json   # DuckDB with its spatial extension
    python bench/peer_columnar.py sedona DIR OUT.json   # SedonaDB (Apache Sedona's Rust engine)

DuckDB: a spatial join on ST_DWithin in degrees (its SPATIAL_JOIN operator), then ST_Distance_Spheroid
(geodesic on WGS84, as carecircle measures) < 700 m; the extension is loaded from the PyPI package's file,
so nothing is fetched. SedonaDB 0.5 has no spheroidal distance: a join on ST_DWithin in degrees, then
ST_Distance on geography (a sphere), which can part from carecircle's geodesic verdict for an area within
about a metre of 700 m. SedonaDB 0.5's anti and semi spatial joins gave wrong row counts here, so both
join, then subtract. Both use every core.
"""
import json
import sys

COMMUNITY = "('regional_center', 'daycare_center', 'station', 'happiness_court')"
COUNTED = "('built', 'accepted', 'handed_over', 'operating')"
# 700 m is at most 0.0071° of longitude at 27° N and 0.0063° of latitude: 0.008° holds every pair.
DEGREES = 0.008


def duckdb_uncovered(folder):
    import pathlib

    import duckdb
    import duckdb_extension_spatial

    ext = next(pathlib.Path(duckdb_extension_spatial.__file__).parent.rglob("spatial.duckdb_extension"))
    con = duckdb.connect()
    con.execute(f"LOAD '{ext}'")
    con.execute(f"""
        CREATE TABLE a AS SELECT id, ST_Centroid(geometry) AS c
        FROM read_parquet('{folder}/residential_areas.parquet');
        CREATE TABLE f AS SELECT geometry AS p FROM read_parquet('{folder}/facilities.parquet')
        WHERE tier IN {COMMUNITY} AND status IN {COUNTED};
    """)
    covered = con.execute(f"""
        SELECT DISTINCT a.id FROM a JOIN f ON ST_DWithin(a.c, f.p, {DEGREES})
        WHERE ST_Distance_Spheroid(ST_Point2D(ST_Y(a.c), ST_X(a.c)), ST_Point2D(ST_Y(f.p), ST_X(f.p))) < 700
    """).fetchall()
    every = con.execute("SELECT id FROM a").fetchall()
    return every, {r[0] for r in covered}


def sedona_uncovered(folder):
    import warnings

    import sedonadb

    warnings.simplefilter("ignore")
    sd = sedonadb.connect()
    sd.read_parquet(f"{folder}/residential_areas.parquet").to_view("areas")
    sd.read_parquet(f"{folder}/facilities.parquet").to_view("facilities")
    sd.sql("SELECT id, ST_Centroid(geometry) AS c FROM areas").to_view("a")
    sd.sql(
        f"SELECT geometry AS p FROM facilities WHERE tier IN {COMMUNITY} AND status IN {COUNTED}"
    ).to_view("f")
    covered = sd.sql(f"""
        SELECT DISTINCT a.id FROM a JOIN f ON ST_DWithin(a.c, f.p, {DEGREES})
        WHERE ST_Distance(ST_GeogFromWKB(ST_AsBinary(a.c)), ST_GeogFromWKB(ST_AsBinary(f.p))) < 700
    """).to_arrow_table()
    every = sd.sql("SELECT id FROM a").to_arrow_table()
    return [(i,) for i in every.column("id").to_pylist()], set(covered.column("id").to_pylist())


def main():
    how, folder, out = sys.argv[1], sys.argv[2], sys.argv[3]
    every, covered = (duckdb_uncovered if how == "duckdb" else sedona_uncovered)(folder)
    failing = [
        {"rule": "anxi-2022/service-radius", "layer": "residential_areas", "id": i}
        for (i,) in every
        if i not in covered
    ]
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"findings": failing}, f, ensure_ascii=False, indent=2)
    print(f"{how}: {len(every)} areas, {len(failing)} out of reach", file=sys.stderr)


main()
