//! Where datasets and check runs live, behind one interface: the embedded store (dataset folders loaded
//! into memory, runs kept in memory and written under `reports/`) and PostGIS. The server and the CLI use
//! only [`Store`]; neither knows which one it has.

pub mod memory;
pub mod postgis;

use crate::engine::{Ledger, Report};
use crate::model::{Dataset, Mode};
use crate::rules::Ruleset;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no dataset named \"{0}\"")]
    NoDataset(String),
    #[error("no check run {0}")]
    NoRun(u64),
    #[error("the store failed: {0}")]
    Backend(String),
}

/// One check, as run and kept.
#[derive(Debug)]
pub struct Run {
    pub id: u64,
    /// The name the dataset has in the store.
    pub dataset_name: String,
    /// The dataset as judged (as it stood on the run's day).
    pub dataset: Arc<Dataset>,
    pub mode: Mode,
    pub rulesets: Vec<Ruleset>,
    pub report: Report,
    pub ledger: Option<Ledger>,
    /// When the run was made, RFC 3339 UTC.
    pub created: String,
}

/// A check to keep: everything but the id the store gives it.
pub struct NewRun {
    pub dataset_name: String,
    pub dataset: Arc<Dataset>,
    pub mode: Mode,
    pub rulesets: Vec<Ruleset>,
    pub report: Report,
    pub ledger: Option<Ledger>,
}

impl NewRun {
    /// The run as kept, under the id and time the store gave it.
    pub fn kept(self, id: u64, created: String) -> Run {
        Run {
            id,
            dataset_name: self.dataset_name,
            dataset: self.dataset,
            mode: self.mode,
            rulesets: self.rulesets,
            report: self.report,
            ledger: self.ledger,
            created,
        }
    }
}

/// The stores' one interface.
pub trait Store: Send + Sync {
    /// `embedded` or `postgis`, for the landing page and logs.
    fn kind(&self) -> &'static str;
    fn dataset_names(&self) -> Result<Vec<String>, StoreError>;
    fn dataset(&self, name: &str) -> Result<Arc<Dataset>, StoreError>;
    fn save_run(&self, run: NewRun) -> Result<Arc<Run>, StoreError>;
    /// Every run, oldest first.
    fn runs(&self) -> Result<Vec<Arc<Run>>, StoreError>;
    fn run(&self, id: u64) -> Result<Arc<Run>, StoreError>;
}

/// Now, as RFC 3339 UTC to the second.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    rfc3339(secs)
}

/// Seconds since 1970 as RFC 3339 UTC.
pub fn rfc3339(secs: i64) -> String {
    let epoch = crate::model::Date::from_ymd(1970, 1, 1).unwrap_or_default();
    let day = epoch.plus_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{day}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}
