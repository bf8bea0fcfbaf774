-- carecircle's store: datasets with their layers (WGS84, SRID 4326) and check runs with their findings.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE datasets (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,          -- the store's name for it (a folder name by default)
    title       text NOT NULL,                 -- dataset.toml name
    source_crs  text NOT NULL,                 -- the CRS its files were written in
    as_of       date NOT NULL,
    description text NOT NULL DEFAULT '',
    imported_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE admin_units (
    dataset_id  integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    ord         integer NOT NULL,              -- order in the dataset, kept for an exact round trip
    code        text NOT NULL,
    name        text NOT NULL,
    level       text NOT NULL,
    parent      text,
    population  bigint,
    elderly     bigint,
    households  bigint,
    central     boolean,
    geom        geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (dataset_id, ord)
);

CREATE TABLE residential_areas (
    dataset_id  integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    ord         integer NOT NULL,
    id          text NOT NULL,
    name        text NOT NULL,
    households  bigint NOT NULL,
    kind        text NOT NULL,
    delivered   date,
    pool        text,
    geom        geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (dataset_id, ord)
);

CREATE TABLE facilities (
    dataset_id    integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    ord           integer NOT NULL,
    id            text NOT NULL,
    name          text NOT NULL,
    tier          text NOT NULL,
    floor_area_m2 double precision NOT NULL,
    beds          bigint,
    nursing_beds  bigint,
    status        text NOT NULL,
    handed_over   date,
    serves        text[] NOT NULL DEFAULT '{}',
    meal_service  boolean,
    geom          geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (dataset_id, ord)
);

CREATE TABLE roads (
    dataset_id  integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    ord         integer NOT NULL,
    walkable    boolean NOT NULL,
    geom        geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (dataset_id, ord)
);

CREATE TABLE candidate_sites (
    dataset_id    integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    ord           integer NOT NULL,
    id            text NOT NULL,
    name          text NOT NULL,
    floor_area_m2 double precision,
    geom          geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (dataset_id, ord)
);

CREATE TABLE check_runs (
    id            bigserial PRIMARY KEY,
    dataset_name  text NOT NULL,
    mode          text NOT NULL,
    as_of         date NOT NULL,
    by_level      text,
    -- [{"id", "sha256", "text"}]: exactly the rules applied, so the run can be judged again.
    rulesets      jsonb NOT NULL,
    created       timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE findings (
    run_id      bigint NOT NULL REFERENCES check_runs (id) ON DELETE CASCADE,
    ord         integer NOT NULL,
    rule        text NOT NULL,
    severity    text NOT NULL,
    layer       text NOT NULL,
    subject_id  text NOT NULL,
    name        text NOT NULL,
    measured    double precision,
    required    double precision NOT NULL,
    unit        text NOT NULL,
    message     text NOT NULL,
    facilities  text[] NOT NULL DEFAULT '{}',
    geom        geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (run_id, ord)
);

CREATE INDEX admin_units_geom ON admin_units USING gist (geom);
CREATE INDEX residential_areas_geom ON residential_areas USING gist (geom);
CREATE INDEX facilities_geom ON facilities USING gist (geom);
CREATE INDEX roads_geom ON roads USING gist (geom);
CREATE INDEX findings_geom ON findings USING gist (geom);
