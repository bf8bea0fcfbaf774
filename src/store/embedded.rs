//! The embedded store: dataset folders loaded into memory at start; runs kept as files under a state
//! directory, one folder per run, read from disk when asked for, so memory does not grow with the runs kept.
//!
//! ```text
//! STATE/lock          held (flock) by the one process using the directory
//! STATE/last-run-id   the last id handed out; ids are never handed out twice
//! STATE/runs/7/       run.json (the store's summary), check.json.gz (the record) and the run's other files
//! STATE/edits/demo.jsonl  the edits of dataset demo, replayed on its folder at start (`edit_file`)
//! ```
//!
//! Text files (JSON, GeoJSON, CSV, HTML, SVG) are kept gzipped, as `NAME.gz`: a run's record holds every
//! finding's geometry, and compressed it takes a fifth of the disk. They are handed back decompressed,
//! byte for byte as made.

use super::edit_file::EditFile;
use super::{KeptEdit, NewEdit, NewRun, RunSummary, Store, StoreError};
use crate::check::Source;
use crate::model::Dataset;
use crate::safe_write::write_folder;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

/// The store's own summary of a run, beside its files.
const SUMMARY: &str = "run.json";

pub struct EmbeddedStore {
    /// Each dataset's newest version: its folder with its edits made again.
    datasets: RwLock<Vec<Source>>,
    /// Each dataset's folder digest, kept at the head of its edits file.
    bases: Mutex<std::collections::HashMap<String, String>>,
    /// Serialises edits within the process (the state directory's lock keeps other processes out).
    writes: Mutex<()>,
    state: PathBuf,
    /// The accounts and the audit trail, which `carecircle users` may change while this store is open.
    records: super::StateRecords,
    /// Serialises id hand-out within the process; the lock file does it across processes.
    ids: Mutex<()>,
    _lock: File,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Backend(format!("{}: {e}", path.display()))
}

impl EmbeddedStore {
    /// A store of named datasets whose runs live under `state` (created if needed). Refuses a state
    /// directory another process is using.
    pub fn open(datasets: Vec<(String, Dataset)>, state: &Path) -> Result<EmbeddedStore, StoreError> {
        let runs = state.join("runs");
        std::fs::create_dir_all(&runs).map_err(io(&runs))?;
        // Say now, not at the first POST /checks, when runs cannot be kept here.
        let probe = runs.join(".carecircle-probe");
        std::fs::write(&probe, b"")
            .and_then(|_| std::fs::remove_file(&probe))
            .map_err(|e| StoreError::Backend(format!("cannot keep runs in {}: {e}", runs.display())))?;
        let lock_path = state.join("lock");
        let Some(lock) = super::lock_file(&lock_path, false)? else {
            return Err(StoreError::Backend(format!(
                "状态目录被占用 the state directory {} is in use by another carecircle process; give each server its own --state-dir",
                state.display()
            )));
        };
        // This process alone uses the state directory now: what killed writes left in it can go.
        crate::safe_write::clean_leftovers(&runs);
        let mut sources = Vec::with_capacity(datasets.len());
        let mut bases = std::collections::HashMap::new();
        for (name, dataset) in datasets {
            let (source, base) = replay(state, &name, dataset)?;
            if let Some(base) = base {
                bases.insert(name, base);
            }
            sources.push(source);
        }
        Ok(EmbeddedStore {
            datasets: RwLock::new(sources),
            bases: Mutex::new(bases),
            writes: Mutex::new(()),
            state: state.to_path_buf(),
            ids: Mutex::new(()),
            records: super::StateRecords::new(state),
            _lock: lock,
        })
    }

    fn run_dir(&self, id: u64) -> PathBuf {
        self.state.join("runs").join(id.to_string())
    }

    /// The ids of the run folders present.
    fn run_ids(&self) -> Result<Vec<u64>, StoreError> {
        let runs = self.state.join("runs");
        let mut ids = Vec::new();
        for entry in std::fs::read_dir(&runs).map_err(io(&runs))? {
            let entry = entry.map_err(io(&runs))?;
            // Folders being written (".name.carecircle-new-…") and anything else not a run are not runs.
            if let Some(id) = entry.file_name().to_str().and_then(|n| n.parse::<u64>().ok()) {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }
}

/// The edits kept for dataset `name` under `state`, read without opening the store (a server may be
/// using it): for `carecircle db history`.
pub fn kept_edits(state: &Path, name: &str) -> Result<Vec<KeptEdit>, StoreError> {
    Ok(EditFile::new(state, name)
        .read(false)?
        .map(|(_, e)| e)
        .unwrap_or_default())
}

/// Dataset `name` from its folder's `dataset` with its kept edits made again up to `version` (all of
/// them when `None`), read without opening the store: for `carecircle db export --version`.
pub fn dataset_at(state: &Path, name: &str, dataset: Dataset, version: Option<u32>) -> Result<Source, StoreError> {
    let edits = kept_edits(state, name)?;
    let newest = edits.last().map_or(1, |e| e.version);
    let wanted = version.unwrap_or(newest);
    if wanted == 0 || wanted > newest {
        return Err(StoreError::NoDataset(format!(
            "{name} version {wanted} (the newest is {newest})"
        )));
    }
    let kept = edits
        .iter()
        .take_while(|e| e.version <= wanted)
        .map(KeptEdit::kept)
        .collect::<Result<Vec<_>, _>>()?;
    let now = crate::edit::replay(dataset, &kept)
        .map_err(|(n, err)| StoreError::Backend(format!("version {} cannot be made again: {err}", edits[n].version)))?;
    Ok(if wanted == 1 {
        Source::new(name, now)
    } else {
        Source::edited(name, now, wanted)
    })
}

fn poisoned() -> StoreError {
    StoreError::Backend("a lock of the embedded store was poisoned by a panic".into())
}

/// Dataset `name` from its folder with the edits kept for it made again; beside it the folder's digest
/// when it has edits. A folder changed under its edits is refused, naming both.
fn replay(state: &Path, name: &str, dataset: Dataset) -> Result<(Source, Option<String>), StoreError> {
    let file = EditFile::new(state, name);
    let Some((base, edits)) = file.read(true)? else {
        return Ok((Source::new(name, dataset), None));
    };
    let folder = crate::digest::dataset_digest(&dataset);
    if folder != base {
        return Err(StoreError::Backend(format!(
            "数据集目录已变 dataset \"{name}\" was edited through carecircle ({} edits in {}), but its folder is no longer the one they were made on (its digest was {base}, now {folder}): serve the folder they were made on, or move the edits file aside to start again from this folder",
            edits.len(),
            file.path().display()
        )));
    }
    let kept = edits.iter().map(KeptEdit::kept).collect::<Result<Vec<_>, _>>()?;
    let now = crate::edit::replay(dataset, &kept).map_err(|(n, err)| {
        let e = &edits[n];
        StoreError::Backend(format!(
            "{}: the edit making version {} ({} {} \"{}\") cannot be made again: {err}",
            file.path().display(),
            e.version,
            e.op,
            e.layer,
            e.feature_id
        ))
    })?;
    let version = edits.last().map_or(1, |e| e.version);
    let source = if edits.is_empty() {
        Source::new(name, now)
    } else {
        Source::edited(name, now, version)
    };
    Ok((source, Some(base)))
}

impl EmbeddedStore {
    fn sources(&self) -> Result<std::sync::RwLockReadGuard<'_, Vec<Source>>, StoreError> {
        self.datasets.read().map_err(|_| poisoned())
    }
}

impl Store for EmbeddedStore {
    fn kind(&self) -> &'static str {
        "embedded"
    }

    fn dataset_names(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.sources()?.iter().map(|s| s.name.clone()).collect())
    }

    fn dataset(&self, name: &str) -> Result<Source, StoreError> {
        self.sources()?
            .iter()
            .find(|s| s.name == name)
            .cloned()
            .ok_or_else(|| StoreError::NoDataset(name.to_string()))
    }

    fn keep_edit(&self, new: NewEdit) -> Result<(Source, KeptEdit), StoreError> {
        let _one_at_a_time = self.writes.lock().map_err(|_| poisoned())?;
        let now = self.dataset(new.dataset)?;
        if now.version != new.base {
            return Err(StoreError::Stale {
                dataset: new.dataset.to_string(),
                now: now.version.unwrap_or(1),
            });
        }
        let version = now.version.unwrap_or(1) + 1;
        let kept = KeptEdit::new(&new.applied, version, new.by, super::now_rfc3339());
        let mut bases = self.bases.lock().map_err(|_| poisoned())?;
        let first = !bases.contains_key(new.dataset);
        let base = match bases.get(new.dataset) {
            Some(b) => b.clone(),
            None => now.digest().to_string(),
        };
        EditFile::new(&self.state, new.dataset).append(&base, first, &kept)?;
        bases.insert(new.dataset.to_string(), base);
        let source = Source::edited(new.dataset, new.applied.dataset, version);
        let mut datasets = self.datasets.write().map_err(|_| poisoned())?;
        if let Some(slot) = datasets.iter_mut().find(|s| s.name == new.dataset) {
            *slot = source.clone();
        }
        Ok((source, kept))
    }

    fn edits(&self, name: &str) -> Result<Vec<KeptEdit>, StoreError> {
        self.dataset(name)?;
        kept_edits(&self.state, name)
    }

    fn next_run_id(&self) -> Result<u64, StoreError> {
        let _guard = self
            .ids
            .lock()
            .map_err(|_| StoreError::Backend("run id lock poisoned".into()))?;
        let path = self.state.join("last-run-id");
        let last: u64 = match std::fs::read_to_string(&path) {
            Ok(text) => text.trim().parse().map_err(|_| {
                StoreError::Backend(format!(
                    "{}: expected a whole number, found \"{}\"",
                    path.display(),
                    text.trim()
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(io(&path)(e)),
        };
        // Run folders restored from a backup may be newer than the counter: never hand their ids out again.
        let id = last.max(self.run_ids()?.last().copied().unwrap_or(0)) + 1;
        crate::safe_write::write_all(&self.state, vec![("last-run-id", format!("{id}\n").into_bytes())])
            .map_err(|e| StoreError::from(e).or_full(&format!("run {id}")))?;
        Ok(id)
    }

    fn keep_run(&self, run: NewRun) -> Result<(), StoreError> {
        let summary = serde_json::to_vec_pretty(&run.summary).map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(run.files.len() + 1);
        for (name, bytes) in run.files {
            if compressed(name) {
                files.push((format!("{name}.gz"), gzip(&bytes)?));
            } else {
                files.push((name.to_string(), bytes));
            }
        }
        files.push((SUMMARY.to_string(), summary));
        let dir = self.run_dir(run.summary.id);
        if dir.exists() {
            return Err(StoreError::Backend(format!("{} exists already", dir.display())));
        }
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        write_folder(&dir, &files, &names)
            .map_err(|e| StoreError::from(e).or_full(&format!("run {}", run.summary.id)))?;
        Ok(())
    }

    fn runs(&self) -> Result<Vec<RunSummary>, StoreError> {
        self.run_ids()?.into_iter().map(|id| self.run(id)).collect()
    }

    fn run(&self, id: u64) -> Result<RunSummary, StoreError> {
        let path = self.run_dir(id).join(SUMMARY);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(StoreError::NoRun(id)),
            Err(e) => return Err(io(&path)(e)),
        };
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Backend(format!("{}: {e}", path.display())))
    }

    fn records(&self) -> &dyn super::Records {
        &self.records
    }

    fn run_file(&self, id: u64, name: &str) -> Result<Vec<u8>, StoreError> {
        let summary = self.run(id)?;
        // Only the run's own files, by exact name: nothing else under the state directory is reachable.
        if !summary.files.iter().any(|f| f == name) {
            return Err(StoreError::NoFile {
                id,
                name: name.to_string(),
                why: "",
            });
        }
        if compressed(name) {
            let path = self.run_dir(id).join(format!("{name}.gz"));
            let file = File::open(&path).map_err(io(&path))?;
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(file), &mut bytes).map_err(io(&path))?;
            Ok(bytes)
        } else {
            let path = self.run_dir(id).join(name);
            std::fs::read(&path).map_err(io(&path))
        }
    }
}

/// Whether a run file is kept gzipped: text, which compresses well (PNG and xlsx are compressed already).
fn compressed(name: &str) -> bool {
    [".json", ".geojson", ".csv", ".html", ".svg"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(bytes)
        .and_then(|_| encoder.finish())
        .map_err(|e| StoreError::Backend(format!("cannot compress a run file: {e}")))
}
