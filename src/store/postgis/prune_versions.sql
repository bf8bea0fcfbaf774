-- After an import: remove the earlier versions of a dataset ($1 its name, $2 the new version's id) that
-- no kept run points at. Their layers go with them (ON DELETE CASCADE).
DELETE FROM datasets d
WHERE d.name = $1
  AND d.id <> $2
  AND NOT EXISTS (SELECT 1 FROM check_runs r WHERE r.dataset_id = d.id)
