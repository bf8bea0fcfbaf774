DROP TABLE run_voids;
DROP FUNCTION run_voids_append_only();
