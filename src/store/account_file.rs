//! The embedded store's accounts: `accounts.json` in the state directory. Written whole (a new file
//! renamed over the old, under `accounts.lock`), so `carecircle users` can change accounts while a
//! server runs on the same state directory, and the server reads them afresh when the file changes.

use super::StoreError;
use crate::accounts::{Account, Role};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// An account as `accounts.json` holds it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountRow {
    name: String,
    role: String,
    #[serde(default)]
    scope: Vec<String>,
    #[serde(default)]
    disabled: bool,
    #[serde(default)]
    token_sha256: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsDocument {
    accounts: Vec<AccountRow>,
}

/// The accounts file of a state directory.
pub struct AccountsFile {
    dir: PathBuf,
    /// What was read last, with the file's modification time then.
    read: Mutex<Option<(SystemTime, Vec<Account>)>>,
}

impl AccountsFile {
    pub fn new(state_dir: &Path) -> AccountsFile {
        AccountsFile {
            dir: state_dir.to_path_buf(),
            read: Mutex::new(None),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.join("accounts.json")
    }

    /// Every account; none when the file is not there. Read again only when the file changed.
    pub fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let path = self.path();
        let modified = match std::fs::metadata(&path) {
            Ok(m) => m.modified().ok(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::Backend(format!("{}: {e}", path.display()))),
        };
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(m), Some((at, accounts))) = (modified, read.as_ref()) {
            if *at == m {
                return Ok(accounts.clone());
            }
        }
        let accounts = self.read_file()?;
        *read = modified.map(|m| (m, accounts.clone()));
        Ok(accounts)
    }

    fn read_file(&self) -> Result<Vec<Account>, StoreError> {
        let path = self.path();
        let bytes = match crate::limits::read_capped(&path, crate::limits::SMALL_FILE_BYTES) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::Backend(format!("{}: {e}", path.display()))),
        };
        let bad = |what: String| StoreError::Backend(format!("{}: {what}", path.display()));
        let doc: AccountsDocument = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        doc.accounts
            .into_iter()
            .map(|row| {
                let role = Role::parse(&row.role)
                    .ok_or_else(|| bad(format!("account \"{}\" has an unknown role \"{}\"", row.name, row.role)))?;
                let mut account = Account::new(&row.name, role, row.scope).map_err(|e| bad(e.to_string()))?;
                account.disabled = row.disabled;
                account.token_sha256 = row.token_sha256;
                Ok(account)
            })
            .collect()
    }

    /// Adds `account`, or with `replace` puts it in the place of the account of its name: refused when the
    /// name is taken (adding) or not found (replacing). One change at a time, across processes.
    pub fn save(&self, account: &Account, replace: bool) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| StoreError::Backend(format!("{}: {e}", self.dir.display())))?;
        let lock_path = self.dir.join("accounts.lock");
        let lock = super::lock_file(&lock_path, true)?
            .ok_or_else(|| StoreError::Backend(format!("cannot lock {}", lock_path.display())))?;
        let mut accounts = self.read_file()?;
        match (accounts.iter().position(|a| a.name == account.name), replace) {
            (Some(i), true) => accounts[i] = account.clone(),
            (None, false) => accounts.push(account.clone()),
            (Some(_), false) => return Err(StoreError::AccountExists(account.name.clone())),
            (None, true) => return Err(StoreError::NoAccount(account.name.clone())),
        }
        let doc = AccountsDocument {
            accounts: accounts
                .iter()
                .map(|a| AccountRow {
                    name: a.name.clone(),
                    role: a.role.key().to_string(),
                    scope: a.scope.clone(),
                    disabled: a.disabled,
                    token_sha256: a.token_sha256.clone(),
                })
                .collect(),
        };
        let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| StoreError::Backend(e.to_string()))?;
        crate::safe_write::write_all(&self.dir, vec![("accounts.json", bytes)])?;
        drop(lock);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_added_replaced_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = AccountsFile::new(dir.path());
        assert!(file.accounts().unwrap().is_empty());
        let alice = Account::new("alice", Role::Auditor, vec!["350105".into()]).unwrap();
        file.save(&alice, false).unwrap();
        assert!(matches!(file.save(&alice, false), Err(StoreError::AccountExists(_))));
        let mut disabled = alice.clone();
        disabled.disabled = true;
        file.save(&disabled, true).unwrap();
        // Another reader (the server) sees the change.
        assert_eq!(AccountsFile::new(dir.path()).accounts().unwrap(), vec![disabled]);
        let bob = Account::new("bob", Role::Viewer, vec![]).unwrap();
        assert!(matches!(file.save(&bob, true), Err(StoreError::NoAccount(_))));
        std::fs::write(
            dir.path().join("accounts.json"),
            r#"{"accounts":[{"name":"x","role":"root"}]}"#,
        )
        .unwrap();
        let err = AccountsFile::new(dir.path()).accounts().unwrap_err().to_string();
        assert!(err.contains("unknown role \"root\""), "{err}");
    }
}
