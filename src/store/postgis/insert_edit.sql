-- Keeps one edit ($1 dataset name, $2 the version it made, $3 who, $4 layer, $5 feature id, $6 op,
-- $7 position, $8 and $9 the feature before and after as JSON text, or NULL); returns its time.
INSERT INTO feature_edits (dataset_name, version, by_who, layer, feature_id, op, position, before, after)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json, $9::json)
RETURNING to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at
