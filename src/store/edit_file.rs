//! The embedded store's edits: `STATE/edits/<dataset>.jsonl`, one kept edit a line, appended and
//! flushed to the disk (`fsync`) before the write is acknowledged, never rewritten. At start the lines
//! are replayed on the dataset folder, so the edits survive a restart and a crash.
//!
//! The first line names the digest of the folder the edits were made on: a folder changed under them is
//! refused by name rather than edited twice. A last line cut short by a crash (no newline: the write was
//! never acknowledged) is dropped; any other line that does not read stops the start, naming it.

use super::{KeptEdit, StoreError};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The first line of an edits file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    /// The digest of the dataset folder the edits were first made on.
    base_digest: String,
}

pub struct EditFile {
    path: PathBuf,
}

impl EditFile {
    /// The edits file of dataset `name` under `state`.
    pub fn new(state: &Path, name: &str) -> EditFile {
        // A dataset's name is a folder's: kept as it is where it is plain, hex where it is not.
        let plain = !name.is_empty()
            && !name.starts_with('.')
            && name.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c));
        let file = if plain {
            format!("{name}.jsonl")
        } else {
            format!("{}.jsonl", name.bytes().map(|b| format!("{b:02x}")).collect::<String>())
        };
        EditFile {
            path: state.join("edits").join(file),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The base digest and every edit kept, oldest first (none when the file is missing); a torn last
    /// line is left out. With `repair` (only by the process holding the state directory, at start) it is
    /// also cut off the file; a reader beside a running server never writes.
    pub fn read(&self, repair: bool) -> Result<Option<(String, Vec<KeptEdit>)>, StoreError> {
        let at = |line: usize, why: String| {
            StoreError::Backend(format!(
                "{} line {line}: {why} (the file is carecircle's record of the dataset's edits; restore it from a backup)",
                self.path.display()
            ))
        };
        let text = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::Backend(format!("{}: {e}", self.path.display()))),
        };
        let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if repair && complete < text.len() {
            // Never acknowledged: the process died while writing it.
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&self.path)
                .map_err(|e| StoreError::Backend(format!("{}: {e}", self.path.display())))?;
            file.set_len(complete as u64)
                .and_then(|_| file.sync_all())
                .map_err(|e| StoreError::Backend(format!("{}: {e}", self.path.display())))?;
        }
        let mut lines = text[..complete].split(|&b| b == b'\n').filter(|l| !l.is_empty());
        let Some(first) = lines.next() else {
            return Ok(None);
        };
        let head: Head = serde_json::from_slice(first).map_err(|e| at(1, format!("expected the base digest: {e}")))?;
        let mut edits = Vec::new();
        for (n, line) in lines.enumerate() {
            let edit: KeptEdit = serde_json::from_slice(line).map_err(|e| at(n + 2, e.to_string()))?;
            edits.push(edit);
        }
        Ok(Some((head.base_digest, edits)))
    }

    /// Appends `edit` (and, for the first, the head naming `base_digest`), flushed to the disk.
    pub fn append(&self, base_digest: &str, first: bool, edit: &KeptEdit) -> Result<(), StoreError> {
        let io = |e: std::io::Error| StoreError::Backend(format!("{}: {e}", self.path.display())).or_full("the edit");
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut bytes = Vec::new();
        if first {
            serde_json::to_writer(
                &mut bytes,
                &Head {
                    base_digest: base_digest.to_string(),
                },
            )
            .map_err(|e| StoreError::Backend(e.to_string()))?;
            bytes.push(b'\n');
        }
        serde_json::to_writer(&mut bytes, edit).map_err(|e| StoreError::Backend(e.to_string()))?;
        bytes.push(b'\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io)?;
        let length = file.metadata().map_err(io)?.len();
        // One write of whole lines, then fsync: acknowledged only once it is on the disk. A write that
        // fails half-way is cut off again, so the next edit's line starts on a line of its own.
        if let Err(e) = file.write_all(&bytes).and_then(|_| file.sync_data()) {
            let _ = file.set_len(length);
            return Err(io(e));
        }
        if first {
            if let Some(dir) = self.path.parent().and_then(|d| std::fs::File::open(d).ok()) {
                dir.sync_all().map_err(io)?;
            }
        }
        Ok(())
    }
}
