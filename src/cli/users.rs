//! `carecircle users`: the accounts of a shared carecircle — add, list, disable, and give a personal token.
//! Kept by the store the server uses: PostGIS with `--database-url`, else the embedded state directory
//! (changed safely while a server runs on it).

use super::EXIT_BAD_INPUT;
use carecircle::accounts::{new_token, Account, Role};
use carecircle::store::{Records, StoreError};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args)]
pub struct UsersArgs {
    /// The PostGIS store's postgres:// URL (DATABASE_URL works as this flag does); without it, the
    /// embedded store's state directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    database_url: Option<String>,
    /// The embedded store's state directory (as `serve --state-dir`; the same default).
    #[arg(long, value_name = "DIR", global = true)]
    state_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: UsersCommand,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Add an account (without a token: give it one with `users token NAME`).
    Add {
        /// The account's name, as people know it (1 to 64 characters).
        name: String,
        /// viewer (查看), reviewer (审查), auditor (审计), editor (编辑) or admin (管理员).
        #[arg(long, value_parser = parse_role, value_name = "ROLE")]
        role: Role,
        /// An admin-unit code it acts in (repeat for several); none for the whole city.
        #[arg(long, value_name = "CODE")]
        scope: Vec<String>,
    },
    /// List the accounts.
    List,
    /// Disable an account: it signs in no more, and stays in the records that name it.
    Disable { name: String },
    /// Give an account a new personal token, shown once (only its sha256 is kept); the old one stops working.
    Token { name: String },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("unknown role \"{s}\": expected viewer, reviewer, auditor, editor or admin"))
}

/// The account named `name`.
fn named(records: &dyn Records, name: &str) -> Result<Account, StoreError> {
    records
        .accounts()?
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| StoreError::NoAccount(name.to_string()))
}

pub fn run(args: UsersArgs) -> i32 {
    let records = match super::audit::records(args.database_url.as_deref(), args.state_dir.as_ref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("错误 error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let change = match &args.command {
        UsersCommand::Add { name, role, .. } => Some(format!("users add {name} --role {}", role.key())),
        UsersCommand::Disable { name } => Some(format!("users disable {name}")),
        UsersCommand::Token { name } => Some(format!("users token {name}")),
        UsersCommand::List => None,
    };
    match command(records.as_ref(), args.command) {
        Ok(()) => {
            // Every change to the accounts goes on the audit trail.
            if let Some(action) = change {
                if let Err(e) = records.append_audit(&super::audit::cli_entry(action)) {
                    eprintln!("错误 error: the change was made but could not be put on the audit trail: {e}");
                    return EXIT_BAD_INPUT;
                }
            }
            0
        }
        Err(message) => {
            eprintln!("错误 error: {message}");
            EXIT_BAD_INPUT
        }
    }
}

fn command(records: &dyn Records, command: UsersCommand) -> Result<(), String> {
    let text = |e: StoreError| e.to_string();
    match command {
        UsersCommand::Add { name, role, scope } => {
            let account = Account::new(&name, role, scope).map_err(|e| e.to_string())?;
            records.save_account(&account, false).map_err(text)?;
            eprintln!(
                "已添加 added {name} ({} {}): give it a token with `carecircle users token {name}`",
                role.chinese(),
                role.key()
            );
        }
        UsersCommand::List => {
            let accounts = records.accounts().map_err(text)?;
            if accounts.is_empty() {
                eprintln!("没有账户 no accounts: the service runs as one user (add one with `carecircle users add`)");
            }
            println!("账户 name\t角色 role\t辖区 scope\t令牌 token\t状态 state");
            for a in accounts {
                println!(
                    "{}\t{} {}\t{}\t{}\t{}",
                    a.name,
                    a.role.chinese(),
                    a.role.key(),
                    if a.scope.is_empty() {
                        "全市 all".to_string()
                    } else {
                        a.scope.join(";")
                    },
                    if a.token_sha256.is_some() {
                        "有 yes"
                    } else {
                        "无 none"
                    },
                    if a.disabled {
                        "已停用 disabled"
                    } else {
                        "启用 enabled"
                    }
                );
            }
        }
        UsersCommand::Disable { name } => {
            let mut account = named(records, &name).map_err(text)?;
            account.disabled = true;
            records.save_account(&account, true).map_err(text)?;
            eprintln!("已停用 disabled {name}: its token no longer signs in");
        }
        UsersCommand::Token { name } => {
            let account = named(records, &name).map_err(text)?;
            let (token, digest) = new_token().map_err(|e| e.to_string())?;
            records.save_account(&account.with_token(digest), true).map_err(text)?;
            eprintln!("{name} 的新令牌 the new token of {name} (shown this once; only its sha256 is kept):");
            println!("{token}");
        }
    }
    Ok(())
}
