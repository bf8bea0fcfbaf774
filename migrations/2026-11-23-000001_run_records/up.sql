-- Runs become records: each keeps its files as made, and points at the dataset version it judged.
-- Datasets get versions: importing a name again adds a version; an old version stays while runs point to it.

ALTER TABLE datasets DROP CONSTRAINT datasets_name_key;
ALTER TABLE datasets ADD COLUMN version integer NOT NULL DEFAULT 1;
-- sha256 of the dataset's canonical content (carecircle's digest); NULL for imports made before this
-- migration, computed when such a dataset is next read.
ALTER TABLE datasets ADD COLUMN digest text;
ALTER TABLE datasets ADD CONSTRAINT datasets_name_version UNIQUE (name, version);

-- Runs made before this migration have no files: they are listed, and reading them says why they cannot
-- be shown as made.
ALTER TABLE check_runs ADD COLUMN dataset_id integer REFERENCES datasets (id);
ALTER TABLE check_runs ADD COLUMN summary jsonb;

CREATE TABLE run_files (
    run_id  bigint NOT NULL REFERENCES check_runs (id) ON DELETE CASCADE,
    name    text NOT NULL,
    bytes   bytea NOT NULL,
    PRIMARY KEY (run_id, name)
);

CREATE INDEX check_runs_dataset ON check_runs (dataset_id);
