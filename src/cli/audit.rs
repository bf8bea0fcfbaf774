//! `carecircle audit`: the service's audit trail — who judged, exported or changed what — read, filtered
//! and verified (`--verify` walks the chain and names the first entry that was changed).

use super::EXIT_BAD_INPUT;
use carecircle::audit::Entry;
use carecircle::store::{Records, StoreError};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct AuditArgs {
    /// The PostGIS store's postgres:// URL (DATABASE_URL works as this flag does); without it, the
    /// embedded store's state directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// The embedded store's state directory (as `serve --state-dir`; the same default).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Only entries on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DAY", value_parser = carecircle::check::parse_day)]
    since: Option<carecircle::model::Date>,
    /// Only this account's entries.
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// Walk the chain: exit 1 naming the first entry changed, removed or moved; 0 when whole.
    #[arg(long)]
    verify: bool,
}

/// The records of the store `database_url` or `state_dir` names (the state directory `serve` would use).
pub(super) fn records(database_url: Option<&str>, state_dir: Option<&PathBuf>) -> Result<Box<dyn Records>, StoreError> {
    let dir = state_dir.cloned().unwrap_or_else(super::serve::default_state_dir);
    carecircle::store::open_records(database_url, &dir)
}

/// An entry for what the command line changed: by `cli:<the system user>`.
pub(super) fn cli_entry(action: String) -> Entry {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    Entry {
        at: carecircle::store::rfc3339(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        ),
        who: format!("cli:{user}"),
        action,
        dataset: None,
        run: None,
        status: 0,
        client: "cli".into(),
    }
}

pub fn run(args: AuditArgs) -> i32 {
    let trail = match records(args.database_url.as_deref(), args.state_dir.as_ref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("错误 error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    if args.verify {
        return match trail.verify_audit() {
            Ok(n) => {
                println!(
                    "审计记录完整 the audit trail is whole: {n} entries, each carrying the sha256 of the one before it"
                );
                0
            }
            Err(e) => {
                eprintln!("{e}");
                1
            }
        };
    }
    let entries = match trail.audit_entries() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("错误 error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let since = args.since.map(|d| d.to_string());
    println!("时间 at\t人员 who\t操作 action\t数据集 dataset\t检查 run\t状态 status\t来源 client");
    for e in entries.iter().filter(|e| {
        since.as_deref().is_none_or(|s| e.at.as_str() >= s) && args.user.as_deref().is_none_or(|u| e.who == u)
    }) {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            e.at,
            e.who,
            e.action,
            e.dataset.as_deref().unwrap_or("-"),
            e.run.map_or_else(|| "-".to_string(), |r| r.to_string()),
            e.status,
            e.client
        );
    }
    0
}
