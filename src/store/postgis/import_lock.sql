-- One import of a name at a time, until the transaction ends: ($1, $2) = (the import class, the name).
SELECT pg_advisory_xact_lock($1, hashtext($2))
