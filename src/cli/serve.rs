//! `carecircle serve`: the HTTP service, on dataset folders in memory (the embedded default) or PostGIS.

use super::{folder_name, load_with_progress, EXIT_BAD_INPUT};
use carecircle::map;
use carecircle::rules::load_ruleset;
use carecircle::server;
use carecircle::store::embedded::EmbeddedStore;
use carecircle::store::Store;
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Args)]
pub struct ServeArgs {
    /// Dataset folders to serve (repeatable); each is named by its folder name. Default: the built-in demo.
    #[arg(long = "data", value_name = "DIR")]
    data: Vec<PathBuf>,
    /// Serve the datasets kept in PostGIS instead (postgres://…); DATABASE_URL works as this flag does.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Folder of ruleset files the service can apply (default: the built-in rulesets).
    #[arg(long)]
    rules_dir: Option<PathBuf>,
    /// File holding the bearer token for the write endpoints (CARECIRCLE_TOKEN works too). Required to
    /// listen on anything but loopback.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Allow browsers from this origin (repeatable; `*` for any).
    #[arg(long = "cors", value_name = "ORIGIN")]
    cors: Vec<String>,
    /// Behind a reverse proxy: build links from its Forwarded / X-Forwarded-Host, -Proto and -Prefix headers
    /// (only http or https schemes and well-formed hosts). Without this flag they are ignored.
    #[arg(long)]
    trust_proxy: bool,
    /// Behind an authenticating proxy (oauth2-proxy, nginx auth_request): the header naming the account
    /// the proxy signed in (such as X-Forwarded-User). Honoured only with --trust-proxy; the name must be
    /// an enabled account's.
    #[arg(long, value_name = "NAME", requires = "trust_proxy")]
    trust_user_header: Option<String>,
    /// Single sign-on: trust JWTs (RS256, ES256) issued by this OpenID Connect issuer (its URL, as the
    /// tokens' iss claim writes it). Its keys come from its discovery document's jwks_uri, fetched at start
    /// (and again when a token names a new key), or from --oidc-jwks. Reads then need someone signed in.
    #[arg(long, value_name = "URL", requires = "oidc_audience")]
    oidc_issuer: Option<String>,
    /// The audience (aud claim) tokens must be issued for; the web app's client id, unless
    /// --oidc-client-id names another.
    #[arg(long, value_name = "AUDIENCE", requires = "oidc_issuer")]
    oidc_audience: Option<String>,
    /// The issuer's keys from this JWKS file instead of fetching them (an intranet where the service
    /// cannot reach the identity provider).
    #[arg(long, value_name = "FILE", requires = "oidc_issuer")]
    oidc_jwks: Option<PathBuf>,
    /// The claim naming the person's role (viewer, reviewer, auditor, editor, admin or their Chinese
    /// names; a list or one string; a dotted path such as realm_access.roles reaches into an object).
    #[arg(long, value_name = "CLAIM", default_value = "roles", requires = "oidc_issuer")]
    oidc_role_claim: String,
    /// The claim naming the admin-unit codes the person acts in (a list, or codes separated by commas);
    /// without it, the whole city.
    #[arg(
        long,
        value_name = "CLAIM",
        default_value = "carecircle_scope",
        requires = "oidc_issuer"
    )]
    oidc_scope_claim: String,
    /// The web app's client id at the identity provider (a public client with PKCE), when it is not the
    /// audience.
    #[arg(long, value_name = "ID", requires = "oidc_issuer")]
    oidc_client_id: Option<String>,
    /// Let anyone read the dataset layers (the OGC collections, items and tiles) without signing in,
    /// where accounts or single sign-on are configured; kept runs and all else still need someone.
    #[arg(long)]
    anonymous_read: bool,
    /// Take a change to an existing feature (PUT, PATCH, DELETE) only with If-Match naming the ETag it
    /// was read with (428 without). Off by default: QGIS and OWSLib send none, and the history keeps what
    /// each write replaced.
    #[arg(long)]
    require_if_match: bool,
    /// The web app's basemap (/app/): a raster tile URL template with {z}, {x} and {y}, such as Tianditu's
    /// WMTS with the bureau's key. Without it, the dataset's own admin units and roads give the context.
    #[arg(long, value_name = "URL-TEMPLATE")]
    basemap: Option<String>,
    /// Where the embedded store keeps its runs (one folder per run, never overwritten; ids never reused).
    /// Default: $CARECIRCLE_STATE_DIR, else $XDG_STATE_HOME/carecircle, else ~/.local/state/carecircle.
    /// Not used with --database-url: PostGIS keeps the runs.
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
}

/// The embedded store's state directory when --state-dir is not given.
pub(super) fn default_state_dir() -> PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    env("CARECIRCLE_STATE_DIR")
        .or_else(|| env("XDG_STATE_HOME").map(|d| d.join("carecircle")))
        .or_else(|| env("HOME").map(|h| h.join(".local/state/carecircle")))
        .unwrap_or_else(|| PathBuf::from(".carecircle-state"))
}

pub fn run(args: ServeArgs) -> i32 {
    let token = match token(&args) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    let rulesets = match args.rules_dir.as_deref().map_or_else(
        || carecircle::builtin::rulesets().map_err(|e| e.to_string()),
        rulesets_in,
    ) {
        Ok(r) => r,
        Err(e) => {
            eprint!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    let store: Arc<dyn Store> = match &args.database_url {
        Some(url) => match carecircle::store::postgis::PostgisStore::connect(url) {
            Ok(s) => Arc::new(s),
            Err(e) => {
                eprintln!("{e}");
                return EXIT_BAD_INPUT;
            }
        },
        None => {
            let dirs = if args.data.is_empty() {
                vec![PathBuf::from(carecircle::builtin::DEMO)]
            } else {
                args.data.clone()
            };
            let mut datasets = Vec::new();
            for dir in &dirs {
                let name = folder_name(dir);
                if datasets.iter().any(|(n, _)| *n == name) {
                    eprintln!(
                        "--data {}: another folder is also named \"{name}\"; datasets are served by folder name",
                        dir.display()
                    );
                    return EXIT_BAD_INPUT;
                }
                match load_with_progress(dir) {
                    Ok(d) => datasets.push((name, d)),
                    Err(problems) => {
                        eprint!("{}: {problems}", dir.display());
                        return EXIT_BAD_INPUT;
                    }
                }
            }
            let state_dir = args.state_dir.clone().unwrap_or_else(default_state_dir);
            match EmbeddedStore::open(datasets, &state_dir) {
                Ok(store) => {
                    eprintln!("检查记录 runs are kept under {}", state_dir.display());
                    Arc::new(store)
                }
                Err(e) => {
                    eprintln!("{e}");
                    return EXIT_BAD_INPUT;
                }
            }
        }
    };
    let oidc = match (&args.oidc_issuer, &args.oidc_audience) {
        (Some(issuer), Some(audience)) => {
            let settings = server::oidc::OidcSettings {
                issuer: issuer.clone(),
                audience: audience.clone(),
                jwks_file: args.oidc_jwks.clone(),
                role_claim: args.oidc_role_claim.clone(),
                scope_claim: args.oidc_scope_claim.clone(),
                client_id: args.oidc_client_id.clone(),
            };
            match server::oidc::Oidc::start(settings) {
                Ok(o) => {
                    eprintln!(
                        "单点登录 single sign-on: tokens of {issuer} for {audience} are taken; reads need someone signed in{}",
                        if o.endpoints.is_some() { "; the web app signs in there" } else { "" }
                    );
                    Some(Arc::new(o))
                }
                Err(e) => {
                    eprintln!("{e}");
                    return EXIT_BAD_INPUT;
                }
            }
        }
        _ => None,
    };
    // Beyond loopback, someone must be asked who they are: accounts, or at least the shared token.
    let has_accounts = oidc.is_some()
        || match store.records().accounts() {
            Ok(a) => !a.is_empty(),
            Err(e) => {
                eprintln!("错误 error: cannot read the accounts: {e}");
                return EXIT_BAD_INPUT;
            }
        };
    if token.is_none() && !has_accounts && !args.bind.ip().is_loopback() {
        eprintln!(
            "refusing to listen on {} without accounts or a bearer token: the service would be open to the network. \
             Add accounts (carecircle users add NAME --role ROLE, then users token NAME), or give --token-file FILE \
             or CARECIRCLE_TOKEN, or bind to 127.0.0.1",
            args.bind
        );
        return EXIT_BAD_INPUT;
    }
    if has_accounts {
        eprintln!("账户 accounts are kept: every request but the open ones needs a personal token (README \"Running it for a bureau\")");
    }
    if args.anonymous_read {
        eprintln!(
            "注意 note: --anonymous-read: anyone who reaches the service reads the dataset layers without signing in"
        );
    }
    let maps = map::find_font(None).and_then(|p| map::register(&p)).is_ok();
    if !maps {
        eprintln!("注意 note: no CJK font found (install fonts-wqy-microhei): map and report endpoints answer 503");
    }
    let mut app_state = server::AppState::new(store, rulesets, token, maps);
    app_state.trust_proxy = args.trust_proxy;
    app_state.trust_user_header = args.trust_user_header.clone();
    app_state.oidc = oidc;
    app_state.anonymous_read = args.anonymous_read;
    app_state.require_if_match = args.require_if_match;
    app_state.basemap = match args.basemap.as_deref().map(server::app::basemap_template).transpose() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    app_state.cors = args.cors.clone();
    let state = actix_web::web::Data::new(app_state);
    eprintln!(
        "carecircle serving {} on http://{} (OGC API - Features at /collections, OpenAPI at /api)",
        state.store.dataset_names().map(|n| n.join(", ")).unwrap_or_default(),
        args.bind
    );
    let result = actix_web::rt::System::new().block_on(async move {
        actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .wrap(server::cors(&state.cors))
                .wrap(actix_web::middleware::Compress::default())
                .app_data(state.clone())
                .configure(server::router)
        })
        // SIGTERM and Ctrl-C stop accepting at once and give requests in flight this long to finish.
        .shutdown_timeout(10)
        .client_request_timeout(std::time::Duration::from_secs(10))
        .bind(args.bind)?
        .run()
        .await
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("cannot serve on {}: {e}", args.bind);
            EXIT_BAD_INPUT
        }
    }
}

fn token(args: &ServeArgs) -> Result<Option<String>, String> {
    if let Some(file) = &args.token_file {
        let text = std::fs::read_to_string(file).map_err(|e| format!("--token-file {}: {e}", file.display()))?;
        let token = text.trim().to_string();
        return long_enough(token, &format!("--token-file {}", file.display())).map(Some);
    }
    match std::env::var("CARECIRCLE_TOKEN").map(|t| t.trim().to_string()) {
        Ok(t) if !t.is_empty() => long_enough(t, "CARECIRCLE_TOKEN").map(Some),
        _ => Ok(None),
    }
}

/// A token from a file or the environment, held to the same minimum length.
fn long_enough(token: String, from: &str) -> Result<String, String> {
    if token.chars().count() < server::MIN_TOKEN_CHARS {
        return Err(format!(
            "{from}: the token must be at least {} characters",
            server::MIN_TOKEN_CHARS
        ));
    }
    Ok(token)
}

/// Every ruleset in `dir` (plans for `allocate` are skipped).
fn rulesets_in(dir: &Path) -> Result<Vec<carecircle::rules::Ruleset>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("--rules-dir {}: {e}\n", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    let mut errors = String::new();
    for file in files {
        match load_ruleset(&file) {
            Ok(r) => out.push(r),
            Err(e) if e.problems.iter().any(|(_, m)| m.contains("carecircle allocate")) => {}
            Err(e) => errors.push_str(&e.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
