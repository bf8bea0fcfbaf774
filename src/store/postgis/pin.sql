-- Pins a dataset version while a check judges it (prune_versions.sql skips a pinned one): ($1, $2) =
-- (the pin class, the version row id). Shared: many checks may pin one version.
SELECT pg_advisory_lock_shared($1, $2)
