-- Held until the transaction ends (class 1667330664, SCHEMA_CLASS in mod.rs): PostGIS created, or the
-- migrations run, by one connection at a time, so that two servers or tests starting together on a new
-- database do not both create it ("duplicate key value violates unique constraint").
SELECT pg_advisory_xact_lock(1667330664, 0)
