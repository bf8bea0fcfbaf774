-- The next run id, taken before the run is kept (its files name it).
SELECT nextval(pg_get_serial_sequence('check_runs', 'id')) AS id
