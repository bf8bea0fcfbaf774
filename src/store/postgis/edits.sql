-- Every edit of dataset $1, oldest first.
SELECT version,
       to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at,
       by_who, layer, feature_id, op, position,
       before::text AS before, after::text AS after
FROM feature_edits
WHERE dataset_name = $1
ORDER BY version
