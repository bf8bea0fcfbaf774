"""GeoPandas, beside carecircle, on GeoParquet. Run by tests/geoparquet.rs.

usage:
  geoparquet.py write DATASET OUT   the dataset folder's GeoJSON layers written by GeoPandas as GeoParquet
                                    1.0.0 (WKB), 1.1.0 (WKB with the bbox covering column) and 1.1.0 in
                                    GeoArrow's native encoding (where a layer has one geometry type), a
                                    folder each under OUT, with the dataset's dataset.toml
  geoparquet.py read DIR            each .parquet layer of DIR read by GeoPandas (its geo metadata
                                    checked, its PROJJSON parsed by pyproj): one JSON line a layer with its
                                    rows, CRS as its authority and code, geometry types, bounds and version
"""

import json
import pathlib
import shutil
import sys

import geopandas
import pyarrow.parquet


def typed(frame, layer):
    """Each column typed as the GeoJSON's values are: pandas reads a flag or a count with gaps as
    decimals, which GeoParquet would then hold as decimals."""
    features = json.loads(layer.read_text(encoding="utf-8"))["features"]
    for column in frame.columns:
        seen = {type(f["properties"].get(column)) for f in features} - {type(None)}
        if seen == {bool}:
            frame[column] = frame[column].astype("boolean")
        elif seen == {int}:
            frame[column] = frame[column].astype("Int64")


def write(dataset, out):
    dataset, out = pathlib.Path(dataset), pathlib.Path(out)
    kinds = [("wkb-1.0.0", "WKB", "1.0.0", False), ("wkb-1.1.0", "WKB", "1.1.0", True),
             ("geoarrow-1.1.0", "geoarrow", "1.1.0", False)]
    for name, encoding, version, covering in kinds:
        folder = out / name
        folder.mkdir(parents=True)
        shutil.copy(dataset / "dataset.toml", folder / "dataset.toml")
        for layer in sorted(dataset.glob("*.geojson")):
            frame = geopandas.read_file(layer, engine="pyogrio")
            typed(frame, layer)
            mixed = len(set(frame.geometry.geom_type)) > 1
            frame.to_parquet(
                folder / (layer.name.removesuffix(".geojson") + ".parquet"),
                index=False,
                schema_version=version,
                geometry_encoding="WKB" if mixed else encoding,
                write_covering_bbox=covering,
            )
        print(name)


def read(folder):
    for path in sorted(pathlib.Path(folder).glob("*.parquet")):
        frame = geopandas.read_parquet(path)
        geo = json.loads(pyarrow.parquet.read_metadata(path).metadata[b"geo"])
        print(json.dumps({
            "layer": path.name.removesuffix(".parquet"),
            "rows": len(frame),
            "crs": ":".join(frame.crs.to_authority(min_confidence=90)) if frame.crs is not None else None,
            "types": sorted(set(frame.geometry.geom_type)),
            "bounds": [float(b) for b in frame.total_bounds],
            "version": geo["version"],
            "columns": [c for c in frame.columns if c != "geometry"],
        }, ensure_ascii=False))


if __name__ == "__main__":
    {"write": lambda: write(sys.argv[2], sys.argv[3]), "read": lambda: read(sys.argv[2])}[sys.argv[1]]()
