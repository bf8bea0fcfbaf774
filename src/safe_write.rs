//! Writing files that cannot be turned against their readers or lose what was there.
//!
//! - Every file is created new under a name no one can guess (`O_CREAT | O_EXCL | O_NOFOLLOW`): a link
//!   planted at a temporary name is never followed, and a target that is itself a link is refused.
//! - A whole folder is staged beside its place and swapped in with one `renameat2(RENAME_EXCHANGE)`, so
//!   at every instant the folder holds all the old files or all the new ones; a crash leaves the old
//!   folder whole. Where the filesystem cannot exchange, the old folder is moved aside and put back if the
//!   new one cannot take its place, and a later write restores it if a crash came between.
//! - Leftovers of writes whose process has died (`.NAME.carecircle-new-PID-…`) are removed by the next
//!   write beside them.

use crate::report::files::WriteError;
use std::io::Write;
use std::path::{Path, PathBuf};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError {
    let path = path.to_path_buf();
    move |source| WriteError::Io { path, source }
}

/// A name part no one can guess: 64 bits from the standard library's randomly seeded hasher.
fn unguessable() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", h.finish())
}

/// Creates `path` new — failing if anything, a link included, is there — and writes `bytes` to it.
fn create_new(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(io(path))?;
    file.write_all(bytes).and_then(|_| file.sync_all()).map_err(io(path))
}

/// Refuses a target that is a symbolic link: writing there would write where the link points.
fn refuse_link(path: &Path) -> Result<(), WriteError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(WriteError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("拒绝写入符号链接 it is a symbolic link: refusing to write through it"),
        }),
        _ => Ok(()),
    }
}

/// A crash point for the tests (`CARECIRCLE_TEST_CRASH_AT`), compiled into debug builds only.
fn crash_point(at: &str) {
    if cfg!(debug_assertions) && std::env::var("CARECIRCLE_TEST_CRASH_AT").is_ok_and(|v| v == at) {
        std::process::abort();
    }
}

/// Writes named byte buffers into `dir`: each to a new file of an unguessable name, then renamed over
/// its target (a target that is a link is refused). Returns the paths written.
pub fn write_all(dir: &Path, files: Vec<(&str, Vec<u8>)>) -> Result<Vec<PathBuf>, WriteError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut staged = Vec::new();
    let clean = |staged: &[(PathBuf, PathBuf)]| {
        for (t, _) in staged {
            let _ = std::fs::remove_file(t);
        }
    };
    for (name, bytes) in &files {
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.{}.partial", unguessable()));
        if let Err(e) = refuse_link(&path).and_then(|_| create_new(&tmp, bytes)) {
            clean(&staged);
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        staged.push((tmp, path));
    }
    let mut written = Vec::new();
    for (tmp, path) in &staged {
        std::fs::rename(tmp, path).map_err(io(path))?;
        written.push(path.clone());
    }
    Ok(written)
}

/// Writes a whole folder of files at once: they are written into a new folder beside `dir`, which then
/// takes `dir`'s place, so readers see all the old files or all the new ones, never a mix. A `dir`
/// that holds anything but names in `known` (files carecircle did not write) is refused untouched.
pub fn write_folder<N: AsRef<str>, B: AsRef<[u8]>>(
    dir: &Path,
    files: &[(N, B)],
    known: &[&str],
) -> Result<(), WriteError> {
    let dir = match dir.file_name() {
        Some(_) => dir.to_path_buf(),
        None => dir.canonicalize().map_err(io(dir))?,
    };
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    recover_in(&parent, Some(&name));
    let exists = match std::fs::symlink_metadata(&dir) {
        Ok(meta) if meta.is_dir() => true,
        Ok(_) => {
            return Err(WriteError::Foreign {
                dir: dir.clone(),
                names: "(it is not a folder)".into(),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(io(&dir)(e)),
    };
    if exists {
        let mut foreign = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let entry_name = entry.file_name().to_string_lossy().into_owned();
            let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
            if !(is_file && known.contains(&entry_name.as_str())) {
                foreign.push(entry_name);
            }
        }
        if !foreign.is_empty() {
            foreign.sort();
            return Err(WriteError::Foreign {
                dir: dir.clone(),
                names: foreign.join(", "),
            });
        }
    }
    let pid = std::process::id();
    let tag = unguessable();
    let staging = parent.join(format!(".{name}.carecircle-new-{pid}-{tag}"));
    let staged = (|| {
        std::fs::create_dir(&staging).map_err(io(&staging))?;
        for (file, bytes) in files {
            create_new(&staging.join(file.as_ref()), bytes.as_ref())?;
        }
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    crash_point("before-swap");
    if !exists {
        return std::fs::rename(&staging, &dir).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staging);
            io(&dir)(e)
        });
    }
    match exchange(&staging, &dir) {
        // The staging folder now holds the old files.
        Ok(()) => {
            crash_point("after-swap");
            let _ = std::fs::remove_dir_all(&staging);
            Ok(())
        }
        Err(_) => {
            // No exchange on this filesystem: move the old folder aside, the new one in, and the old one
            // back if that fails. A crash between the two renames leaves the old one aside, under a name
            // the next write recognises and restores.
            let old = parent.join(format!(".{name}.carecircle-old-{pid}-{tag}"));
            if let Err(e) = std::fs::rename(&dir, &old) {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(io(&dir)(e));
            }
            if let Err(e) = std::fs::rename(&staging, &dir) {
                let _ = std::fs::rename(&old, &dir);
                let _ = std::fs::remove_dir_all(&staging);
                return Err(io(&dir)(e));
            }
            let _ = std::fs::remove_dir_all(&old);
            Ok(())
        }
    }
}

/// Swaps two paths in one step (Linux `renameat2` with `RENAME_EXCHANGE`).
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are NUL-terminated paths that live across the call; renameat2 reads them only.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// What a folder write leaves beside its folder while it runs: `.NAME.carecircle-new-PID-TAG` (the new
/// files being staged) or `.NAME.carecircle-old-PID-TAG` (the old folder set aside by the fallback swap).
struct Leftover<'a> {
    folder: &'a str,
    set_aside: bool,
    pid: Option<i32>,
}

fn leftover(file_name: &str) -> Option<Leftover<'_>> {
    let (folder, rest) = file_name.strip_prefix('.')?.rsplit_once(".carecircle-")?;
    let (set_aside, rest) = match rest.split_once('-')? {
        ("new", rest) => (false, rest),
        ("old", rest) => (true, rest),
        _ => return None,
    };
    let pid = rest.split('-').next().and_then(|p| p.parse().ok());
    Some(Leftover { folder, set_aside, pid })
}

/// After writes that died, in `parent` (of the folder `only`, or of every folder): an old folder a
/// fallback swap set aside is put back where its folder is missing, and the rest of what those writes left
/// is removed. A write whose process still runs is left alone.
fn recover_in(parent: &Path, only: Option<&str>) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(left) = leftover(&file_name) else { continue };
        if only.is_some_and(|name| name != left.folder) || left.pid.is_some_and(alive) {
            continue;
        }
        let folder = parent.join(left.folder);
        if left.set_aside && std::fs::symlink_metadata(&folder).is_err() {
            let _ = std::fs::rename(entry.path(), &folder);
        } else {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether process `pid` is running (it may be another user's).
fn alive(pid: i32) -> bool {
    if pid <= 0 || pid as u32 == std::process::id() {
        return pid > 0;
    }
    // SAFETY: signal 0 checks for the process and sends nothing.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Recovers from the folder writes under `dir` whose process has died: for a state directory, at start.
pub fn clean_leftovers(dir: &Path) {
    recover_in(dir, None);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link planted at the old, guessable temporary name is not followed; a target that is a link is
    /// refused and what it points at is untouched.
    #[test]
    fn links_are_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&victim, out.join(".facilities.geojson.partial")).unwrap();
        write_all(&out, vec![("facilities.geojson", b"{}".to_vec())]).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!std::fs::symlink_metadata(out.join("facilities.geojson"))
            .unwrap()
            .file_type()
            .is_symlink());
        std::os::unix::fs::symlink(&victim, out.join("roads.geojson")).unwrap();
        let refused = write_all(&out, vec![("roads.geojson", b"{}".to_vec())]).unwrap_err();
        assert!(refused.to_string().contains("symbolic link"), "{refused}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    /// A folder written again is swapped whole, and the leftovers of a dead write beside it go.
    #[test]
    fn folders_are_swapped_whole_and_leftovers_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        write_folder(&run, &[("a.csv", "1"), ("b.csv", "1")], &["a.csv", "b.csv"]).unwrap();
        // A dead process's staging folder (pid 0 is never a process here).
        let dead = dir.path().join(".run.carecircle-new-0-feed");
        std::fs::create_dir(&dead).unwrap();
        write_folder(&run, &[("a.csv", "2")], &["a.csv", "b.csv"]).unwrap();
        assert_eq!(std::fs::read_to_string(run.join("a.csv")).unwrap(), "2");
        assert!(!run.join("b.csv").exists(), "the old folder's files are gone with it");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("run")], "{left:?}");
        // An old folder set aside by a write that died between its renames is put back.
        std::fs::rename(&run, dir.path().join(".run.carecircle-old-0-beef")).unwrap();
        write_folder(&run, &[("a.csv", "3")], &["a.csv", "b.csv"]).unwrap();
        assert_eq!(std::fs::read_to_string(run.join("a.csv")).unwrap(), "3");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
