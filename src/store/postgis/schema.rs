//! The tables of `migrations/`, for diesel.

use postgis_diesel::sql_types::Geometry;

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
    use super::Geometry;
    admin_units (dataset_id, ord) {
        dataset_id -> Int4,
        ord -> Int4,
        code -> Text,
        name -> Text,
        level -> Text,
        parent -> Nullable<Text>,
        population -> Nullable<Int8>,
        elderly -> Nullable<Int8>,
        households -> Nullable<Int8>,
        central -> Nullable<Bool>,
        geom -> Geometry,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::Geometry;
    residential_areas (dataset_id, ord) {
        dataset_id -> Int4,
        ord -> Int4,
        id -> Text,
        name -> Text,
        households -> Int8,
        kind -> Text,
        delivered -> Nullable<Date>,
        pool -> Nullable<Text>,
        geom -> Geometry,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::Geometry;
    facilities (dataset_id, ord) {
        dataset_id -> Int4,
        ord -> Int4,
        id -> Text,
        name -> Text,
        tier -> Text,
        floor_area_m2 -> Float8,
        beds -> Nullable<Int8>,
        nursing_beds -> Nullable<Int8>,
        status -> Text,
        handed_over -> Nullable<Date>,
        serves -> Array<Text>,
        meal_service -> Nullable<Bool>,
        geom -> Geometry,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::Geometry;
    roads (dataset_id, ord) {
        dataset_id -> Int4,
        ord -> Int4,
        walkable -> Bool,
        geom -> Geometry,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::Geometry;
    candidate_sites (dataset_id, ord) {
        dataset_id -> Int4,
        ord -> Int4,
        id -> Text,
        name -> Text,
        floor_area_m2 -> Nullable<Float8>,
        geom -> Geometry,
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
    use diesel::sql_types::*;
    use super::Geometry;
    findings (run_id, ord) {
        run_id -> Int8,
        ord -> Int4,
        rule -> Text,
        severity -> Text,
        layer -> Text,
        subject_id -> Text,
        name -> Text,
        measured -> Nullable<Float8>,
        required -> Float8,
        unit -> Text,
        message -> Text,
        facilities -> Array<Text>,
        geom -> Geometry,
    }
}

diesel::joinable!(admin_units -> datasets (dataset_id));
diesel::joinable!(residential_areas -> datasets (dataset_id));
diesel::joinable!(facilities -> datasets (dataset_id));
diesel::allow_tables_to_appear_in_same_query!(
    datasets,
    admin_units,
    residential_areas,
    facilities,
    roads,
    candidate_sites
);
