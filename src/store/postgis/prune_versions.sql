-- After an import: remove the earlier versions of a dataset ($1 its name, $2 the new version's id) that
-- no kept run points at and no check is judging. A check pins the version it reads with a shared advisory
-- lock (class 1667330661, the version's id: PIN_CLASS in mod.rs) until its run is kept; a version whose
-- exclusive lock cannot be taken now is pinned, and stays for a later import to remove. Their layers go
-- with them (ON DELETE CASCADE).
DELETE FROM datasets d
WHERE d.name = $1
  AND d.id <> $2
  AND NOT EXISTS (SELECT 1 FROM check_runs r WHERE r.dataset_id = d.id)
  AND pg_try_advisory_xact_lock(1667330661, d.id)
