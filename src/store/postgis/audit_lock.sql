-- One append to the audit trail at a time, until the transaction ends: ($1) = the audit class.
SELECT pg_advisory_xact_lock($1)
