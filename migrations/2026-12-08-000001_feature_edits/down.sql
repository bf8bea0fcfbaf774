DROP TABLE feature_edits;
DROP FUNCTION feature_edits_append_only();
DROP FUNCTION carecircle_copy_layer(regclass, integer, integer);
