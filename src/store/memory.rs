//! The embedded store: dataset folders loaded into memory at start; runs kept in memory and, when a
//! folder is given, written under it as the files `check --out` writes.

use super::{now_rfc3339, NewRun, Run, Store, StoreError};
use crate::model::Dataset;
use crate::report::{files, Check};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

pub struct MemoryStore {
    datasets: Vec<(String, Arc<Dataset>)>,
    runs: RwLock<Vec<Arc<Run>>>,
    /// Where runs are written (`reports/`), if anywhere.
    reports: Option<PathBuf>,
}

impl MemoryStore {
    /// A store of named datasets; runs are written under `reports/run-<id>/` when `reports` is given.
    pub fn new(datasets: Vec<(String, Dataset)>, reports: Option<PathBuf>) -> MemoryStore {
        MemoryStore {
            datasets: datasets.into_iter().map(|(n, d)| (n, Arc::new(d))).collect(),
            runs: RwLock::new(Vec::new()),
            reports,
        }
    }
}

impl Store for MemoryStore {
    fn kind(&self) -> &'static str {
        "embedded"
    }

    fn dataset_names(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.datasets.iter().map(|(n, _)| n.clone()).collect())
    }

    fn dataset(&self, name: &str) -> Result<Arc<Dataset>, StoreError> {
        self.datasets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| Arc::clone(d))
            .ok_or_else(|| StoreError::NoDataset(name.to_string()))
    }

    fn save_run(&self, new: NewRun) -> Result<Arc<Run>, StoreError> {
        let mut runs = self
            .runs
            .write()
            .map_err(|_| StoreError::Backend("run list poisoned".into()))?;
        let run = Arc::new(new.kept(runs.len() as u64 + 1, now_rfc3339()));
        if let Some(dir) = &self.reports {
            let check = Check {
                dataset: &run.dataset,
                rulesets: &run.rulesets,
                mode: run.mode,
                report: &run.report,
                ledger: run.ledger.as_ref(),
            };
            files::write_out(&dir.join(format!("run-{}", run.id)), &check, None)
                .map_err(|e| StoreError::Backend(e.to_string()))?;
        }
        runs.push(Arc::clone(&run));
        Ok(run)
    }

    fn runs(&self) -> Result<Vec<Arc<Run>>, StoreError> {
        Ok(self
            .runs
            .read()
            .map_err(|_| StoreError::Backend("run list poisoned".into()))?
            .clone())
    }

    fn run(&self, id: u64) -> Result<Arc<Run>, StoreError> {
        self.runs()?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(StoreError::NoRun(id))
    }
}
