//! The embedded store's audit trail: `audit.jsonl` in the state directory, one chained entry a line
//! (`crate::audit`), appended under `audit.lock` by the server and by `carecircle users` alike; beside it
//! `audit.head`, the sha256 and length of the file as last appended, so a change to the last entry is
//! found too.

use super::StoreError;
use crate::audit::{sha256, verify_to, Entry, GENESIS};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct AuditFile {
    dir: PathBuf,
}

fn backend(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Backend(format!("{}: {e}", path.display()))
}

impl AuditFile {
    pub fn new(state_dir: &Path) -> AuditFile {
        AuditFile {
            dir: state_dir.to_path_buf(),
        }
    }

    fn log(&self) -> PathBuf {
        self.dir.join("audit.jsonl")
    }

    fn head(&self) -> PathBuf {
        self.dir.join("audit.head")
    }

    /// The lines as kept, and the head noted at the last append (`None` before the first).
    fn read(&self) -> Result<(String, Option<String>), StoreError> {
        let text = match std::fs::read_to_string(self.log()) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(backend(&self.log())(e)),
        };
        let head = match std::fs::read_to_string(self.head()) {
            Ok(h) => h.split_whitespace().next().map(str::to_string),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(backend(&self.head())(e)),
        };
        Ok((text, head))
    }

    /// Appends `entry`, chained to the last one: one append at a time, across processes.
    pub fn append(&self, entry: &Entry) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(backend(&self.dir))?;
        let lock_path = self.dir.join("audit.lock");
        let lock = super::lock_file(&lock_path, true)?
            .ok_or_else(|| StoreError::Backend(format!("cannot lock {}", lock_path.display())))?;
        // The previous entry's hash: noted in the head with the file's length then; read from the file
        // itself when the head is missing or does not match it.
        let log = self.log();
        let length = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let noted = std::fs::read_to_string(self.head()).ok().and_then(|h| {
            let mut parts = h.split_whitespace();
            let hash = parts.next()?.to_string();
            let len: u64 = parts.next()?.parse().ok()?;
            (len == length).then_some(hash)
        });
        let prev = match noted {
            Some(h) => h,
            None => {
                let (text, _) = self.read()?;
                text.lines().last().map_or_else(|| GENESIS.to_string(), sha256)
            }
        };
        let line = entry.line(&prev);
        let mut file = File::options()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(backend(&log))?;
        file.write_all(format!("{line}\n").as_bytes()).map_err(backend(&log))?;
        file.sync_data().map_err(backend(&log))?;
        let head = format!("{} {}\n", sha256(&line), length + line.len() as u64 + 1);
        crate::safe_write::write_all(&self.dir, vec![("audit.head", head.into_bytes())])?;
        drop(lock);
        Ok(())
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> Result<Vec<Entry>, StoreError> {
        let (text, _) = self.read()?;
        text.lines()
            .enumerate()
            .map(|(i, l)| {
                Entry::parse(l).map(|(e, _)| e).ok_or_else(|| {
                    StoreError::Backend(format!("{} line {}: not an audit entry", self.log().display(), i + 1))
                })
            })
            .collect()
    }

    /// Walks the chain: how many entries it holds, or where it breaks.
    pub fn verify(&self) -> Result<usize, StoreError> {
        let (text, head) = self.read()?;
        Ok(verify_to(text.lines(), head.as_deref())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(who: &str) -> Entry {
        Entry {
            at: "2026-12-04T08:00:00Z".into(),
            who: who.into(),
            action: "POST /checks".into(),
            dataset: None,
            run: Some(1),
            status: 201,
            client: "127.0.0.1".into(),
        }
    }

    #[test]
    fn appends_chain_and_a_hand_edit_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let audit = AuditFile::new(dir.path());
        assert_eq!(audit.verify().unwrap(), 0);
        for who in ["a", "b", "c"] {
            audit.append(&entry(who)).unwrap();
        }
        assert_eq!(audit.verify().unwrap(), 3);
        assert_eq!(audit.entries().unwrap()[1].who, "b");
        // Without its head, the next append finds the last entry in the file itself.
        std::fs::remove_file(dir.path().join("audit.head")).unwrap();
        audit.append(&entry("d")).unwrap();
        assert_eq!(audit.verify().unwrap(), 4);
        let path = dir.path().join("audit.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("\"who\":\"d\"", "\"who\":\"x\"", 1)).unwrap();
        let broken = audit.verify().unwrap_err().to_string();
        assert!(broken.contains("entry 4"), "{broken}");
    }
}
