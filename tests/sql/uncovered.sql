-- The oracle: residential areas with no counted community facility within 700 m, by PostGIS alone
-- (ST_DWithin on geography: geodesic on the WGS84 spheroid). $1 = dataset name.
SELECT a.id
FROM residential_areas a
JOIN datasets d ON d.id = a.dataset_id
WHERE d.name = $1
  AND NOT EXISTS (
    SELECT 1
    FROM facilities f
    WHERE f.dataset_id = a.dataset_id
      AND f.tier IN ('regional_center', 'daycare_center', 'station', 'happiness_court')
      AND f.status IN ('built', 'accepted', 'handed_over', 'operating')
      AND ST_DWithin(ST_Centroid(a.geom)::geography, ST_Centroid(f.geom)::geography, 700)
  )
ORDER BY a.id
