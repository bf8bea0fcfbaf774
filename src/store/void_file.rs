//! The embedded store's voids: `voids.json` in the state directory, written whole (a new file renamed
//! over the old) under `voids.lock`. A void is added, never changed or removed; each is also on the
//! audit trail, whose chain would show one taken out of this file by hand.

use super::{StoreError, Void};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VoidRow {
    run: u64,
    at: String,
    by: String,
    reason: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VoidsDocument {
    voids: Vec<VoidRow>,
}

pub struct VoidsFile {
    dir: PathBuf,
}

impl VoidsFile {
    pub fn new(state_dir: &Path) -> VoidsFile {
        VoidsFile {
            dir: state_dir.to_path_buf(),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.join("voids.json")
    }

    fn read(&self) -> Result<VoidsDocument, StoreError> {
        let path = self.path();
        let bytes = match crate::limits::read_capped(&path, crate::limits::SMALL_FILE_BYTES) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(VoidsDocument::default()),
            Err(e) => return Err(StoreError::Backend(format!("{}: {e}", path.display()))),
        };
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Backend(format!("{}: {e}", path.display())))
    }

    /// Every void, in the order they were made.
    pub fn voids(&self) -> Result<Vec<Void>, StoreError> {
        Ok(self
            .read()?
            .voids
            .into_iter()
            .map(|r| Void {
                run: r.run,
                at: r.at,
                by: r.by,
                reason: r.reason,
            })
            .collect())
    }

    /// Adds `void`; refused when its run is voided already.
    pub fn add(&self, void: &Void) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| StoreError::Backend(format!("{}: {e}", self.dir.display())))?;
        let lock_path = self.dir.join("voids.lock");
        let lock = super::lock_file(&lock_path, true)?
            .ok_or_else(|| StoreError::Backend(format!("cannot lock {}", lock_path.display())))?;
        let mut doc = self.read()?;
        if let Some(earlier) = doc.voids.iter().find(|v| v.run == void.run) {
            return Err(StoreError::AlreadyVoided {
                run: void.run,
                at: earlier.at.clone(),
                by: earlier.by.clone(),
            });
        }
        doc.voids.push(VoidRow {
            run: void.run,
            at: void.at.clone(),
            by: void.by.clone(),
            reason: void.reason.clone(),
        });
        let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| StoreError::Backend(e.to_string()))?;
        crate::safe_write::write_all(&self.dir, vec![("voids.json", bytes)])?;
        drop(lock);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_voided_once_and_the_void_stays() {
        let dir = tempfile::tempdir().unwrap();
        let voids = VoidsFile::new(dir.path());
        assert!(voids.voids().unwrap().is_empty());
        let void = |run, by: &str| Void {
            run,
            at: "2026-12-07T08:00:00Z".into(),
            by: by.into(),
            reason: "数据有误 wrong data".into(),
        };
        voids.add(&void(3, "admin")).unwrap();
        voids.add(&void(5, "admin")).unwrap();
        let again = voids.add(&void(3, "other")).unwrap_err().to_string();
        assert!(again.contains("run 3") && again.contains("admin"), "{again}");
        let kept = voids.voids().unwrap();
        assert_eq!(kept.iter().map(|v| v.run).collect::<Vec<_>>(), [3, 5]);
        assert_eq!(kept[0].by, "admin");
    }
}
