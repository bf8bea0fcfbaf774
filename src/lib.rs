//! carecircle checks whether the elderly-care facilities of a Chinese city are laid out as local
//! policy requires, flags every gap, and maps coverage. See `ARCHITECTURE.md` for the map.
//!
//! The core (`carecircle_core`, `src/core.rs`) judges; this crate is the shell above it.

pub use carecircle_core::{
    access, accounts, allocate, audit, builtin, check, compare, cql2, crs, digest, edit, engine, fields, limits, load,
    model, network, report, rules, safe_write, scope, spatial, synth, tiles, toml_file, write, write_gpkg,
};

pub use carecircle_maps as map;
pub use carecircle_siting as siting;
pub use carecircle_store as store;

pub mod server;
