-- PostGIS in this database, created when missing (needs a superuser, or trust).
CREATE EXTENSION IF NOT EXISTS postgis
