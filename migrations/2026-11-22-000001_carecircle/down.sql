DROP TABLE findings, check_runs, candidate_sites, roads, facilities, residential_areas, admin_units, datasets;
