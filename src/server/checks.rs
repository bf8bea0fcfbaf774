//! Checks over HTTP: run a check through the pipeline and keep it as a record, read it back as made (its
//! check.json, findings as GeoJSON, report, maps and workbook), compare two kept runs, review a proposal,
//! list the rules, and map coverage.

use super::schemas::{
    CheckRun, CheckRuns, Coverage, CoverageFeature, CoverageProperties, FeatureCollectionType, FeatureType, Link,
    RuleInfo, RulesetInfo, Rulesets, RunVoid,
};
use super::{authorize, base_url, blocking, heavy, json_body, note_dataset, readable, same_origin, ApiError, AppState};
use crate::check;
use crate::compare::{compare, read_doc, By, RunDoc};
use crate::engine;
use crate::load::parse_proposal;
use crate::map::Lang;
use crate::model::{Mode, Tier};
use crate::report::compare::{self as report_compare, CompareDocument};
use crate::report::review::{ReviewCheck, ReviewDocument};
use crate::rules::{Rule, Ruleset};
use crate::server::Reply;
use crate::store::{RunSummary, StoreError};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(readable("/checks", list_checks).route(web::post().to(create_check)))
        .service(readable("/checks/{id}", get_check))
        .service(readable("/checks/{id}/findings", get_findings))
        .service(web::resource("/checks/{id}/void").route(web::post().to(void_run)))
        .service(readable("/checks/{id}/report.html", get_report))
        .service(readable("/checks/{id}/map.png", get_map_png))
        .service(readable("/checks/{id}/map.svg", get_map_svg))
        .service(readable("/checks/{id}/findings.xlsx", get_xlsx))
        .service(readable("/checks/{id}/findings.csv", get_csv))
        .service(readable("/checks/{id}/compare/{old}", get_compare))
        .service(web::resource("/review").route(web::post().to(review)))
        .service(readable("/rules", list_rules))
        .service(readable("/rules/{ruleset}/{rule}", get_rule))
        .service(readable("/coverage", coverage));
}

/// A check to run: the body of `POST /checks`, turned into a [`check::CheckRequest`]. Documented under
/// the name clients have always seen.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CheckRequest)]
pub struct CheckBody {
    /// The dataset's name in the store (see `/collections`).
    pub dataset: String,
    /// Ruleset ids (see `/rules`); all of them when absent.
    pub rulesets: Option<Vec<String>>,
    /// `audit` (default) or `review`.
    #[schema(value_type = Option<ModeParam>)]
    pub mode: Option<String>,
    /// Judge the dataset as it stood on this day (YYYY-MM-DD).
    #[schema(format = Date, example = "2024-12-31")]
    pub as_of: Option<String>,
    /// Add the look-back ledger at this level.
    #[schema(value_type = Option<ByParam>)]
    pub by: Option<String>,
}

/// How facilities count (DATA-CONTRACT §3). For the OpenAPI document; parsed by [`check::parse_mode`].
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // only its schema is used
pub enum ModeParam {
    Audit,
    Review,
}

/// The level of the look-back ledger: streets include townships, communities include villages. For the
/// OpenAPI document; parsed by [`check::parse_level`].
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // only its schema is used
pub enum ByParam {
    District,
    Street,
    Community,
}

/// A proposal to review.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub dataset: String,
    /// Ruleset ids; all of them when absent.
    pub rulesets: Option<Vec<String>>,
    /// A GeoJSON FeatureCollection of residential areas and facilities, each with a `layer` property.
    /// Kept as its text until its features are counted.
    #[schema(value_type = Object)]
    pub proposal: Box<serde_json::value::RawValue>,
}

pub(crate) fn pick_rulesets(state: &AppState, ids: Option<&[String]>) -> Result<Vec<Ruleset>, ApiError> {
    let Some(ids) = ids else {
        return Ok(state.rulesets.clone());
    };
    // Bounded before any work: a body listing one ruleset 60 000 times must not judge it 60 000 times.
    if ids.len() > crate::limits::RULESETS_PER_REQUEST {
        return Err(ApiError::BadRequest(format!(
            "{} rulesets asked for: at most {} in one request",
            ids.len(),
            crate::limits::RULESETS_PER_REQUEST
        )));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = ids.iter().find(|id| !seen.insert(id.as_str())) {
        return Err(ApiError::BadRequest(format!(
            "ruleset \"{twice}\" is asked for twice: name each once"
        )));
    }
    ids.iter()
        .map(|id| {
            state.rulesets.iter().find(|r| &r.id == id).cloned().ok_or_else(|| {
                let known: Vec<&str> = state.rulesets.iter().map(|r| r.id.as_str()).collect();
                ApiError::BadRequest(format!(
                    "unknown ruleset \"{id}\": expected one of {}",
                    known.join(", ")
                ))
            })
        })
        .collect()
}

pub(crate) fn mode_of(text: Option<&str>) -> Result<Mode, ApiError> {
    text.map_or(Ok(Mode::Audit), |t| {
        check::parse_mode(t).map_err(|e| ApiError::BadRequest(format!("mode {e}")))
    })
}

/// Runs a check and keeps it as a record. Needs the bearer token when one is configured.
#[utoipa::path(post, path = "/checks", tag = "checks", request_body = CheckBody,
    security(("bearer" = [])),
    responses((status = 201, description = "The run: its id, links and summary", body = CheckRun,
               headers(("Location" = String, description = "The run's URL"))),
              (status = 400, description = "Bad request", body = Exception),
              (status = 403, description = "Sent by a page of another origin than this service's or one --cors allows", body = Exception),
              (status = 404, description = "No such dataset", body = Exception),
              (status = 503, description = "Too much judging at once: try again (Retry-After)", body = Exception),
              (status = 507, description = "The server's storage is full: the run was not kept", body = Exception)))]
pub async fn create_check(req: HttpRequest, state: web::Data<AppState>, payload: web::Payload) -> Reply {
    authorize(&req, &state)?;
    same_origin(&req, &state)?;
    let body: CheckBody = json_body(&req, payload, crate::limits::CHECK_REQUEST_BYTES).await?;
    note_dataset(&req, &body.dataset);
    let request = check::CheckRequest {
        rulesets: pick_rulesets(&state, body.rulesets.as_deref())?,
        mode: mode_of(body.mode.as_deref())?,
        as_of: body
            .as_of
            .as_deref()
            .map(check::parse_day)
            .transpose()
            .map_err(|e| ApiError::BadRequest(format!("as_of {e}")))?,
        by: body
            .by
            .as_deref()
            .map(check::parse_level)
            .transpose()
            .map_err(|e| ApiError::BadRequest(format!("by {e}")))?,
    };
    let store = Arc::clone(&state.store);
    let maps = state.maps.then_some(Lang::Chinese);
    let author = req
        .extensions()
        .get::<super::policy::Identity>()
        .map(|who| who.name().to_string());
    let summary = heavy(&state, &req, move || -> Result<RunSummary, ApiError> {
        let source = store.dataset(&body.dataset)?;
        let judged = check::check(&source, request).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(crate::store::keep(store.as_ref(), &judged, maps, author.as_deref())?)
    })
    .await?;
    let base = base_url(&req);
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("{base}/checks/{}", summary.id)))
        .json(run_summary(&state, &base, &summary, None)?))
}

fn run_summary(
    state: &AppState,
    base: &str,
    run: &RunSummary,
    voided: Option<&crate::store::Void>,
) -> Result<CheckRun, ApiError> {
    let id = run.id;
    let has = |file: &str| run.files.iter().any(|f| f == file);
    let mut links = Vec::new();
    if has("check.json") {
        links.push(Link::new(format!("{base}/checks/{id}"), "self", "application/json"));
    }
    if has("findings.geojson") {
        links.push(Link::new(
            format!("{base}/checks/{id}/findings"),
            "findings",
            "application/geo+json",
        ));
        // One OGC collection per geometry family of the findings.
        for collection in super::ogc::finding_collection_ids(state, id)? {
            links.push(Link::new(
                format!("{base}/collections/{collection}"),
                "collection",
                "application/json",
            ));
        }
    }
    for (file, rel, kind, path) in [
        ("report.html", "report", "text/html", "report.html"),
        ("coverage.png", "map", "image/png", "map.png"),
        ("coverage.svg", "map", "image/svg+xml", "map.svg"),
        ("findings.xlsx", "workbook", XLSX, "findings.xlsx"),
        ("findings.csv", "alternate", "text/csv", "findings.csv"),
    ] {
        if has(file) {
            links.push(Link::new(format!("{base}/checks/{id}/{path}"), rel, kind));
        }
    }
    Ok(CheckRun {
        id,
        dataset: run.dataset.clone(),
        dataset_version: run.dataset_version,
        dataset_digest: run.dataset_digest.clone(),
        as_of: run.as_of.clone(),
        mode: run.mode.clone(),
        rulesets: run.rulesets.clone(),
        created: run.created.clone(),
        rules: run.rules,
        failed_rules: run.failed_rules,
        findings: run.findings,
        not_in_force: run
            .not_in_force
            .iter()
            .map(|n| super::schemas::NotInForce {
                ruleset: n.ruleset.clone(),
                effective: n.effective.clone(),
            })
            .collect(),
        voided: voided.map(RunVoid::from),
        links,
    })
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Every kept run, oldest first.
#[utoipa::path(get, path = "/checks", tag = "checks",
    responses((status = 200, description = "The runs", body = CheckRuns)))]
pub async fn list_checks(req: HttpRequest, state: web::Data<AppState>) -> Reply {
    let base = base_url(&req);
    let checks = blocking(move || {
        let voids = state.store.records().voids()?;
        state
            .store
            .runs()?
            .iter()
            .map(|r| run_summary(&state, &base, r, voids.iter().find(|v| v.run == r.id)))
            .collect::<Result<_, _>>()
    })
    .await?;
    Ok(HttpResponse::Ok().json(CheckRuns { checks }))
}

/// One file of a kept run, as made.
async fn run_file(state: &web::Data<AppState>, id: u64, name: &str, content_type: &str) -> Reply {
    let bytes = stored(state, id, name).await??;
    Ok(HttpResponse::Ok().content_type(content_type).body(bytes))
}

/// A kept run's file read from the store off the async workers (a PostGIS store answers over the network).
async fn stored(state: &web::Data<AppState>, id: u64, name: &str) -> Result<Result<Vec<u8>, StoreError>, ApiError> {
    let (state, name) = (state.clone(), name.to_string());
    blocking(move || Ok(state.store.run_file(id, &name))).await
}

/// What `POST /checks/{id}/void` takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidBody {
    /// Why the run is voided, as people will read it (1 to 500 characters).
    #[schema(min_length = 1, max_length = 500, example = "导入数据有误，以第 12 次核查为准")]
    pub reason: String,
}

/// Voids a kept run (作废): a record of its own — which run, when, by whom and why — while the run stays
/// byte for byte as made; `GET /checks` then says it is void. Once per run.
#[utoipa::path(post, path = "/checks/{id}/void", tag = "checks", request_body = VoidBody,
    security(("bearer" = [])),
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 201, description = "The void, as kept", body = RunVoid),
              (status = 400, description = "Bad request: the reason, named", body = Exception),
              (status = 404, description = "No such run", body = Exception),
              (status = 409, description = "The run is voided already", body = Exception)))]
pub async fn void_run(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<u64>,
    payload: web::Payload,
) -> Reply {
    authorize(&req, &state)?;
    same_origin(&req, &state)?;
    let id = path.into_inner();
    let body: VoidBody = json_body(&req, payload, crate::limits::CHECK_REQUEST_BYTES).await?;
    let reason = body.reason.trim().to_string();
    let chars = reason.chars().count();
    if chars == 0 || chars > crate::limits::VOID_REASON_CHARS || reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::BadRequest(format!(
            "reason: expected why the run is voided, 1 to {} characters without control characters",
            crate::limits::VOID_REASON_CHARS
        )));
    }
    let by = super::policy::identity_of(&req).map_or_else(|| "anonymous".to_string(), |who| who.name().to_string());
    let void = crate::store::Void {
        run: id,
        at: crate::store::now_rfc3339(),
        by,
        reason,
    };
    let kept = blocking(move || {
        state.store.run(id)?;
        state.store.records().void_run(&void)?;
        Ok(void)
    })
    .await?;
    Ok(HttpResponse::Created().json(RunVoid::from(&kept)))
}

/// The run's record: the document of DATA-CONTRACT §4 with the record's fields, as made.
#[utoipa::path(get, path = "/checks/{id}", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "The run's check.json (DATA-CONTRACT §4 and the record)", body = Object),
              (status = 404, description = "No such run", body = Exception)))]
pub async fn get_check(req: HttpRequest, state: web::Data<AppState>, path: web::Path<u64>) -> Reply {
    let id = path.into_inner();
    let Some(scope) = super::policy::scope_of(&req) else {
        return run_file(&state, id, "check.json", "application/json").await;
    };
    // A scoped reader: the record with the findings its units place in scope, and a `scope` member
    // saying so (DATA-CONTRACT §4).
    let body = blocking(move || {
        let (mut record, in_run) = kept_json_retaining(&state, id, "check.json", "findings", |_, f| {
            let units = f["units"].as_object();
            scope.holds_codes(units.into_iter().flat_map(|u| u.values()).filter_map(|v| v.as_str()))
        })?;
        let shown = record["findings"].as_array().map_or(0, Vec::len);
        record.insert(
            "scope".into(),
            serde_json::json!({
                "units": scope.codes().collect::<Vec<_>>(),
                "findings_in_run": in_run,
                "findings_shown": shown,
            }),
        );
        serde_json::to_vec(&record).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

/// A kept run's JSON file with only the members of its array `member` that `keep` keeps (given their
/// place and value), and how many the array held.
fn kept_json_retaining(
    state: &AppState,
    id: u64,
    file: &str,
    member: &str,
    mut keep: impl FnMut(usize, &serde_json::Value) -> bool,
) -> Result<(serde_json::Map<String, serde_json::Value>, usize), ApiError> {
    let bytes = state.store.run_file(id, file)?;
    let mut doc: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Internal(format!("run {id}'s {file}: {e}")))?;
    let mut held = 0;
    if let Some(serde_json::Value::Array(items)) = doc.get_mut(member) {
        held = items.len();
        let mut place = 0;
        items.retain(|item| {
            place += 1;
            keep(place - 1, item)
        });
    }
    Ok((doc, held))
}

/// The run's findings as one GeoJSON FeatureCollection.
#[utoipa::path(get, path = "/checks/{id}/findings", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "Every finding", content_type = "application/geo+json", body = Object),
              (status = 404, description = "No such run", body = Exception)))]
pub async fn get_findings(req: HttpRequest, state: web::Data<AppState>, path: web::Path<u64>) -> Reply {
    let id = path.into_inner();
    let Some(scope) = super::policy::scope_of(&req) else {
        return run_file(&state, id, "findings.geojson", "application/geo+json").await;
    };
    // A scoped reader: the findings its units place in scope, each as made (findings.geojson lists the
    // findings of check.json, in its order).
    let body = blocking(move || {
        let visible = super::ogc::kept_findings(&state, id)?
            .visible(Some(&scope))
            .unwrap_or_default();
        let (collection, _) = kept_json_retaining(&state, id, "findings.geojson", "features", |i, _| {
            visible.get(i).copied().unwrap_or(false)
        })?;
        serde_json::to_vec(&collection).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("application/geo+json").body(body))
}

/// The run's self-contained HTML report.
#[utoipa::path(get, path = "/checks/{id}/report.html", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "The report", content_type = "text/html"),
              (status = 404, description = "No such run", body = Exception)))]
pub async fn get_report(state: web::Data<AppState>, path: web::Path<u64>) -> Reply {
    run_file(&state, path.into_inner(), "report.html", "text/html; charset=utf-8").await
}

/// A map of a run: kept when the run was made, if the server had a CJK font then.
async fn map_file(state: &web::Data<AppState>, id: u64, name: &str, content_type: &str) -> Reply {
    match stored(state, id, name).await? {
        Ok(bytes) => Ok(HttpResponse::Ok().content_type(content_type).body(bytes)),
        Err(StoreError::NoFile { .. }) => Err(ApiError::Unavailable(format!(
            "run {id} was made without maps: the server had no font that draws Chinese then (install fonts-wqy-microhei \
             or set CARECIRCLE_FONT, restart, and run the check again)"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The run's coverage map as PNG.
#[utoipa::path(get, path = "/checks/{id}/map.png", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "The map", content_type = "image/png"),
              (status = 404, description = "No such run", body = Exception),
              (status = 503, description = "The run was made without a CJK font on the server", body = Exception)))]
pub async fn get_map_png(state: web::Data<AppState>, path: web::Path<u64>) -> Reply {
    map_file(&state, path.into_inner(), "coverage.png", "image/png").await
}

/// The run's coverage map as SVG.
#[utoipa::path(get, path = "/checks/{id}/map.svg", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "The map", content_type = "image/svg+xml"),
              (status = 404, description = "No such run", body = Exception),
              (status = 503, description = "The run was made without a CJK font on the server", body = Exception)))]
pub async fn get_map_svg(state: web::Data<AppState>, path: web::Path<u64>) -> Reply {
    map_file(&state, path.into_inner(), "coverage.svg", "image/svg+xml").await
}

/// The run's findings, summary and ledger as an Excel workbook.
#[utoipa::path(get, path = "/checks/{id}/findings.xlsx", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "The workbook",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 404, description = "No such run", body = Exception)))]
pub async fn get_xlsx(state: web::Data<AppState>, path: web::Path<u64>) -> Reply {
    let id = path.into_inner();
    let bytes = stored(&state, id, "findings.xlsx").await??;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"check-{id}-findings.xlsx\""),
        ))
        .body(bytes))
}

/// The run's findings as CSV (UTF-8 with a byte-order mark, so Excel opens the Chinese as written).
#[utoipa::path(get, path = "/checks/{id}/findings.csv", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "The findings, one row each", content_type = "text/csv"),
              (status = 404, description = "No such run", body = Exception)))]
pub async fn get_csv(state: web::Data<AppState>, path: web::Path<u64>) -> Reply {
    let id = path.into_inner();
    let bytes = stored(&state, id, "findings.csv").await??;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"check-{id}-findings.csv\""),
        ))
        .body(bytes))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CompareQuery {
    /// Break the ledger down by `street` or `community`.
    #[param(value_type = Option<CompareBy>, example = "street")]
    pub by: Option<String>,
    /// `json` (default), `csv`, `xlsx`, or `html` (the newer run's report with the ledger as a section).
    #[param(value_type = Option<CompareFormat>, example = "json")]
    pub format: Option<String>,
}

/// The levels a comparison breaks down by. For the OpenAPI document; parsed by [`By::parse`].
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // only its schema is used
pub enum CompareBy {
    Street,
    Community,
}

/// A comparison's formats, as [`COMPARE_FORMATS`] lists them for the handler.
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // only its schema is used
pub enum CompareFormat {
    Json,
    Csv,
    Xlsx,
    Html,
}

/// The formats `GET /checks/{id}/compare/{old}` answers in.
pub const COMPARE_FORMATS: [&str; 4] = ["json", "csv", "xlsx", "html"];

/// The rectification ledger (整改台账) from kept run `old` to kept run `id`: per rule (and per street or
/// community), the subjects fixed, new and still failing.
#[utoipa::path(get, path = "/checks/{id}/compare/{old}", tag = "checks",
    params(("id" = u64, Path, description = "The newer run's id"),
           ("old" = u64, Path, description = "The earlier run's id"), CompareQuery),
    responses((status = 200, description = "The comparison: DATA-CONTRACT's compare document, or the ledger as CSV, a workbook or the newer run's report",
               content(("application/json" = Object), ("text/csv" = String), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" = Vec<u8>), ("text/html" = String))),
              (status = 400, description = "Bad parameter", body = Exception),
              (status = 404, description = "No such run", body = Exception),
              (status = 503, description = "Too much judging at once: try again (Retry-After)", body = Exception)))]
pub async fn get_compare(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(u64, u64)>,
    query: web::Query<CompareQuery>,
) -> Reply {
    let (new_id, old_id) = path.into_inner();
    let by = query
        .by
        .as_deref()
        .map(By::parse)
        .transpose()
        .map_err(|e| ApiError::BadRequest(format!("by {e}")))?;
    let format = query.format.clone().unwrap_or_else(|| "json".into());
    if !COMPARE_FORMATS.contains(&format.as_str()) {
        return Err(ApiError::BadRequest(format!(
            "format \"{format}\": expected json, csv, xlsx or html"
        )));
    }
    let store = Arc::clone(&state.store);
    let (content_type, body) = heavy(&state, &req, move || -> Result<(&'static str, Vec<u8>), ApiError> {
        let read = |id: u64| -> Result<RunDoc, ApiError> {
            let bytes = store.run_file(id, "check.json")?;
            read_doc(&format!("run {id}"), &bytes).map_err(|e| ApiError::Internal(e.to_string()))
        };
        let comparison = compare(read(old_id)?, read(new_id)?, by).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let internal = |e: String| ApiError::Internal(e);
        Ok(match format.as_str() {
            "csv" => (
                "text/csv; charset=utf-8",
                report_compare::csv(&comparison).map_err(|e| internal(e.to_string()))?,
            ),
            "xlsx" => (
                XLSX,
                report_compare::xlsx(&comparison).map_err(|e| internal(e.to_string()))?,
            ),
            "html" => {
                let report = store.run_file(new_id, "report.html")?;
                let report = String::from_utf8_lossy(&report);
                let html = report_compare::report_with_section(&report, &comparison).ok_or_else(|| {
                    ApiError::NotFound(format!("run {new_id}'s report has no place for a comparison"))
                })?;
                ("text/html; charset=utf-8", html.into_bytes())
            }
            _ => (
                "application/json",
                serde_json::to_vec(&CompareDocument::new(&comparison)).map_err(|e| internal(e.to_string()))?,
            ),
        })
    })
    .await?;
    let mut response = HttpResponse::Ok();
    response.content_type(content_type);
    if content_type == XLSX {
        response.insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"compare-{old_id}-{new_id}.xlsx\""),
        ));
    }
    Ok(response.body(body))
}

/// Judges a proposal inside its dataset (plan review), synchronously; nothing is kept.
#[utoipa::path(post, path = "/review", tag = "checks", request_body = ReviewRequest,
    responses((status = 200, description = "The verdict, per rule and overall", body = Object),
              (status = 400, description = "Bad request or bad proposal, every problem named", body = Exception),
              (status = 404, description = "No such dataset", body = Exception),
              (status = 503, description = "Too much judging at once: try again (Retry-After)", body = Exception)))]
pub async fn review(req: HttpRequest, state: web::Data<AppState>, payload: web::Payload) -> Reply {
    let body: ReviewRequest = json_body(&req, payload, crate::limits::PROPOSAL_BYTES).await?;
    note_dataset(&req, &body.dataset);
    let rulesets = pick_rulesets(&state, body.rulesets.as_deref())?;
    let store = Arc::clone(&state.store);
    let scope = super::policy::scope_of(&req);
    let doc = heavy(&state, &req, move || {
        let dataset = store.dataset(&body.dataset)?.dataset;
        let proposal = parse_proposal("proposal", body.proposal.get().as_bytes(), &dataset)
            .map_err(|p| ApiError::BadRequest(p.to_string()))?;
        if let Some(scope) = &scope {
            within(scope, &dataset, &proposal)?;
        }
        let verdict = engine::review(&dataset, &proposal, &rulesets);
        let check = ReviewCheck {
            dataset: &dataset,
            rulesets: &rulesets,
            proposal: "proposal",
            review: &verdict,
        };
        serde_json::to_vec(&ReviewDocument::new(&check)).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(doc))
}

/// Refuses a proposal with a feature outside a scoped sender's units, naming each such feature.
fn within(
    scope: &crate::scope::Scope,
    dataset: &crate::model::Dataset,
    proposal: &crate::model::Proposal,
) -> Result<(), ApiError> {
    use crate::engine::Place;
    let features: Vec<(&str, Place)> = proposal
        .residential_areas
        .iter()
        .map(|a| (a.id.as_str(), Place::Point(a.location)))
        .chain(
            proposal
                .facilities
                .iter()
                .map(|f| (f.id.as_str(), Place::Point(f.location))),
        )
        .collect();
    let held = scope.places(dataset, features.iter().map(|(_, p)| *p));
    let outside: Vec<&str> = features
        .iter()
        .zip(held)
        .filter(|(_, held)| !held)
        .map(|((id, _), _)| *id)
        .collect();
    if outside.is_empty() {
        return Ok(());
    }
    Err(ApiError::Forbidden(format!(
        "辖区之外 the proposal's {} lie outside the units this account acts in ({}): review only what lies in them, \
         or ask an account for the whole city",
        outside.join(", "),
        scope.codes().collect::<Vec<_>>().join(", ")
    )))
}

fn rule_json(ruleset: &Ruleset, rule: &Rule) -> RuleInfo {
    RuleInfo {
        id: rule.id.clone(),
        ruleset: ruleset.id.clone(),
        document: ruleset.document.clone(),
        kind: rule.kind.name().to_string(),
        severity: rule.severity.key().to_string(),
        title: rule.title.clone(),
        clause: rule.clause.clone(),
        quote: rule.quote.clone(),
        target: rule.kind.target(),
        effective: ruleset.effective.map(|d| d.to_string()),
    }
}

/// Every rule the service can apply, with its source.
#[utoipa::path(get, path = "/rules", tag = "rules",
    responses((status = 200, description = "The rulesets and their rules", body = Rulesets)))]
pub async fn list_rules(req: HttpRequest, state: web::Data<AppState>) -> Reply {
    super::ogc::only_params(&req, &[])?;
    let rulesets = state
        .rulesets
        .iter()
        .map(|r| RulesetInfo {
            id: r.id.clone(),
            title: r.title.clone(),
            document: r.document.clone(),
            sha256: r.sha256.clone(),
            effective: r.effective.map(|d| d.to_string()),
            rules: r.rules.iter().map(|rule| rule_json(r, rule)).collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Rulesets { rulesets }))
}

/// One rule by its id (`<ruleset>/<rule>`).
#[utoipa::path(get, path = "/rules/{ruleset}/{rule}", tag = "rules",
    params(("ruleset" = String, Path, description = "The ruleset id, e.g. anxi-2022"),
           ("rule" = String, Path, description = "The rule's name, e.g. service-radius")),
    responses((status = 200, description = "The rule", body = RuleInfo),
              (status = 404, description = "No such rule", body = Exception)))]
pub async fn get_rule(state: web::Data<AppState>, path: web::Path<(String, String)>) -> Reply {
    let (ruleset, rule) = path.into_inner();
    let id = format!("{ruleset}/{rule}");
    state
        .rulesets
        .iter()
        .find_map(|r| r.rules.iter().find(|x| x.id == id).map(|x| rule_json(r, x)))
        .map(|v| HttpResponse::Ok().json(v))
        .ok_or_else(|| ApiError::NotFound(format!("no rule \"{id}\"")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// The dataset's name in the store.
    pub dataset: String,
    /// Comma-separated facility tiers (default: the community facilities).
    pub tiers: Option<String>,
    /// The radius in metres (default 700, at most 2 000).
    pub radius_m: Option<f64>,
    /// `audit` (default) or `review`.
    #[param(value_type = Option<ModeParam>)]
    pub mode: Option<String>,
}

/// The area within the radius of a counted facility, as (multi)polygons, and the residential areas out of reach.
#[utoipa::path(get, path = "/coverage", tag = "checks", params(CoverageQuery),
    responses((status = 200, description = "Covered area and uncovered residential areas", content_type = "application/geo+json", body = Coverage),
              (status = 400, description = "Bad parameter", body = Exception),
              (status = 404, description = "No such dataset", body = Exception),
              (status = 503, description = "Too much judging at once: try again (Retry-After)", body = Exception)))]
pub async fn coverage(req: HttpRequest, state: web::Data<AppState>, query: web::Query<CoverageQuery>) -> Reply {
    let query = query.into_inner();
    note_dataset(&req, &query.dataset);
    let tiers = match query.tiers.as_deref() {
        None | Some("") => Tier::COMMUNITY.to_vec(),
        Some(text) => text
            .split(',')
            .map(|t| {
                Tier::parse(t.trim())
                    .ok_or_else(|| ApiError::BadRequest(format!("tier \"{t}\": expected one of {}", Tier::accepted())))
            })
            .collect::<Result<_, _>>()?,
    };
    let radius_m = query.radius_m.unwrap_or(700.0);
    if !(radius_m > 0.0 && radius_m <= crate::limits::COVERAGE_RADIUS_M) {
        return Err(ApiError::BadRequest(format!(
            "radius_m {radius_m}: expected metres above 0 and at most {}",
            crate::limits::COVERAGE_RADIUS_M
        )));
    }
    let mode = mode_of(query.mode.as_deref())?;
    let store = Arc::clone(&state.store);
    let scope = super::policy::scope_of(&req);
    let body = heavy(&state, &req, move || {
        let dataset = store.dataset(&query.dataset)?.dataset;
        let answer = check::coverage(&dataset, mode, &tiers, radius_m, scope.as_ref());
        let mut features = vec![CoverageFeature {
            kind: FeatureType::Feature,
            id: "covered".into(),
            geometry: geojson::Geometry::from(&answer.covered),
            properties: CoverageProperties::Covered {
                radius_m,
                mode: mode.key().to_string(),
                tiers: tiers.iter().map(|t| t.key().to_string()).collect(),
                facilities: answer.facilities,
                household_rate: answer.household_rate,
            },
        }];
        features.extend(answer.uncovered.iter().map(|f| CoverageFeature {
            kind: FeatureType::Feature,
            id: f.id.clone(),
            geometry: geojson::Geometry::from(&*f.geometry),
            properties: CoverageProperties::Uncovered {
                name: f.name.clone(),
                nearest_m: f.measured,
                message: f.message().to_string(),
            },
        }));
        Ok(Coverage {
            kind: FeatureCollectionType::FeatureCollection,
            features,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("application/geo+json").json(body))
}
