//! Who may use a shared carecircle: accounts, their roles and their personal tokens. Stores keep the
//! accounts (`store::accounts`); the server's policy (`server::policy`) says what each role may do. No
//! I/O here but the system's random source for a new token.
//!
//! ```
//! use carecircle_core::accounts::{token_digest, Account, Role};
//! let (token, digest) = carecircle_core::accounts::new_token().unwrap();
//! let auditor = Account::new("王审计", Role::Auditor, vec!["350105".into()]).unwrap().with_token(digest);
//! assert!(auditor.role.allows(Role::Reviewer) && !auditor.role.allows(Role::Admin));
//! assert_eq!(auditor.token_sha256.as_deref(), Some(token_digest(&token).as_str()));
//! ```

use sha2::{Digest, Sha256};

/// What an account may do; each role may do all that the roles before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads layers and kept runs.
    Viewer,
    /// And reviews plans, sites facilities, measures accessibility.
    Reviewer,
    /// And runs checks, compares runs, exports.
    Auditor,
    /// And changes data.
    Editor,
    /// And keeps accounts, imports datasets, voids runs.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Viewer, Role::Reviewer, Role::Auditor, Role::Editor, Role::Admin];

    pub fn key(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Reviewer => "reviewer",
            Role::Auditor => "auditor",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Role::Viewer => "查看",
            Role::Reviewer => "审查",
            Role::Auditor => "审计",
            Role::Editor => "编辑",
            Role::Admin => "管理员",
        }
    }

    /// A role by its key or its Chinese name.
    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.key().eq_ignore_ascii_case(s) || r.chinese() == s)
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

/// An account: a person (or a script) with a role, the admin units it acts in, and its token's digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its name, as people are named: `王审计`, `street-office-luoxing`.
    pub name: String,
    pub role: Role,
    /// The admin-unit codes it acts in; empty for the whole city.
    pub scope: Vec<String>,
    /// A disabled account signs in no more; it stays, so records that name it still mean someone.
    pub disabled: bool,
    /// The sha256 (hex) of its personal token, if it has one; the token itself is never kept.
    pub token_sha256: Option<String>,
}

/// Why an account cannot be made as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("账户名无效 the account name \"{0}\" is not usable: give 1 to 64 characters, no spaces at its ends and no control characters")]
    Name(String),
    #[error("辖区代码无效 the scope \"{0}\" is not an admin-unit code: expected digits only, 2 to 12 of them")]
    Scope(String),
    #[error("无法生成令牌 cannot make a token: the system's random source failed ({0})")]
    Random(String),
}

/// The longest account name, in characters.
pub const NAME_CHARS: usize = 64;

impl Account {
    /// An enabled account without a token yet; the name and every scope code are checked.
    pub fn new(name: &str, role: Role, scope: Vec<String>) -> Result<Account, AccountError> {
        let chars = name.chars().count();
        if chars == 0 || chars > NAME_CHARS || name.trim() != name || name.chars().any(char::is_control) {
            return Err(AccountError::Name(name.to_string()));
        }
        if let Some(bad) = scope
            .iter()
            .find(|c| !(2..=12).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(AccountError::Scope(bad.clone()));
        }
        Ok(Account {
            name: name.to_string(),
            role,
            scope,
            disabled: false,
            token_sha256: None,
        })
    }

    /// The account with a (new) token, given by its digest.
    pub fn with_token(mut self, digest: String) -> Account {
        self.token_sha256 = Some(digest);
        self
    }
}

/// A new personal token and its digest: `cc_` and 64 hex digits (256 random bits). The token is shown
/// once; only the digest is kept.
pub fn new_token() -> Result<(String, String), AccountError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AccountError::Random(e.to_string()))?;
    let token = format!("cc_{}", hex(&bytes));
    let digest = token_digest(&token);
    Ok((token, digest))
}

/// The sha256 of a token, hex: what stores keep and look a presented token up by. A token is 256 random
/// bits, so its digest can be looked up directly: how long a look-up takes says nothing of a token.
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_allows_the_ones_before_it() {
        assert!(Role::Admin.allows(Role::Viewer));
        assert!(Role::Reviewer.allows(Role::Reviewer));
        assert!(!Role::Reviewer.allows(Role::Auditor));
        assert_eq!(Role::parse("审计"), Some(Role::Auditor));
        assert_eq!(Role::parse("Admin"), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn names_and_scopes_are_checked() {
        assert!(Account::new("罗星街道办", Role::Editor, vec!["350105001".into()]).is_ok());
        assert_eq!(
            Account::new(" bob", Role::Viewer, vec![]),
            Err(AccountError::Name(" bob".into()))
        );
        assert_eq!(
            Account::new("bob", Role::Viewer, vec!["35a".into()]),
            Err(AccountError::Scope("35a".into()))
        );
        assert!(Account::new(&"x".repeat(65), Role::Viewer, vec![]).is_err());
    }

    #[test]
    fn tokens_are_new_each_time_and_kept_as_digests() {
        let (a, da) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("cc_") && a.len() == 67);
        assert_eq!(da, token_digest(&a));
        assert_eq!(da.len(), 64);
        assert!(!da.contains(&a[3..]));
    }
}
