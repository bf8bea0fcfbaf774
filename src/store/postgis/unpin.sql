-- Lets go of a dataset version pinned by pin.sql: ($1, $2) = (the pin class, the version row id).
SELECT pg_advisory_unlock_shared($1, $2)
