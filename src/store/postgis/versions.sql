SELECT current_setting('server_version_num')::int AS server, postgis_lib_version() AS postgis
