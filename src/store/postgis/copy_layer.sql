-- Copies layer table $1's rows of dataset version $2 to version $3 (migrations: carecircle_copy_layer).
SELECT carecircle_copy_layer($1::regclass, $2, $3)
