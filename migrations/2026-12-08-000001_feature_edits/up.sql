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

-- A layer's rows of one dataset version copied to another (an edit's new version keeps every layer it
-- did not touch as it was): every column of the table but dataset_id, whatever the table holds.
CREATE FUNCTION carecircle_copy_layer(layer_table regclass, from_id integer, to_id integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cols text;
BEGIN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute
    WHERE attrelid = layer_table AND attnum > 0 AND NOT attisdropped AND attname <> 'dataset_id';
    EXECUTE format('INSERT INTO %s (dataset_id, %s) SELECT $1, %s FROM %s WHERE dataset_id = $2',
                   layer_table, cols, cols, layer_table)
        USING to_id, from_id;
END $$;
