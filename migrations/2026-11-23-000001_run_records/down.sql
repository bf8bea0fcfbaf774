DROP TABLE run_files;
DROP INDEX check_runs_dataset;
ALTER TABLE check_runs DROP COLUMN summary;
ALTER TABLE check_runs DROP COLUMN dataset_id;
ALTER TABLE datasets DROP CONSTRAINT datasets_name_version;
-- Only the newest version of each name can stay under the old unique constraint.
DELETE FROM datasets d USING datasets newer WHERE d.name = newer.name AND d.version < newer.version;
ALTER TABLE datasets DROP COLUMN digest;
ALTER TABLE datasets DROP COLUMN version;
ALTER TABLE datasets ADD CONSTRAINT datasets_name_key UNIQUE (name);
