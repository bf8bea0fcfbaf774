-- The edits of a dataset's features (OGC API – Features Part 4): each write makes a new version of its
-- dataset (rows in datasets and the layer tables, as an import does) and leaves a row here saying which
-- version it made, who made it, when, and the feature before and after (GeoJSON in WGS84, kept as sent:
-- json, not jsonb). The history outlives the versions an import prunes; a row is never changed or
-- removed: the trigger refuses it, whoever asks.
CREATE TABLE feature_edits (
    id            bigserial PRIMARY KEY,
    dataset_name  text NOT NULL,
    version       integer NOT NULL,
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    by_who        text NOT NULL,
    layer         text NOT NULL,
    feature_id    text NOT NULL,
    op            text NOT NULL CHECK (op IN ('create', 'replace', 'update', 'delete')),
    position      integer NOT NULL,
    before        json,
    after         json,
    UNIQUE (dataset_name, version)
);

CREATE INDEX feature_edits_by_feature ON feature_edits (dataset_name, layer, feature_id);

CREATE FUNCTION feature_edits_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'an edit in the history is never changed or removed: % is refused', TG_OP;
END $$;

CREATE TRIGGER feature_edits_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON feature_edits
    FOR EACH STATEMENT EXECUTE FUNCTION feature_edits_append_only();
