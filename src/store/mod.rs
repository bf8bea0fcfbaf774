//! Where datasets and kept runs live, behind one interface: the embedded store (dataset folders loaded
//! into memory, runs kept as files under a state directory) and PostGIS. The server and the CLI use only
//! [`Store`]; neither knows which one it has.
//!
//! Architecture invariant: a store keeps runs and hands them back as made; it never judges. A run is
//! judged once by [`crate::check`], rendered once into its files by [`keep`], and those bytes are what
//! every later reader gets.

// The core's modules and the maps by the paths the rest of carecircle gives them (`crate::model`, …):
// this is the crate carecircle-store (crates/store), which cannot reach the server.
use carecircle_core::{
    accounts, audit, check, crs, digest, edit, engine, fields, limits, load, model, report, safe_write, spatial,
};
use carecircle_maps as map;

pub mod account_file;
pub mod audit_file;
pub mod edit_file;
pub mod embedded;
pub mod postgis;
pub mod void_file;

use crate::accounts::Account;
use crate::check::{Judged, Source};
use crate::map::Lang;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no dataset named \"{0}\"")]
    NoDataset(String),
    #[error("no check run {0}")]
    NoRun(u64),
    #[error("没有此账户 no account named \"{0}\"")]
    NoAccount(String),
    #[error("账户已存在 an account named \"{0}\" exists already")]
    AccountExists(String),
    #[error("已作废 check run {run} was voided already, on {at} by {by}: a void is never made twice")]
    AlreadyVoided { run: u64, at: String, by: String },
    #[error("check run {id} has no {name}{why}")]
    NoFile { id: u64, name: String, why: &'static str },
    #[error("数据集已被他人修改 dataset \"{dataset}\" changed while this edit was made (it is at version {now} now): make the edit again on the newest version")]
    Stale { dataset: String, now: u32 },
    #[error("the store failed: {0}")]
    Backend(String),
    /// The disk (or the database's) is full: what was being kept (`run 7`) was not.
    #[error(
        "存储空间已满 {0} could not be kept: the server's storage is full (nothing was kept; free space and try again)"
    )]
    Full(String),
    #[error(transparent)]
    Audit(#[from] crate::audit::Broken),
    #[error(transparent)]
    Render(#[from] crate::report::files::WriteError),
    #[error(transparent)]
    Map(#[from] crate::map::MapError),
}

impl StoreError {
    /// `self`, or [`StoreError::Full`] for `what` when it says the disk or the database ran out of space.
    pub fn or_full(self, what: &str) -> StoreError {
        let full = match &self {
            StoreError::Render(crate::report::files::WriteError::Io { source, .. }) => {
                source.kind() == std::io::ErrorKind::StorageFull || source.raw_os_error() == Some(libc::EDQUOT)
            }
            // PostgreSQL: SQLSTATE 53100 disk_full, "could not extend file …: No space left on device".
            StoreError::Backend(text) => {
                text.contains("No space left on device") || text.contains("could not extend file")
            }
            _ => false,
        };
        if full {
            StoreError::Full(what.to_string())
        } else {
            self
        }
    }
}

/// Who may use the service and what they did: the accounts and the audit trail. The server reaches them
/// through [`Store::records`]; `carecircle users` and `audit` through [`open_records`], beside a server
/// that may be running on the same store.
pub trait Records: Send + Sync {
    /// Every account, in the order they were added.
    fn accounts(&self) -> Result<Vec<Account>, StoreError>;
    /// Adds `account`, or with `replace` puts it in the place of the account of its name (refused when
    /// the name is taken, or not found).
    fn save_account(&self, account: &Account, replace: bool) -> Result<(), StoreError>;
    /// Appends an entry to the audit trail, chained to the last one.
    fn append_audit(&self, entry: &crate::audit::Entry) -> Result<(), StoreError>;
    /// The audit trail, oldest first.
    fn audit_entries(&self) -> Result<Vec<crate::audit::Entry>, StoreError>;
    /// Walks the audit trail's chain: how many entries, or where it breaks ([`StoreError::Audit`]).
    fn verify_audit(&self) -> Result<usize, StoreError>;
    /// Keeps a void of a run (refused when the run is voided already); the run itself stays as made.
    fn void_run(&self, void: &Void) -> Result<(), StoreError>;
    /// Every void, in the order they were made.
    fn voids(&self) -> Result<Vec<Void>, StoreError>;
}

/// A run voided (作废): a record of its own, the run unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Void {
    pub run: u64,
    /// RFC 3339 UTC.
    pub at: String,
    /// Who voided it, as the audit trail names them.
    pub by: String,
    pub reason: String,
}

/// The records of the store a server would use: PostGIS at `database_url`, else the state directory's
/// files (`accounts.json`, `audit.jsonl`), which need no lock on the directory itself.
pub fn open_records(database_url: Option<&str>, state_dir: &std::path::Path) -> Result<Box<dyn Records>, StoreError> {
    Ok(match database_url {
        Some(url) => Box::new(postgis::PostgisStore::connect(url)?),
        None => Box::new(StateRecords::new(state_dir)),
    })
}

/// The embedded store's records: the accounts and audit files of its state directory.
pub struct StateRecords {
    accounts: account_file::AccountsFile,
    audit: audit_file::AuditFile,
    voids: void_file::VoidsFile,
}

impl StateRecords {
    pub fn new(state_dir: &std::path::Path) -> StateRecords {
        StateRecords {
            accounts: account_file::AccountsFile::new(state_dir),
            audit: audit_file::AuditFile::new(state_dir),
            voids: void_file::VoidsFile::new(state_dir),
        }
    }
}

impl Records for StateRecords {
    fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.accounts.accounts()
    }

    fn save_account(&self, account: &Account, replace: bool) -> Result<(), StoreError> {
        self.accounts.save(account, replace)
    }

    fn append_audit(&self, entry: &crate::audit::Entry) -> Result<(), StoreError> {
        self.audit.append(entry)
    }

    fn audit_entries(&self) -> Result<Vec<crate::audit::Entry>, StoreError> {
        self.audit.entries()
    }

    fn verify_audit(&self) -> Result<usize, StoreError> {
        self.audit.verify()
    }

    fn void_run(&self, void: &Void) -> Result<(), StoreError> {
        self.voids.add(void)
    }

    fn voids(&self) -> Result<Vec<Void>, StoreError> {
        self.voids.voids()
    }
}

/// Opens `path` (made when missing) and holds an exclusive `flock` on it until the file is dropped:
/// `wait` to wait for it, or not to fail at once when another process holds it (`Ok(None)`).
pub(crate) fn lock_file(path: &std::path::Path, wait: bool) -> Result<Option<std::fs::File>, StoreError> {
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| StoreError::Backend(format!("{}: {e}", path.display())))?;
    let how = if wait {
        libc::LOCK_EX
    } else {
        libc::LOCK_EX | libc::LOCK_NB
    };
    // SAFETY: flock on a file descriptor we own; it is released when the file is closed.
    let locked = unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), how) };
    Ok((locked == 0).then_some(lock))
}

/// What a store says of a kept run without reading its files: enough for a list of runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: u64,
    /// RFC 3339 UTC.
    pub created: String,
    /// The store's name of the dataset judged, its version there (PostGIS) and its digest.
    pub dataset: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_version: Option<u32>,
    pub dataset_digest: String,
    /// The day judged.
    pub as_of: String,
    pub mode: String,
    pub rulesets: Vec<String>,
    pub rules: usize,
    pub failed_rules: usize,
    pub findings: usize,
    /// The findings' extent in WGS84 (min lon, min lat, max lon, max lat); `None` without findings.
    #[serde(default)]
    pub bbox: Option<[f64; 4]>,
    /// The run's files, `check.json` first.
    pub files: Vec<String>,
    /// Rulesets asked for but not yet in force on the day judged, so not applied (empty for runs kept
    /// before this was recorded: their `check.json` says).
    #[serde(default)]
    pub not_in_force: Vec<NotApplied>,
}

/// A ruleset a run did not apply: it takes effect after the day judged.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NotApplied {
    pub ruleset: String,
    /// The day it takes effect, `YYYY-MM-DD`.
    pub effective: String,
}

/// A run to keep: its summary, its files, and the judged run they were rendered from.
pub struct NewRun<'a> {
    pub summary: RunSummary,
    pub files: Vec<(&'static str, Vec<u8>)>,
    pub judged: &'a Judged,
}

/// The stores' one interface.
pub trait Store: Send + Sync {
    /// `embedded` or `postgis`, for the landing page and logs.
    fn kind(&self) -> &'static str;
    fn dataset_names(&self) -> Result<Vec<String>, StoreError>;
    /// The dataset now under `name`, with its digest and version.
    fn dataset(&self, name: &str) -> Result<Source, StoreError>;
    /// A run id never handed out before, by this process or an earlier one.
    fn next_run_id(&self) -> Result<u64, StoreError>;
    /// Keeps a run under the id [`Store::next_run_id`] gave: all of it or nothing.
    fn keep_run(&self, run: NewRun) -> Result<(), StoreError>;
    /// Every kept run, oldest first.
    fn runs(&self) -> Result<Vec<RunSummary>, StoreError>;
    fn run(&self, id: u64) -> Result<RunSummary, StoreError>;
    /// The store's accounts and audit trail.
    fn records(&self) -> &dyn Records;
    /// One file of a kept run, byte for byte as made.
    fn run_file(&self, id: u64, name: &str) -> Result<Vec<u8>, StoreError>;
    /// Keeps an edit made on the version `edit.base` of its dataset and makes the edited dataset the
    /// newest version: all of it or nothing, refused ([`StoreError::Stale`]) when another write made a
    /// newer version first. Returns the new version and the edit as kept.
    fn keep_edit(&self, edit: NewEdit) -> Result<(Source, KeptEdit), StoreError>;
    /// Every edit kept of dataset `name`, oldest first: its history, which outlives re-imports.
    fn edits(&self, name: &str) -> Result<Vec<KeptEdit>, StoreError>;
    /// Version `version` of dataset `name`: the newest, or an earlier one as it stood, made again from the
    /// newest by undoing the edits after it.
    fn dataset_at(&self, name: &str, version: u32) -> Result<Source, StoreError> {
        let newest = self.dataset(name)?;
        undo_to(&newest, &self.edits(name)?, version)
    }
}

/// An edit applied ([`edit::apply`]) to version `base` of dataset `dataset`, by `by`, to keep.
pub struct NewEdit<'a> {
    pub dataset: &'a str,
    /// The version the edit was applied to (`None`: an embedded dataset never edited).
    pub base: Option<u32>,
    pub by: &'a str,
    pub applied: edit::Applied,
}

/// An edit as a store keeps it: the version it made, who made it and when, and the feature before and
/// after (GeoJSON in WGS84; `None` before a create and after a delete).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeptEdit {
    /// The dataset version the edit made (the version before it is one less).
    pub version: u32,
    /// RFC 3339 UTC.
    pub at: String,
    pub by: String,
    pub layer: String,
    pub feature_id: String,
    /// `create`, `replace`, `update` or `delete`.
    pub op: String,
    /// Where in its layer the feature stood, from 0.
    pub position: usize,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl KeptEdit {
    /// The edit as [`edit::undo`] and [`edit::redo`] take it.
    pub fn kept(&self) -> Result<edit::Kept<'_>, StoreError> {
        Ok(edit::Kept {
            layer: &self.layer,
            feature_id: &self.feature_id,
            op: edit::Op::parse(&self.op).ok_or_else(|| {
                StoreError::Backend(format!("a kept edit's op \"{}\" is not one carecircle knows", self.op))
            })?,
            position: self.position,
            before: self.before.as_ref(),
            after: self.after.as_ref(),
        })
    }

    fn new(applied: &edit::Applied, version: u32, by: &str, at: String) -> KeptEdit {
        KeptEdit {
            version,
            at,
            by: by.to_string(),
            layer: applied.layer.clone(),
            feature_id: applied.feature_id.clone(),
            op: applied.op.key().to_string(),
            position: applied.position,
            before: applied.before.clone(),
            after: applied.after.clone(),
        }
    }
}

/// `newest` as it stood at `version`: the edits after it undone, newest first. Refused when a version
/// between was not made by an edit (an import: the store keeps that version's rows, or not).
pub fn undo_to(newest: &Source, edits: &[KeptEdit], version: u32) -> Result<Source, StoreError> {
    let now = newest.version.unwrap_or(1);
    let gone = || StoreError::NoDataset(format!("{} version {version}", newest.name));
    if version == now {
        return Ok(newest.clone());
    }
    if version > now || version == 0 {
        return Err(gone());
    }
    let mut dataset: Option<crate::model::Dataset> = None;
    for v in ((version + 1)..=now).rev() {
        let Some(e) = edits.iter().rev().find(|e| e.version == v) else {
            return Err(gone());
        };
        let from = dataset.as_ref().unwrap_or(&newest.dataset);
        dataset = Some(
            edit::undo(from, e.kept()?)
                .map_err(|err| StoreError::Backend(format!("version {v} cannot be undone: {err}")))?,
        );
    }
    let dataset = dataset.ok_or_else(gone)?;
    Ok(Source::edited(&newest.name, dataset, version))
}

/// Keeps a judged run in `store`: gives it an id and a time, renders its record (naming `created_by`,
/// who had it made, when known) and files (with the maps when `maps` is given: a CJK font must be
/// registered), and hands them to the store.
pub fn keep(
    store: &dyn Store,
    judged: &Judged,
    maps: Option<Lang>,
    created_by: Option<&str>,
) -> Result<RunSummary, StoreError> {
    let id = store.next_run_id()?;
    let created = now_rfc3339();
    let mut record = judged.record(&id.to_string(), &created);
    record.created_by = created_by.map(str::to_string);
    let drawn = match maps {
        Some(lang) => crate::map::draw_run(judged, lang, 1600)?,
        None => None,
    };
    let files = judged.files(&record, drawn.as_ref())?;
    let summary = RunSummary {
        id,
        created,
        dataset: judged.source.name.clone(),
        dataset_version: judged.source.version,
        dataset_digest: record.dataset_digest.clone(),
        as_of: judged.dataset.as_of.to_string(),
        mode: judged.request.mode.key().to_string(),
        rulesets: judged.request.rulesets.iter().map(|r| r.id.clone()).collect(),
        rules: judged.report.outcomes.len(),
        failed_rules: judged.report.outcomes.iter().filter(|o| !o.pass).count(),
        findings: judged.report.findings.len(),
        bbox: extent(&judged.report.findings),
        files: files.iter().map(|(n, _)| n.to_string()).collect(),
        not_in_force: judged
            .report
            .not_in_force
            .iter()
            .map(|(ruleset, effective)| NotApplied {
                ruleset: ruleset.clone(),
                effective: effective.to_string(),
            })
            .collect(),
    };
    store.keep_run(NewRun {
        summary: summary.clone(),
        files,
        judged,
    })?;
    Ok(summary)
}

fn extent(findings: &[crate::engine::Finding]) -> Option<[f64; 4]> {
    crate::spatial::extent(findings.iter().map(|f| &*f.geometry)).map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
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
