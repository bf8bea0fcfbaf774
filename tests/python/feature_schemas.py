"""Every feature a carecircle server serves, validated against its collection's own /schema.

Usage: python feature_schemas.py BASE_URL
For each collection: its /schema (JSON Schema 2020-12, OGC API - Features Part 5) and every feature of
/items, each feature's properties (with its geometry under "geometry") validated by `jsonschema`. Prints
one line per collection and the total; exits 1 naming the first problems when any feature fails.
"""
import json
import sys
import urllib.request

import jsonschema


def get(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.load(r)


def main(base):
    failures, total = [], 0
    for c in get(f"{base}/collections")["collections"]:
        cid = c["id"]
        schema = get(f"{base}/collections/{cid}/schema")
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        url, n = f"{base}/collections/{cid}/items?limit=10000", 0
        while url:
            page = get(url)
            for f in page["features"]:
                instance = dict(f["properties"], geometry=f["geometry"])
                for e in validator.iter_errors(instance):
                    failures.append(f"{cid} feature {f['id']}: {e.message}")
                n += 1
            url = next((l["href"] for l in page["links"] if l["rel"] == "next"), None)
        total += n
        print(f"{cid}: {n} features")
    print(f"{total} features in all, {len(failures)} not meeting their schema")
    if failures:
        print("\n".join(failures[:20]))
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
