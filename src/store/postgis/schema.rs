//! The tables of `migrations/` that diesel queries by name: datasets and runs. A layer's rows and a run's
//! findings are written and read from the tables that describe them (`rows.rs`).

diesel::table! {
    use diesel::sql_types::*;
    datasets (id) {
        id -> Int4,
        name -> Text,
        title -> Text,
        source_crs -> Text,
        as_of -> Date,
        description -> Text,
        imported_at -> Timestamptz,
        version -> Int4,
        digest -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    check_runs (id) {
        id -> Int8,
        dataset_name -> Text,
        mode -> Text,
        as_of -> Date,
        by_level -> Nullable<Text>,
        rulesets -> Jsonb,
        created -> Timestamptz,
        dataset_id -> Nullable<Int4>,
        summary -> Nullable<Jsonb>,
    }
}

diesel::table! {
    run_files (run_id, name) {
        run_id -> Int8,
        name -> Text,
        bytes -> Bytea,
    }
}

diesel::table! {
    accounts (name) {
        ord -> Int4,
        name -> Text,
        role -> Text,
        scope -> Array<Text>,
        disabled -> Bool,
        token_sha256 -> Nullable<Text>,
        created -> Timestamptz,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Text,
        who -> Text,
        action -> Text,
        dataset -> Nullable<Text>,
        run -> Nullable<Int8>,
        status -> Int4,
        client -> Text,
        prev -> Text,
        line_sha256 -> Text,
    }
}

diesel::table! {
    run_voids (run_id) {
        run_id -> Int8,
        at -> Text,
        by_who -> Text,
        reason -> Text,
    }
}
