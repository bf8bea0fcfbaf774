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
