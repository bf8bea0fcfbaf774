//! Who may do what: every route's least role in one table ([`POLICY`]), applied to every request before
//! its handler ([`enforce`]).
//!
//! With accounts in the store, every route but the open ones needs a personal token (`Authorization:
//! Bearer cc_…`) of an enabled account whose role reaches the route's; without one the answer is 401,
//! with too small a role 403, each with a JSON body saying what to do. The shared token of `serve
//! --token-file` keeps working as an administrator (said in the log once). Without accounts the service
//! is as it was: reads open, and the routes that keep runs need the shared token when one is set.

use super::{blocking, ApiError, AppState};
use crate::accounts::{token_digest, Account, Role};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the landing page, the API's description, the web app's files, the tile matrix sets.
    Open,
    /// An account of this role or a greater one (when accounts are kept).
    Least(Role),
}

use Access::{Least, Open};

/// What an account's scope (the admin units it acts in, `carecircle users add --scope`) means for a
/// route. Without a scope an account has the whole city.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InScope {
    /// Nothing it answers lies in a place (the API, the rules, the list of runs and collections): the
    /// same for every account.
    Nowhere,
    /// Answers only what lies in the reader's units (features, tiles, a run's findings, coverage's
    /// uncovered areas); what lies elsewhere is as if it were not there.
    Filtered,
    /// Acts only on what lies in the sender's units: anything else is refused (403).
    Within,
    /// Judges or renders the whole city at once (a check, siting, a run's report, maps, exports and
    /// comparisons): refused to a scoped account (403).
    WholeCity,
}

use InScope::{Filtered, Nowhere, WholeCity, Within};

/// One route's entry in [`POLICY`].
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// As the OpenAPI document writes it (`{x}` for a parameter).
    pub path: &'static str,
    pub needs: Access,
    /// Whether each request goes on the audit trail.
    pub audited: bool,
    pub scope: InScope,
}

const fn route(method: &'static str, path: &'static str, needs: Access, audited: bool, scope: InScope) -> Route {
    Route {
        method,
        path,
        needs,
        audited,
        scope,
    }
}

/// Every route, as the OpenAPI document writes its path, with what it needs, whether each request to it
/// goes on the audit trail (all that judges, exports or changes) and what an account's scope means there;
/// `GET` stands for `HEAD` too. A test walks the document and fails on a route missing here.
pub const POLICY: &[Route] = &[
    route("GET", "/", Open, false, Nowhere),
    route("GET", "/conformance", Open, false, Nowhere),
    route("GET", "/api", Open, false, Nowhere),
    route("GET", "/api.html", Open, false, Nowhere),
    route("GET", "/openapi.json", Open, false, Nowhere),
    route("GET", "/assets/swagger-ui/{file}", Open, false, Nowhere),
    route("GET", "/app", Open, false, Nowhere),
    route("GET", "/app/", Open, false, Nowhere),
    route("GET", "/app/{file}", Open, false, Nowhere),
    route("GET", "/app/vendor/maplibre-gl/{file}", Open, false, Nowhere),
    route("GET", "/app/config.json", Open, false, Nowhere),
    route("GET", "/tileMatrixSets", Open, false, Nowhere),
    route("GET", "/tileMatrixSets/WebMercatorQuad", Open, false, Nowhere),
    // Layers, kept runs and the rules: what a viewer reads.
    route("GET", "/collections", Least(Role::Viewer), false, Nowhere),
    route(
        "GET",
        "/collections/{collectionId}",
        Least(Role::Viewer),
        false,
        Nowhere,
    ),
    route(
        "GET",
        "/collections/{collectionId}/items",
        Least(Role::Viewer),
        false,
        Filtered,
    ),
    route(
        "GET",
        "/collections/{collectionId}/items/{featureId}",
        Least(Role::Viewer),
        false,
        Filtered,
    ),
    route(
        "GET",
        "/collections/{collectionId}/queryables",
        Least(Role::Viewer),
        false,
        Nowhere,
    ),
    route(
        "GET",
        "/collections/{collectionId}/schema",
        Least(Role::Viewer),
        false,
        Nowhere,
    ),
    route(
        "GET",
        "/collections/{collectionId}/tiles",
        Least(Role::Viewer),
        false,
        Nowhere,
    ),
    route(
        "GET",
        "/collections/{collectionId}/tiles/WebMercatorQuad",
        Least(Role::Viewer),
        false,
        Nowhere,
    ),
    route(
        "GET",
        "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
        Least(Role::Viewer),
        false,
        Filtered,
    ),
    route(
        "GET",
        "/collections/{collectionId}/items/{featureId}/history",
        Least(Role::Viewer),
        false,
        Filtered,
    ),
    // What a collection's items take (QGIS asks before it offers editing): the same for everyone.
    route("OPTIONS", "/collections/{collectionId}/items", Open, false, Nowhere),
    route(
        "OPTIONS",
        "/collections/{collectionId}/items/{featureId}",
        Open,
        false,
        Nowhere,
    ),
    // Keeping the ledger (OGC API – Features Part 4): an editor's, within its units, every write recorded.
    route(
        "POST",
        "/collections/{collectionId}/items",
        Least(Role::Editor),
        true,
        Within,
    ),
    route(
        "PUT",
        "/collections/{collectionId}/items/{featureId}",
        Least(Role::Editor),
        true,
        Within,
    ),
    route(
        "PATCH",
        "/collections/{collectionId}/items/{featureId}",
        Least(Role::Editor),
        true,
        Within,
    ),
    route(
        "DELETE",
        "/collections/{collectionId}/items/{featureId}",
        Least(Role::Editor),
        true,
        Within,
    ),
    route("GET", "/rules", Least(Role::Viewer), false, Nowhere),
    route("GET", "/rules/{ruleset}/{rule}", Least(Role::Viewer), false, Nowhere),
    route("GET", "/checks", Least(Role::Viewer), false, Nowhere),
    route("GET", "/checks/{id}", Least(Role::Viewer), true, Filtered),
    route("GET", "/checks/{id}/findings", Least(Role::Viewer), true, Filtered),
    route("GET", "/checks/{id}/map.png", Least(Role::Viewer), true, WholeCity),
    route("GET", "/checks/{id}/map.svg", Least(Role::Viewer), true, WholeCity),
    route("GET", "/checks/{id}/report.html", Least(Role::Viewer), true, WholeCity),
    // Plan review, coverage and siting: a reviewer's work.
    route("POST", "/review", Least(Role::Reviewer), true, Within),
    route("POST", "/site", Least(Role::Reviewer), true, WholeCity),
    route("GET", "/coverage", Least(Role::Reviewer), true, Filtered),
    // Checks, comparisons and exports: an auditor's.
    route("POST", "/checks", Least(Role::Auditor), true, WholeCity),
    route(
        "GET",
        "/checks/{id}/compare/{old}",
        Least(Role::Auditor),
        true,
        WholeCity,
    ),
    route(
        "GET",
        "/checks/{id}/findings.csv",
        Least(Role::Auditor),
        true,
        WholeCity,
    ),
    route(
        "GET",
        "/checks/{id}/findings.xlsx",
        Least(Role::Auditor),
        true,
        WholeCity,
    ),
    // Voiding a run, and the audit trail itself: an administrator's, and reading it is recorded too.
    route("POST", "/checks/{id}/void", Least(Role::Admin), true, WholeCity),
    route("GET", "/audit", Least(Role::Admin), true, Nowhere),
];

/// What a request to `method path` needs: its route's entry, matched segment by segment (`{x}` matches
/// any one segment). A path no route serves needs a viewer (it will be told 404 once signed in); a
/// method no route takes there needs an administrator, so nothing unlisted is ever open.
pub fn access(method: &str, path: &str) -> Access {
    entry(method, path).map_or_else(|known| unlisted(known).needs, |r| r.needs)
}

/// What a request no entry lists is treated as: it needs an administrator at a known path (another
/// method), a viewer elsewhere; it is not audited and holds nothing in a place.
fn unlisted(known_path: bool) -> Route {
    route(
        "",
        "",
        Least(if known_path { Role::Admin } else { Role::Viewer }),
        false,
        Nowhere,
    )
}

/// The entry of the route serving `method path`; `Err(true)` when a route serves the path but not the
/// method, `Err(false)` when none serves it.
fn entry(method: &str, path: &str) -> Result<Route, bool> {
    let method = if method == "HEAD" { "GET" } else { method };
    let segments: Vec<&str> = path.split('/').collect();
    let matches = |pattern: &str| {
        let parts: Vec<&str> = pattern.split('/').collect();
        parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(p, s)| (p.starts_with('{') && p.ends_with('}') && !s.is_empty()) || p == s)
    };
    let mut routes = POLICY.iter().filter(|r| matches(r.path)).peekable();
    if routes.peek().is_none() {
        return Err(false);
    }
    // A literal route (`/app/config.json`) wins over a pattern (`/app/{file}`) of the same shape.
    let mut best: Option<(usize, Route)> = None;
    for r in routes.filter(|r| r.method == method) {
        let literal = r.path.split('/').filter(|p| !p.starts_with('{')).count();
        if best.is_none_or(|(l, _)| literal > l) {
            best = Some((literal, *r));
        }
    }
    best.map(|(_, entry)| entry).ok_or(true)
}

/// Whether the store keeps accounts, as the policy found it for this request (the web app's
/// configuration says so without asking the store again).
#[derive(Debug, Clone, Copy)]
pub struct AccountsKept(pub bool);

/// What a handler adds to its request's audit entry: the dataset it worked on.
#[derive(Debug, Clone, Default)]
pub struct AuditDetail {
    pub dataset: Option<String>,
}

/// Unknown tokens sent lately, by client address, so that guessing is slow: the fourth answer in a row
/// to one address waits 250 ms, each later one twice as long, up to 8 s; a known token clears the count.
/// At most `limits::SIGN_IN_CLIENTS` addresses are remembered (the oldest forgotten first).
#[derive(Debug, Default)]
pub struct FailedSignIns(std::sync::Mutex<std::collections::HashMap<String, (u32, std::time::Instant)>>);

impl FailedSignIns {
    /// Counts a failure from `client`: how long to wait before answering it.
    fn failed(&self, client: &str) -> std::time::Duration {
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= crate::limits::SIGN_IN_CLIENTS && !seen.contains_key(client) {
            if let Some(oldest) = seen.iter().min_by_key(|(_, (_, at))| *at).map(|(k, _)| k.clone()) {
                seen.remove(&oldest);
            }
        }
        let entry = seen.entry(client.to_string()).or_insert((0, std::time::Instant::now()));
        entry.0 = entry.0.saturating_add(1);
        entry.1 = std::time::Instant::now();
        match entry.0 {
            0..=3 => std::time::Duration::ZERO,
            n => std::time::Duration::from_millis(250u64 << (n - 4).min(5)),
        }
    }

    fn succeeded(&self, client: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(client);
    }
}

/// Who sent a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// An account, by its personal token.
    Account(Account),
    /// The shared token of `serve --token-file`: an administrator with no name of its own.
    SharedToken,
    /// A person the identity provider signed in (`serve --oidc-issuer`), named `oidc:<their name>` so that
    /// no one signed in there can pass for a local account.
    SingleSignOn {
        name: String,
        role: Role,
        scope: Vec<String>,
    },
}

impl Identity {
    pub fn role(&self) -> Role {
        match self {
            Identity::Account(a) => a.role,
            Identity::SharedToken => Role::Admin,
            Identity::SingleSignOn { role, .. } => *role,
        }
    }

    /// The admin units it acts in: `None` for the whole city (an account without scope, the shared
    /// token).
    pub fn scope(&self) -> Option<crate::scope::Scope> {
        match self {
            Identity::Account(a) => crate::scope::Scope::new(&a.scope),
            Identity::SharedToken => None,
            Identity::SingleSignOn { scope, .. } => crate::scope::Scope::new(scope),
        }
    }

    /// How the log and records name it.
    pub fn name(&self) -> &str {
        match self {
            Identity::Account(a) => &a.name,
            Identity::SharedToken => "shared-token",
            Identity::SingleSignOn { name, .. } => name,
        }
    }
}

/// Who sent `req`, when the policy knew them.
pub fn identity_of(req: &actix_web::HttpRequest) -> Option<Identity> {
    req.extensions().get::<Identity>().cloned()
}

/// The admin units the sender of `req` acts in, `None` for the whole city (and for anyone where no
/// accounts are kept).
pub fn scope_of(req: &actix_web::HttpRequest) -> Option<crate::scope::Scope> {
    identity_of(req).and_then(|who| who.scope())
}

/// The token a request carries, if any: its bearer token, or — for reads only — the web app's sign-in
/// cookie (`carecircle_token`, SameSite=Strict), so that the app's tiles, images and the report it opens
/// in a new tab are read as the person signed in. A change always needs the header.
fn bearer(req: &ServiceRequest) -> Option<String> {
    let header = bearer_header(req.headers());
    let reads = matches!(req.method().as_str(), "GET" | "HEAD");
    header.or_else(|| {
        let cookies = req
            .headers()
            .get("Cookie")
            .and_then(|v| v.to_str().ok())
            .filter(|_| reads)?;
        cookies
            .split(';')
            .filter_map(|c| c.trim().strip_prefix("carecircle_token="))
            .map(percent_decoded)
            .find(|t| !t.is_empty())
    })
}

/// A cookie value as the web app wrote it (`encodeURIComponent`).
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).trim().to_string()
}

/// The token of an `Authorization: Bearer …` header, if any.
fn bearer_header(headers: &actix_web::http::header::HeaderMap) -> Option<String> {
    headers
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        // The scheme's name is case-insensitive (RFC 9110 §11.1).
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Equal, in a time that says nothing of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Finds who sent the request (kept in its extensions for the handlers) and refuses it when the route
/// needs more than they may do.
pub async fn enforce<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    let entry = entry(req.method().as_str(), req.path()).unwrap_or_else(unlisted);
    let (who, kept, verdict) = identify(&req, &state, entry.needs).await;
    // A scoped account may not have the whole city judged or rendered.
    let verdict = verdict.and_then(|()| match (entry.scope, who.as_ref().and_then(Identity::scope)) {
        (WholeCity, Some(scope)) => Err(ApiError::Forbidden(format!(
            "辖区账户不可用 {} acts in {} only, and {} {} judges or renders the whole city: read the run's \
             findings in your units (GET /checks/{{id}}/findings, the findings collections), or ask an account \
             for the whole city",
            who.as_ref().map_or("", Identity::name),
            scope.codes().collect::<Vec<_>>().join(", "),
            req.method(),
            req.path()
        ))),
        _ => Ok(()),
    });
    req.extensions_mut().insert(kept);
    if let Some(who) = who {
        req.extensions_mut().insert(who);
    }
    let res = match verdict {
        Ok(()) => next.call(req).await?.map_into_left_body(),
        Err(refused) => {
            use actix_web::ResponseError;
            req.into_response(refused.error_response()).map_into_right_body()
        }
    };
    if entry.audited {
        record(&state, &res).await;
    }
    Ok(res)
}

/// Who sent `req` (when their token is known), whether accounts are kept, and whether a route that
/// `needs` so much lets them in. One read of the accounts.
async fn identify(
    req: &ServiceRequest,
    state: &web::Data<AppState>,
    needs: Access,
) -> (Option<Identity>, AccountsKept, Result<(), ApiError>) {
    let given = bearer(req);
    let store = state.store.clone();
    let digest = given.as_deref().map(token_digest);
    // Behind an authenticating proxy (only with --trust-proxy): the account it names.
    let proxied = state
        .trust_user_header
        .as_deref()
        .filter(|_| state.trust_proxy)
        .and_then(|h| req.headers().get(h))
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let named = proxied.clone();
    // A JWT where single sign-on is configured: checked against the identity provider's keys (which may
    // be fetched again when it names a new one, so off the async workers too).
    let oidc = state.oidc.clone();
    let jwt = given
        .clone()
        .filter(|t| oidc.is_some() && crate::server::oidc::Oidc::looks_like_jwt(t));
    let looked_up = blocking(move || {
        if let (Some(oidc), Some(jwt)) = (&oidc, &jwt) {
            return Ok((true, None, Some(oidc.verify(jwt))));
        }
        let accounts = store.records().accounts()?;
        // By the token's digest (256 random bits: a look-up says nothing of a token), or by the name the
        // trusted proxy gives when no token was sent.
        let account = accounts
            .iter()
            .filter(|a| !a.disabled)
            .find(|a| match (&digest, &named) {
                (Some(d), _) => a.token_sha256.as_ref() == Some(d),
                (None, Some(name)) => a.name == *name,
                (None, None) => false,
            })
            .cloned();
        // Where an identity provider is trusted, reads need someone as they do with accounts.
        Ok((!accounts.is_empty() || oidc.is_some(), account, None))
    })
    .await;
    let (has_accounts, account, signed_in) = match looked_up {
        Ok(found) => found,
        Err(e) => return (None, AccountsKept(false), Err(e)),
    };
    let kept = AccountsKept(has_accounts);
    // A JWT not taken is refused as an unknown token is, saying why (an open route still answers).
    let (signed_in, refusal) = match signed_in {
        None => (None, None),
        Some(Ok(who)) => (
            Some(Identity::SingleSignOn {
                name: format!("oidc:{}", who.name),
                role: who.role,
                scope: who.scope,
            }),
            None,
        ),
        Some(Err(refused @ crate::server::oidc::OidcError::NoRole { .. })) => {
            (None, Some(ApiError::Forbidden(refused.to_string())))
        }
        Some(Err(refused)) => (None, Some(ApiError::SignInRefused(refused.to_string()))),
    };
    if let (Some(name), None, true, Least(_)) = (&proxied, &account, given.is_none(), needs) {
        return (
            None,
            kept,
            Err(ApiError::Forbidden(format!(
                "代理所称账户不存在 the proxy signed in \"{name}\", which is no enabled account here: add it (carecircle users add)"
            ))),
        );
    }
    let shared = given
        .as_deref()
        .zip(state.token.as_deref())
        .is_some_and(|(g, t)| same(g, t));
    let identity = match (account, shared) {
        _ if signed_in.is_some() => signed_in,
        (Some(a), _) => Some(Identity::Account(a)),
        (None, true) => {
            state.warn_shared_token_once(has_accounts);
            Some(Identity::SharedToken)
        }
        (None, false) => None,
    };
    // Guessing tokens is slow: an unknown one answered later each time from the same address.
    let client = client_address(req.request(), state);
    match (&identity, given.is_some() && has_accounts) {
        (Some(_), _) => state.failed_sign_ins.succeeded(&client),
        (None, true) => {
            let wait = state.failed_sign_ins.failed(&client);
            if !wait.is_zero() {
                actix_web::rt::time::sleep(wait).await;
            }
        }
        (None, false) => {}
    }
    let verdict = match (&identity, needs) {
        (_, Open) => Ok(()),
        _ if !has_accounts => Ok(()),
        // `serve --anonymous-read`: the dataset layers, on purpose, for anyone who sends no token.
        (None, _) if given.is_none() && state.anonymous_read && layer_read(req.method().as_str(), req.path()) => Ok(()),
        (None, _) if given.is_some() => Err(refusal.unwrap_or(ApiError::UnknownToken)),
        (None, _) => Err(ApiError::Unauthorized),
        (Some(who), Least(role)) if !who.role().allows(role) => Err(ApiError::Forbidden(format!(
            "角色不足 {} ({}) may not {} {}: it needs the role {} ({}) or a greater one; ask an administrator",
            who.name(),
            who.role().key(),
            req.method(),
            req.path(),
            role.key(),
            role.chinese()
        ))),
        (Some(_), _) => Ok(()),
    };
    (identity, kept, verdict)
}

/// Whether `method path` reads the dataset layers' OGC collections (what `serve --anonymous-read`
/// opens): the collections list and a dataset layer's collection, items, schema, queryables and tiles —
/// never a run's findings (`check-…` collections).
fn layer_read(method: &str, path: &str) -> bool {
    let reads = matches!(method, "GET" | "HEAD");
    let collection = path
        .strip_prefix("/collections/")
        .map(|rest| rest.split('/').next().unwrap_or(""));
    reads
        && match collection {
            None => path == "/collections",
            Some(id) => crate::server::ogc::is_layer_collection(id),
        }
}

/// The client's address: the connection's peer, or — only with `serve --trust-proxy` — the one the
/// proxy forwards.
fn client_address(req: &actix_web::HttpRequest, state: &AppState) -> String {
    let address = if state.trust_proxy {
        req.connection_info().realip_remote_addr().map(str::to_string)
    } else {
        req.peer_addr().map(|a| a.ip().to_string())
    };
    address.unwrap_or_else(|| "unknown".into())
}

/// Appends the audit entry of an answered request: who, what, on which dataset and run, the status and
/// the client's address. A failure to append is said in the log, loudly: the answer has gone already.
async fn record<B>(state: &web::Data<AppState>, res: &ServiceResponse<B>) {
    let req = res.request();
    let who = req
        .extensions()
        .get::<Identity>()
        .map_or_else(|| "anonymous".to_string(), |w| w.name().to_string());
    let path = req.path();
    // The run: the one the path names, or the one a check made (its Location).
    let run = path
        .strip_prefix("/checks/")
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| id.parse().ok())
        .or_else(|| {
            res.headers()
                .get("Location")
                .and_then(|l| l.to_str().ok())
                .and_then(|l| l.rsplit('/').next())
                .and_then(|id| id.parse().ok())
        });
    let dataset = req.extensions().get::<AuditDetail>().and_then(|d| d.dataset.clone());
    let client = client_address(req, state);
    let query = req.query_string();
    let entry = crate::audit::Entry {
        at: crate::store::rfc3339(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        ),
        who,
        action: if query.is_empty() {
            format!("{} {path}", req.method())
        } else {
            format!("{} {path}?{query}", req.method())
        },
        dataset,
        run,
        status: res.status().as_u16(),
        client,
    };
    let store = state.store.clone();
    let appended = blocking(move || store.records().append_audit(&entry).map_err(ApiError::from)).await;
    if let Err(e) = appended {
        eprintln!("错误 error: an audit entry could not be kept: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_matched_segment_by_segment() {
        assert_eq!(access("GET", "/"), Open);
        assert_eq!(access("GET", "/app/config.json"), Open);
        assert_eq!(access("GET", "/collections/demo.facilities/items"), Least(Role::Viewer));
        assert_eq!(access("HEAD", "/checks/7/findings.xlsx"), Least(Role::Auditor));
        assert_eq!(access("POST", "/checks"), Least(Role::Auditor));
        assert_eq!(access("POST", "/review"), Least(Role::Reviewer));
        // A method no route takes at a known path needs the most; an unknown path a viewer.
        assert_eq!(access("DELETE", "/checks"), Least(Role::Admin));
        assert_eq!(access("GET", "/no/such/path"), Least(Role::Viewer));
        assert_eq!(access("GET", "/checks//findings"), Least(Role::Viewer));
    }

    #[test]
    fn each_failed_sign_in_after_the_third_waits_longer_up_to_8_s() {
        let failed = FailedSignIns::default();
        let waits: Vec<u64> = (0..12).map(|_| failed.failed("10.0.0.9").as_millis() as u64).collect();
        assert_eq!(waits, [0, 0, 0, 250, 500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]);
        // Another address starts afresh; a known token clears the count.
        assert_eq!(failed.failed("10.0.0.10").as_millis(), 0);
        failed.succeeded("10.0.0.9");
        assert_eq!(failed.failed("10.0.0.9").as_millis(), 0);
    }

    #[test]
    fn the_addresses_remembered_are_bounded() {
        let failed = FailedSignIns::default();
        for i in 0..crate::limits::SIGN_IN_CLIENTS + 5 {
            failed.failed(&format!("client-{i}"));
        }
        assert_eq!(failed.0.lock().unwrap().len(), crate::limits::SIGN_IN_CLIENTS);
    }

    #[test]
    fn cookie_values_are_decoded_as_the_app_encoded_them() {
        assert_eq!(percent_decoded("cc_00ff"), "cc_00ff");
        assert_eq!(percent_decoded("a%20b%2Fc%"), "a b/c%");
        assert_eq!(percent_decoded("%E7%8E%8B"), "王");
    }
}
