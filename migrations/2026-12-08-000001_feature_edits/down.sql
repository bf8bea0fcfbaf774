DROP TABLE feature_edits;
DROP FUNCTION feature_edits_append_only();
