-- Accounts: who may use a shared carecircle, with a role, the admin units they act in and the sha256 of
-- their personal token (the token itself is never kept).
CREATE TABLE accounts (
    ord           serial,                        -- the order they were added
    name          text PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('viewer', 'reviewer', 'auditor', 'editor', 'admin')),
    scope         text[] NOT NULL DEFAULT '{}',  -- admin-unit codes; empty for the whole city
    disabled      boolean NOT NULL DEFAULT false,
    token_sha256  text UNIQUE,
    created       timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The audit trail: who judged, exported or changed what. Each row is a chained entry (carecircle's
-- audit.rs): `line_sha256` is the sha256 of its canonical line, which carries `prev`, the sha256 of the
-- row before it. Rows are only ever added: the trigger refuses any change or removal, whoever asks.
CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    at           text NOT NULL,                 -- RFC 3339 UTC, as the line has it
    who          text NOT NULL,
    action       text NOT NULL,
    dataset      text,
    run          bigint,
    status       integer NOT NULL,
    client       text NOT NULL,
    prev         text NOT NULL,
    line_sha256  text NOT NULL
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % is refused', TG_OP;
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
