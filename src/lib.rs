//! carecircle checks whether the elderly-care facilities of a Chinese city are laid out as local
//! policy requires, flags every gap, and maps coverage. See `ARCHITECTURE.md` for the map.

pub mod access;
pub mod allocate;
pub mod builtin;
pub mod check;
pub mod compare;
pub mod cql2;
pub mod crs;
pub mod digest;
pub mod engine;
pub mod fields;
pub mod limits;
pub mod load;
pub mod map;
pub mod model;
pub mod network;
pub mod report;
pub mod rules;
pub mod safe_write;
pub mod server;
pub mod siting;
pub mod spatial;
pub mod store;
pub mod synth;
pub mod tiles;
pub mod toml_file;
pub mod write;
