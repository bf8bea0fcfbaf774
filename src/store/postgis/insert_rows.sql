-- Rows of {table} given as a JSON array of objects whose keys are its columns (geometries as hex EWKB):
-- one statement for a batch, each value turned into its column's type by PostgreSQL.
INSERT INTO {table} SELECT * FROM jsonb_populate_recordset(NULL::{table}, $1)
