-- The columns of carecircle's tables in the schema it uses, to hold them to the field tables.
SELECT table_name::text AS table_name, column_name::text AS column_name
FROM information_schema.columns
WHERE table_schema = current_schema()
  AND table_name IN ('admin_units', 'residential_areas', 'facilities', 'roads', 'candidate_sites', 'findings')
