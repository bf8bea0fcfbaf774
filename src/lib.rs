//! carecircle checks whether the elderly-care facilities of a Chinese city are laid out as local
//! policy requires, flags every gap, and maps coverage. See `ARCHITECTURE.md` for the map.

pub mod crs;
pub mod model;
pub mod load;
pub mod rules;
pub mod spatial;
pub mod engine;
pub mod report;
pub mod write;
pub mod synth;
