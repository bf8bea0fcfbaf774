-- Voided runs (作废): a run found wrong is never changed or removed; an administrator voids it, and the
-- void is a record of its own — which run, when, by whom and why. A run is voided at most once, and a
-- void is never changed or taken back: the trigger refuses any change or removal, whoever asks.
CREATE TABLE run_voids (
    run_id  bigint PRIMARY KEY REFERENCES check_runs (id),
    at      text NOT NULL,                 -- RFC 3339 UTC
    by_who  text NOT NULL,
    reason  text NOT NULL
);

CREATE FUNCTION run_voids_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a void is never changed or taken back: % is refused', TG_OP;
END $$;

CREATE TRIGGER run_voids_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON run_voids
    FOR EACH STATEMENT EXECUTE FUNCTION run_voids_append_only();
