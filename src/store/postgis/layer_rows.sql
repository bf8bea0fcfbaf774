-- A dataset version's features of one layer, in order: every column but the keys and the geometry as
-- the feature's properties (named as the layer's fields are), and the geometry.
SELECT to_jsonb(t) - 'dataset_id' - 'ord' - 'geom' AS properties, geom
FROM {table} t
WHERE dataset_id = $1
ORDER BY ord
