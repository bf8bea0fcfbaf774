//! The audit trail: who judged, exported or changed what, and when, as a chain that shows any change to
//! it. Each entry is one line of canonical JSON carrying the sha256 of the line before it (`prev`; the
//! first carries 64 zeros), so editing, removing or reordering a line breaks the chain at that line.
//! Stores append entries and hand them back (`store::Records::append_audit`); nothing here does I/O.
//!
//! ```
//! use carecircle_core::audit::{verify, Entry, GENESIS};
//! let first = Entry { at: "2026-12-04T08:00:00Z".into(), who: "王审计".into(), action: "POST /checks".into(),
//!     dataset: Some("demo".into()), run: Some(7), status: 201, client: "10.0.0.5".into() };
//! let line1 = first.line(GENESIS);
//! let line2 = first.line(&carecircle_core::audit::sha256(&line1));
//! assert_eq!(verify([line1.as_str(), line2.as_str()]), Ok(2));
//! assert!(verify([line2.as_str(), line1.as_str()]).is_err());
//! ```

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// What the first entry's `prev` holds.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One thing done through the service, or to its accounts. Served as it is kept (`GET /audit`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// RFC 3339 UTC.
    pub at: String,
    /// The account's name, `shared-token`, `anonymous`, or `cli:<user>` for the command line.
    pub who: String,
    /// `POST /checks`, `GET /checks/7/findings.xlsx`, `users token 王审计`.
    pub action: String,
    pub dataset: Option<String>,
    pub run: Option<u64>,
    /// The HTTP status answered (0 for the command line's changes).
    pub status: u16,
    /// The client's address, as the server saw it (`cli` for the command line).
    pub client: String,
}

impl Entry {
    /// The entry as its line in the chain: canonical JSON (keys in order, no spaces) with `prev`.
    pub fn line(&self, prev: &str) -> String {
        json!({
            "at": self.at,
            "who": self.who,
            "action": self.action,
            "dataset": self.dataset,
            "run": self.run,
            "status": self.status,
            "client": self.client,
            "prev": prev,
        })
        .to_string()
    }

    /// The entry a line holds, and the `prev` it carries; `None` when the line is not an entry.
    pub fn parse(line: &str) -> Option<(Entry, String)> {
        let v: Value = serde_json::from_str(line).ok()?;
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let entry = Entry {
            at: text("at")?,
            who: text("who")?,
            action: text("action")?,
            dataset: text("dataset"),
            run: v.get("run").and_then(Value::as_u64),
            status: u16::try_from(v.get("status")?.as_u64()?).ok()?,
            client: text("client")?,
        };
        Some((entry, text("prev")?))
    }
}

/// The sha256 of a line, hex.
pub fn sha256(line: &str) -> String {
    Sha256::digest(line.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a chain breaks: the line (from 1) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("审计记录被改动 the audit trail is broken at entry {line}: {why}")]
pub struct Broken {
    pub line: usize,
    pub why: String,
}

/// Walks a chain from its first line: the number of entries when every line is an entry carrying the
/// sha256 of the one before it, and is itself written canonically. The last line's own hash is checked
/// against the store's record of it by [`verify_to`].
pub fn verify<'a>(lines: impl IntoIterator<Item = &'a str>) -> Result<usize, Broken> {
    verify_to(lines, None)
}

/// [`verify`], and the last line's sha256 is `head` (what the store noted when it appended it), so a
/// change to the last entry is found too.
pub fn verify_to<'a>(lines: impl IntoIterator<Item = &'a str>, head: Option<&str>) -> Result<usize, Broken> {
    let mut prev = GENESIS.to_string();
    let mut n = 0;
    for (i, line) in lines.into_iter().enumerate() {
        let broken = |why: &str| Broken {
            line: i + 1,
            why: why.to_string(),
        };
        let (entry, carried) = Entry::parse(line).ok_or_else(|| broken("it is not an entry"))?;
        if carried != prev {
            return Err(broken(
                "it does not carry the sha256 of the entry before it (changed, removed or moved)",
            ));
        }
        if entry.line(&carried) != line {
            return Err(broken(
                "it is not written as carecircle writes entries (changed by hand)",
            ));
        }
        prev = sha256(line);
        n += 1;
    }
    match head {
        Some(h) if h != prev => Err(Broken {
            line: n,
            why: "the last entry is not the one the store appended (changed by hand)".into(),
        }),
        _ => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(who: &str, status: u16) -> Entry {
        Entry {
            at: "2026-12-04T08:00:00Z".into(),
            who: who.into(),
            action: "POST /checks".into(),
            dataset: Some("demo".into()),
            run: Some(3),
            status,
            client: "127.0.0.1".into(),
        }
    }

    fn chain(entries: &[Entry]) -> Vec<String> {
        let mut prev = GENESIS.to_string();
        entries
            .iter()
            .map(|e| {
                let line = e.line(&prev);
                prev = sha256(&line);
                line
            })
            .collect()
    }

    fn refs(l: &[String]) -> Vec<&str> {
        l.iter().map(String::as_str).collect()
    }

    #[test]
    fn a_chain_verifies_and_every_change_to_it_is_found() {
        let lines = chain(&[entry("a", 201), entry("b", 403), entry("c", 200)]);
        assert_eq!(verify(refs(&lines)), Ok(3));
        assert_eq!(Entry::parse(&lines[1]).unwrap().0, entry("b", 403));
        // A status changed by hand: the next line no longer carries its hash.
        let mut edited = lines.clone();
        edited[1] = edited[1].replace("403", "201");
        assert_eq!(verify(refs(&edited)).unwrap_err().line, 3);
        // The last line changed: only the store's note of its hash tells.
        let mut last = lines.clone();
        last[2] = last[2].replace("200", "500");
        assert_eq!(verify(refs(&last)), Ok(3));
        let head = sha256(&lines[2]);
        assert_eq!(verify_to(refs(&lines), Some(&head)), Ok(3));
        assert_eq!(verify_to(refs(&last), Some(&head)).unwrap_err().line, 3);
        // A removed line breaks the chain at the one after it.
        let removed = [lines[0].clone(), lines[2].clone()];
        assert_eq!(verify(refs(&removed)).unwrap_err().line, 2);
        let spaced = [lines[0].replace(",", ", ")];
        assert_eq!(verify(refs(&spaced)).unwrap_err().line, 1);
        assert_eq!(verify(["not json"]).unwrap_err().line, 1);
    }
}
