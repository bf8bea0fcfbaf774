//! carecircle's core: the model, loading, rules, the engine, the check pipeline and the report formats.
//! It depends on no server, store, map or solver crate (its manifest, `crates/core/Cargo.toml`, holds
//! that); the shell above it (`src/lib.rs`: the server, the stores, maps, siting, the command line)
//! re-exports these modules, so `carecircle::model` and `carecircle_core::model` are one module.

pub mod access;
pub mod accounts;
pub mod allocate;
pub mod audit;
pub mod builtin;
pub mod check;
pub mod compare;
pub mod cql2;
pub mod crs;
pub mod digest;
pub mod edit;
pub mod engine;
pub mod fields;
pub mod limits;
pub mod load;
pub mod model;
pub mod network;
pub mod report;
pub mod rules;
pub mod safe_write;
pub mod scope;
pub mod spatial;
pub mod synth;
pub mod tiles;
pub mod toml_file;
pub mod write;
pub mod write_gpkg;
pub mod write_parquet;
