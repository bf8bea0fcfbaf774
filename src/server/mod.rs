//! The HTTP service for GIS tools: OGC API – Features over every layer and every check run, checks and
//! plan review, rules, coverage, and the OpenAPI document. Handlers reach data only through
//! [`Store`](crate::store::Store); the HTTP status of every error is chosen here, in [`ApiError`].

pub mod app;
mod audit;
mod checks;
pub mod ogc;
pub mod oidc;
mod openapi;
pub mod policy;
mod recent;
mod schemas;
mod siting;
mod tiles;

use crate::rules::Ruleset;
use crate::store::{Store, StoreError};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use serde_json::json;
use std::sync::Arc;

/// What every handler shares.
/// A dataset version and its rule totals, for judging its next edit on a window.
pub(crate) type JudgedVersion = (Arc<crate::model::Dataset>, Arc<crate::check::Totals>);

pub struct AppState {
    /// Judging requests in flight, at most [`crate::limits::HEAVY_AT_ONCE`].
    heavy: Arc<std::sync::atomic::AtomicUsize>,
    /// Judging requests in flight without the token, when one is configured, at most
    /// [`crate::limits::ANONYMOUS_HEAVY_AT_ONCE`]: they never take `heavy`'s places.
    anonymous_heavy: Arc<std::sync::atomic::AtomicUsize>,
    pub store: Arc<dyn Store>,
    /// The rulesets the service can apply, by id.
    pub rulesets: Vec<Ruleset>,
    /// Bearer token the write endpoints require; `None` leaves them open (loopback only). With accounts
    /// it is an administrator's, named `shared-token` in the log.
    pub token: Option<String>,
    /// Whether the log has said that the shared token was used beside accounts.
    pub warned_shared_token: std::sync::atomic::AtomicBool,
    /// Unknown tokens lately sent, by client address: each answer after the third waits longer.
    pub failed_sign_ins: policy::FailedSignIns,
    /// A CJK font was found, so maps and reports with maps can be drawn.
    pub maps: bool,
    /// Honour `Forwarded` and `X-Forwarded-Host/-Proto/-Prefix` (behind a reverse proxy the bureau runs).
    pub trust_proxy: bool,
    /// With `trust_proxy`: the header an authenticating proxy names the signed-in account in.
    pub trust_user_header: Option<String>,
    /// The identity provider whose JWTs sign people in (`serve --oidc-issuer`).
    pub oidc: Option<Arc<oidc::Oidc>>,
    /// Anyone may read the dataset layers' OGC collections without signing in (`serve --anonymous-read`);
    /// runs still need someone.
    pub anonymous_read: bool,
    /// Writes to a feature that exists need `If-Match` with its ETag (`serve --require-if-match`): 428
    /// without it. Off by default, since QGIS and OWSLib send none (the history keeps what they replaced).
    pub require_if_match: bool,
    /// Each dataset's rule totals for judging its next edit on a window (`check::flips_near`), with the
    /// version they belong to (the newest's dataset, by pointer).
    pub(crate) judged: std::sync::Mutex<std::collections::HashMap<String, JudgedVersion>>,
    /// The web app's basemap: a raster tile URL template with {z}, {x} and {y} (`serve --basemap`).
    pub basemap: Option<String>,
    /// The origins whose pages may call the service (`serve --cors`; `*` for any): besides the service's
    /// own, the only ones a browser may send a request that changes anything from.
    pub cors: Vec<String>,
    /// The geometry families of each kept run's findings, read once (runs never change).
    finding_families: std::sync::Mutex<std::collections::HashMap<u64, Vec<FindingFamily>>>,
    /// Kept runs' findings, parsed, by run id (at most [`crate::limits::KEPT_FINDINGS_BYTES`] of their
    /// findings.geojson).
    kept_findings: recent::Recent<u64, ogc::KeptFindings>,
    /// The collections tiled lately, indexed, by id (at most [`crate::limits::TILED_BYTES`] of indexes).
    tiled: recent::Recent<String, tiles::Tiled>,
    /// Held while an index is built: a map asks for a dozen tiles of a layer at once, and one index of a
    /// big city is enough (each costs seconds and a hundred MB).
    tiling: std::sync::Mutex<()>,
}

/// A geometry family of a run's findings: served as multi-geometries or not, and its extent.
type FindingFamily = (ogc::Family, bool, Option<geo::Rect<f64>>);

/// What a handler answers: a response, or the error whose status and JSON body the server chooses.
pub(crate) type Reply = Result<HttpResponse, ApiError>;

/// An error as the client sees it: a status and a JSON body naming the problem.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("需要登录 a bearer token is required: send Authorization: Bearer <token> (a personal token from `carecircle users token NAME`)")]
    Unauthorized,
    #[error("令牌无效 this token is not known, or its account is disabled: ask an administrator for a new one (`carecircle users token NAME`)")]
    UnknownToken,
    /// A sign-in JWT that was not taken, saying why (never the token).
    #[error("{0}")]
    SignInRefused(String),
    #[error("{method} {path} is not allowed here: use {allowed}")]
    MethodNotAllowed {
        method: String,
        path: String,
        allowed: String,
    },
    #[error("{0}")]
    Unavailable(String),
    /// Too much judging at once, or for too long: try again.
    #[error("{0}")]
    Busy(String),
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    /// A body not of the media type or encoding the route reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A request that would change something, sent by a page of another origin.
    #[error("{0}")]
    Forbidden(String),
    /// What the request asks was done already and cannot be done twice (a run voided again).
    #[error("{0}")]
    Conflict(String),
    /// `If-Match` names another version of the feature than the one the store holds: 412.
    #[error("{0}")]
    PreconditionFailed(String),
    /// A write without `If-Match` where the service requires one: 428.
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("the body did not arrive within {} s", crate::limits::BODY_SECONDS)]
    SlowBody,
    /// The store is full: 507, naming what was not kept, never a path.
    #[error("{0}")]
    InsufficientStorage(String),
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NoDataset(_) | StoreError::NoRun(_) | StoreError::NoFile { .. } | StoreError::NoAccount(_) => {
                ApiError::NotFound(e.to_string())
            }
            StoreError::Full(_) => ApiError::InsufficientStorage(e.to_string()),
            StoreError::AccountExists(_) => ApiError::BadRequest(e.to_string()),
            StoreError::AlreadyVoided { .. } | StoreError::Stale { .. } => ApiError::Conflict(e.to_string()),
            StoreError::Backend(_) | StoreError::Audit(_) | StoreError::Render(_) | StoreError::Map(_) => {
                ApiError::Internal(e.to_string())
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized | ApiError::UnknownToken | ApiError::SignInRefused(_) => StatusCode::UNAUTHORIZED,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable(_) | ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::SlowBody => StatusCode::REQUEST_TIMEOUT,
            ApiError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized => {
                response.insert_header(("WWW-Authenticate", "Bearer"));
            }
            // RFC 6750 §3: a token that was refused.
            ApiError::UnknownToken | ApiError::SignInRefused(_) => {
                response.insert_header(("WWW-Authenticate", "Bearer error=\"invalid_token\""));
            }
            _ => {}
        }
        if matches!(self, ApiError::Busy(_)) {
            response.insert_header(("Retry-After", "5"));
        }
        response.json(json!({ "error": self.status_code().canonical_reason(), "detail": self.to_string() }))
    }
}

/// Every route, for the server and for tests (`actix_web::test::init_service`).
pub fn router(cfg: &mut web::ServiceConfig) {
    // Bodies are read by `json_body`, with its own size and time limits.
    cfg.app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| ApiError::BadRequest(format!("bad query parameter: {e}")).into()),
    )
    .app_data(web::PathConfig::default().error_handler(|e, _| ApiError::BadRequest(format!("bad path: {e}")).into()));
    // One scope holds every route, so that the 405 a resource answers for a method it does not take gets
    // the JSON body every other error has (actix writes it empty, with its Allow header).
    cfg.service(
        web::scope("")
            // Who sent each request, and whether their role may: before any handler (`policy.rs`).
            .wrap(actix_web::middleware::from_fn(policy::enforce))
            .wrap(ErrorHandlers::new().handler(StatusCode::METHOD_NOT_ALLOWED, method_not_allowed))
            .wrap_fn(|req, srv| {
                use actix_web::dev::Service;
                let answer = srv.call(req);
                async move {
                    let mut res = answer.await?;
                    secure_headers(res.headers_mut());
                    Ok(res)
                }
            })
            .configure(|cfg| {
                ogc::routes(cfg);
                checks::routes(cfg);
                siting::routes(cfg);
                audit::routes(cfg);
                tiles::routes(cfg);
                openapi::routes(cfg);
                app::routes(cfg);
            })
            .default_service(web::to(|req: HttpRequest| async move {
                ApiError::NotFound(format!(
                    "no route {} {}: see /api for the API",
                    req.method(),
                    req.path()
                ))
                .error_response()
            })),
    );
}

/// What every answer carries: `nosniff`, so a browser never runs as script what was served as data;
/// `Referrer-Policy`, so a page's links do not tell other sites which run or dataset was open; and on an
/// HTML page that set none, the strictest `Content-Security-Policy` — no script at all, styles and images
/// inline only (a kept report is self-contained, and a name in it can never become code).
fn secure_headers(headers: &mut actix_web::http::header::HeaderMap) {
    use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY};
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    let html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if html && !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            ),
        );
    }
}

/// A 405 as every error: a JSON body naming the method, the path and the methods allowed (its `Allow`
/// header kept).
fn method_not_allowed<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let (req, res) = res.into_parts();
    let allow = res.headers().get(actix_web::http::header::ALLOW).cloned();
    let allowed = allow
        .as_ref()
        .and_then(|a| a.to_str().ok())
        .unwrap_or("GET, HEAD")
        .to_string();
    let mut answer = ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        path: req.path().to_string(),
        allowed,
    }
    .error_response();
    if let Some(allow) = allow {
        answer.headers_mut().insert(actix_web::http::header::ALLOW, allow);
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, answer).map_into_right_body(),
    ))
}

/// Cross-origin access for web pages served from `origins` (`serve --cors`; `*` for any): reads, checks,
/// and a web map's writes to the layers (PUT, PATCH, DELETE), the preflight, any request header, and the
/// response headers browser code needs to read (`Link` for paging and queryables, `Content-Crs`, `ETag`
/// for If-Match, `Location` of a new run or feature). No origin given: none allowed.
pub fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allow_any_header()
        .expose_headers(["Link", "Content-Crs", "ETag", "Location"])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// Reads a JSON body of at most [`crate::limits::BODY_BYTES`] bytes that arrives within
/// [`crate::limits::BODY_SECONDS`], then parses it. The body must say it is JSON (`Content-Type:
/// application/json`, or a `+json` type) and come uncompressed: 415 otherwise. A browser sends a
/// `text/plain` POST to another origin without asking first, so a JSON-only route cannot be reached by a
/// form or `fetch` on a stranger's page.
pub(crate) async fn json_body<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    limit: u64,
) -> Result<T, ApiError> {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let media = header(actix_web::http::header::CONTENT_TYPE)
        .map(|t| t.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    let is_json = media
        .as_deref()
        .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the body's Content-Type is {}: send it as application/json",
            media.map_or("missing".to_string(), |m| format!("\"{m}\""))
        )));
    }
    if let Some(encoding) =
        header(actix_web::http::header::CONTENT_ENCODING).filter(|e| !e.eq_ignore_ascii_case("identity"))
    {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the body's Content-Encoding \"{encoding}\" is not read here: send the body uncompressed"
        )));
    }
    let wait = std::time::Duration::from_secs(crate::limits::BODY_SECONDS);
    let limit = (limit as usize).min(crate::limits::BODY_BYTES);
    let bytes = match actix_web::rt::time::timeout(wait, payload.to_bytes_limited(limit)).await {
        Err(_) => return Err(ApiError::SlowBody),
        Ok(Err(_)) => return Err(ApiError::TooLarge(limit)),
        Ok(Ok(Err(e))) => return Err(ApiError::BadRequest(format!("cannot read the body: {e}"))),
        Ok(Ok(Ok(bytes))) => bytes,
    };
    serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest(format!("the body is not the JSON expected: {e}")))
}

/// Refuses a request that changes something when a browser sent it from a page of another origin: its
/// `Origin` is neither this service (the `Host` it was sent to) nor one `serve --cors` allows. Requests
/// without `Origin` (GIS clients, scripts) are not browsers' cross-site requests, and pass.
pub(crate) fn same_origin(req: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    let Some(origin) = req.headers().get(actix_web::http::header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default().trim();
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let own = origin.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(scheme, "http" | "https") && !host.is_empty() && rest.eq_ignore_ascii_case(host)
    });
    if own || state.cors.iter().any(|c| c == "*" || c.eq_ignore_ascii_case(origin)) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "a page of {origin} may not change anything here: only this service's own pages and the origins serve --cors names"
        )))
    }
}

/// A resource answering GET and HEAD (the same handler: HEAD responses carry no body); other methods get
/// 405 with an `Allow` header.
pub(crate) fn readable<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
}

/// The URL prefix clients reached us by, for absolute links: the `Host` the client asked for on this
/// connection, or — only with `serve --trust-proxy` — what the proxy forwards, and then only an http(s)
/// scheme, a well-formed host and a plain path prefix. Anything else is ignored, never echoed into links.
pub(crate) fn base_url(req: &HttpRequest) -> String {
    let trust = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.trust_proxy);
    let own_scheme = if req.app_config().secure() { "https" } else { "http" };
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let own_host = header("host")
        .filter(|h| valid_host(h))
        .map(str::to_string)
        .unwrap_or_else(|| req.app_config().host().to_string());
    if !trust {
        return format!("{own_scheme}://{own_host}");
    }
    let info = req.connection_info();
    let scheme = match info.scheme() {
        s @ ("http" | "https") => s.to_string(),
        _ => own_scheme.to_string(),
    };
    let host = Some(info.host())
        .filter(|h| valid_host(h))
        .unwrap_or(&own_host)
        .to_string();
    let prefix = header("x-forwarded-prefix")
        .filter(|p| {
            p.starts_with('/') && p.len() < 200 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-_.~".contains(&b))
        })
        .map(|p| p.trim_end_matches('/').to_string())
        .unwrap_or_default();
    format!("{scheme}://{host}{prefix}")
}

/// A host name or address with an optional port: letters, digits, dots, hyphens, and brackets for IPv6.
fn valid_host(host: &str) -> bool {
    !host.is_empty() && host.len() <= 255 && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

/// Refuses a write without the configured bearer token: the policy, before the handler, found who sent
/// the request (an account, or the shared token itself, compared there in constant time) or no one.
pub(crate) fn authorize(req: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    let identified = req.extensions().get::<policy::Identity>().is_some();
    if identified || state.token.is_none() {
        Ok(())
    } else {
        Err(ApiError::Unauthorized)
    }
}

/// Names the dataset a request works on, for its audit entry (`policy::AuditDetail`).
pub(crate) fn note_dataset(req: &HttpRequest, dataset: &str) {
    req.extensions_mut().insert(policy::AuditDetail {
        dataset: Some(dataset.to_string()),
    });
}

/// A file compiled into the binary: its name, its bytes, its content type.
type Embedded = (&'static str, &'static [u8], &'static str);

/// Serves the file of `files` named `name`, with `cache` as its Cache-Control; 404 naming the `kind` of
/// file asked for when there is none.
fn embedded(files: &[Embedded], name: &str, cache: &str, kind: &str) -> HttpResponse {
    match files.iter().find(|(n, _, _)| *n == name) {
        Some((_, body, content_type)) => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header(("Cache-Control", cache))
            .body(*body),
        None => ApiError::NotFound(format!("no {kind} \"{name}\"")).error_response(),
    }
}

impl AppState {
    /// Says once in the log that the shared token was used where accounts are kept: it acts as an
    /// administrator with no name, and personal tokens should take its place.
    pub(crate) fn warn_shared_token_once(&self, has_accounts: bool) {
        use std::sync::atomic::Ordering;
        if has_accounts && !self.warned_shared_token.swap(true, Ordering::Relaxed) {
            eprintln!(
                "警告 warning: a request used the shared token (--token-file / CARECIRCLE_TOKEN) where accounts are kept: \
                 it acts as an administrator named shared-token; give each person a token of their own \
                 (carecircle users token NAME) and retire it"
            );
        }
    }
}

pub fn state(store: Arc<dyn Store>, rulesets: Vec<Ruleset>, token: Option<String>, maps: bool) -> web::Data<AppState> {
    web::Data::new(AppState::new(store, rulesets, token, maps))
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, rulesets: Vec<Ruleset>, token: Option<String>, maps: bool) -> AppState {
        AppState {
            heavy: Arc::default(),
            anonymous_heavy: Arc::default(),
            store,
            rulesets,
            token,
            warned_shared_token: Default::default(),
            failed_sign_ins: Default::default(),
            maps,
            trust_proxy: false,
            trust_user_header: None,
            oidc: None,
            anonymous_read: false,
            require_if_match: false,
            judged: Default::default(),
            basemap: None,
            cors: Vec::new(),
            finding_families: Default::default(),
            kept_findings: recent::Recent::new(crate::limits::KEPT_FINDINGS_BYTES),
            tiled: recent::Recent::new(crate::limits::TILED_BYTES),
            tiling: Default::default(),
        }
    }
}

/// Runs CPU work (judging, drawing, comparing) off the async workers, at most
/// [`crate::limits::HEAVY_AT_ONCE`] at a time and waiting at most [`crate::limits::HEAVY_SECONDS`] for it:
/// past either, 503 with Retry-After. Work that outlives its wait still holds its place until it ends, so
/// abandoned work cannot pile up.
///
/// When a token is configured, requests that do not carry it share one slot of their own
/// ([`crate::limits::ANONYMOUS_HEAVY_AT_ONCE`]), so anonymous reviews, coverages and comparisons can never
/// take the places of those who sent the token.
pub(crate) async fn heavy<T: Send + 'static>(
    state: &AppState,
    req: &HttpRequest,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    use std::sync::atomic::Ordering;
    let identified = state.token.is_none() || authorize(req, state).is_ok();
    let (slots, at_once, who) = if identified {
        (
            Arc::clone(&state.heavy),
            crate::limits::HEAVY_AT_ONCE,
            "judging requests",
        )
    } else {
        (
            Arc::clone(&state.anonymous_heavy),
            crate::limits::ANONYMOUS_HEAVY_AT_ONCE,
            "judging requests without the token",
        )
    };
    if slots.fetch_add(1, Ordering::SeqCst) >= at_once {
        slots.fetch_sub(1, Ordering::SeqCst);
        return Err(ApiError::Busy(format!(
            "{at_once} {who} are running: try again shortly"
        )));
    }
    struct Release(Arc<std::sync::atomic::AtomicUsize>);
    impl Drop for Release {
        fn drop(&mut self) {
            self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let release = Release(slots);
    let job = web::block(move || {
        let _release = release;
        work()
    });
    match actix_web::rt::time::timeout(std::time::Duration::from_secs(crate::limits::HEAVY_SECONDS), job).await {
        Ok(done) => done.map_err(|e| ApiError::Internal(e.to_string()))?,
        Err(_) => Err(ApiError::Busy(format!(
            "the request took longer than {} s and was abandoned",
            crate::limits::HEAVY_SECONDS
        ))),
    }
}

/// Runs `work` — anything that reads the store or walks a collection — on actix's blocking pool, off the
/// async workers, so that one slow request never holds up `GET /conformance` or a tile.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(work).await.map_err(|e| ApiError::Internal(e.to_string()))?
}

/// The shortest bearer token `serve` accepts, from a file or from `CARECIRCLE_TOKEN`.
pub const MIN_TOKEN_CHARS: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::embedded::EmbeddedStore;
    use std::sync::mpsc;

    /// With a token configured, requests without it have a slot of their own: filling it leaves those
    /// who send the token their places, and filling theirs leaves the anonymous slot.
    #[actix_web::test]
    async fn anonymous_judging_cannot_take_the_identified_places() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(EmbeddedStore::open(vec![], dir.path()).unwrap());
        let token = "a-token-of-sixteen-chars";
        let state = web::Data::new(AppState::new(store, vec![], Some(token.into()), false));
        let anyone = || actix_web::test::TestRequest::default().to_http_request();
        // Sent with the token, and so marked by the policy before any handler (`policy::enforce`).
        let someone = || {
            let req = actix_web::test::TestRequest::default()
                .insert_header(("Authorization", format!("Bearer {token}")))
                .to_http_request();
            req.extensions_mut().insert(policy::Identity::SharedToken);
            req
        };
        let (open, wait) = mpsc::channel::<()>();
        let blocked = {
            let state = state.clone();
            actix_web::rt::spawn(async move {
                heavy(&state, &anyone(), move || {
                    let _ = wait.recv();
                    Ok(0)
                })
                .await
            })
        };
        while state.anonymous_heavy.load(std::sync::atomic::Ordering::SeqCst) < 1 {
            actix_web::rt::task::yield_now().await;
        }
        assert!(matches!(
            heavy(&state, &anyone(), || Ok(1)).await,
            Err(ApiError::Busy(_))
        ));
        assert_eq!(
            heavy(&state, &someone(), || Ok(2)).await.unwrap(),
            2,
            "the token holder still judges"
        );
        open.send(()).unwrap();
        assert_eq!(blocked.await.unwrap().unwrap(), 0);
        assert_eq!(
            heavy(&state, &anyone(), || Ok(3)).await.unwrap(),
            3,
            "the slot is free again"
        );
    }

    #[actix_web::test]
    async fn judging_beyond_its_slots_is_busy_not_queued() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(EmbeddedStore::open(vec![], dir.path()).unwrap());
        let state = web::Data::new(AppState::new(store, vec![], None, false));
        let mut gates = Vec::new();
        let mut running = Vec::new();
        for _ in 0..crate::limits::HEAVY_AT_ONCE {
            let (open, wait) = mpsc::channel::<()>();
            gates.push(open);
            let state = state.clone();
            running.push(actix_web::rt::spawn(async move {
                heavy(
                    &state,
                    &actix_web::test::TestRequest::default().to_http_request(),
                    move || {
                        let _ = wait.recv();
                        Ok(1)
                    },
                )
                .await
            }));
        }
        // Let the spawned requests take their slots.
        while state.heavy.load(std::sync::atomic::Ordering::SeqCst) < crate::limits::HEAVY_AT_ONCE {
            actix_web::rt::task::yield_now().await;
        }
        let anyone = actix_web::test::TestRequest::default().to_http_request();
        let third = heavy(&state, &anyone, || Ok(3)).await;
        assert!(matches!(third, Err(ApiError::Busy(_))));
        for gate in gates {
            gate.send(()).unwrap();
        }
        for r in running {
            assert_eq!(r.await.unwrap().unwrap(), 1);
        }
        // The slots are free again.
        assert_eq!(heavy(&state, &anyone, || Ok(4)).await.unwrap(), 4);
    }
}
