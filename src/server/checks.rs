//! Checks over HTTP: run and keep a check, read it back (the JSON of DATA-CONTRACT §4, its findings as
//! GeoJSON, its report, maps and workbook), review a proposal, list the rules, and map coverage.

use super::{authorize, base_url, ApiError, AppState};
use crate::engine::{self, judge_rule, Context, Layer};
use crate::load::parse_proposal;
use crate::map::{self, Coverage, Lang, MapSpec};
use crate::model::{Date, Level, Mode, Tier};
use crate::report::json::CheckDocument;
use crate::report::review::{ReviewCheck, ReviewDocument};
use crate::report::{html, xlsx, Check};
use crate::rules::{Metric, Rule, RuleKind, Ruleset, ServiceRadius};
use crate::store::{NewRun, Run};
use actix_web::{web, HttpRequest, HttpResponse};
use geo::{Destination, Geodesic, LineString, MultiPolygon, Point, Polygon};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/checks", web::get().to(list_checks))
        .route("/checks", web::post().to(create_check))
        .route("/checks/{id}", web::get().to(get_check))
        .route("/checks/{id}/findings", web::get().to(get_findings))
        .route("/checks/{id}/report.html", web::get().to(get_report))
        .route("/checks/{id}/map.png", web::get().to(get_map_png))
        .route("/checks/{id}/map.svg", web::get().to(get_map_svg))
        .route("/checks/{id}/findings.xlsx", web::get().to(get_xlsx))
        .route("/review", web::post().to(review))
        .route("/rules", web::get().to(list_rules))
        .route("/rules/{ruleset}/{rule}", web::get().to(get_rule))
        .route("/coverage", web::get().to(coverage));
}

/// A check to run.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// The dataset's name in the store (see `/collections`).
    pub dataset: String,
    /// Ruleset ids (see `/rules`); all of them when absent.
    pub rulesets: Option<Vec<String>>,
    /// `audit` (default) or `review`.
    pub mode: Option<ModeParam>,
    /// Judge the dataset as it stood on this day (YYYY-MM-DD).
    #[schema(format = Date, example = "2024-12-31")]
    pub as_of: Option<String>,
    /// Add the look-back ledger at this level.
    pub by: Option<ByParam>,
}

/// How facilities count (DATA-CONTRACT §3).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModeParam {
    Audit,
    Review,
}

impl From<ModeParam> for Mode {
    fn from(m: ModeParam) -> Mode {
        match m {
            ModeParam::Audit => Mode::Audit,
            ModeParam::Review => Mode::Review,
        }
    }
}

/// The level of the look-back ledger: streets include townships, communities include villages.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
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
    #[schema(value_type = Object)]
    pub proposal: Value,
}

fn pick_rulesets(state: &AppState, ids: Option<&[String]>) -> Result<Vec<Ruleset>, ApiError> {
    let Some(ids) = ids else {
        return Ok(state.rulesets.clone());
    };
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

/// Runs a check and keeps it. Needs the bearer token when one is configured.
#[utoipa::path(post, path = "/checks", tag = "checks", request_body = CheckRequest,
    security(("bearer" = [])),
    responses((status = 201, description = "The run: its id, links and summary", body = Object),
              (status = 400, description = "Bad request", body = Object),
              (status = 401, description = "No or wrong bearer token", body = Object),
              (status = 404, description = "No such dataset", body = Object),
              (status = 413, description = "Body too large", body = Object)))]
pub async fn create_check(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<CheckRequest>,
) -> Result<HttpResponse, ApiError> {
    authorize(&req, &state)?;
    let body = body.into_inner();
    let rulesets = pick_rulesets(&state, body.rulesets.as_deref())?;
    let mode = body.mode.map_or(Mode::Audit, Mode::from);
    let by = body.by.map(|by| match by {
        ByParam::District => Level::District,
        ByParam::Street => Level::Street,
        ByParam::Community => Level::Community,
    });
    let mut dataset = state.store.dataset(&body.dataset)?;
    if let Some(text) = &body.as_of {
        let day =
            Date::parse(text).ok_or_else(|| ApiError::BadRequest(format!("as_of \"{text}\": expected YYYY-MM-DD")))?;
        if day > dataset.as_of {
            return Err(ApiError::BadRequest(format!(
                "as_of {day}: the dataset describes {}; it cannot say what stood on a later day",
                dataset.as_of
            )));
        }
        dataset = Arc::new(dataset.as_it_stood_on(day));
    }
    let store = Arc::clone(&state.store);
    let name = body.dataset.clone();
    let run = web::block(move || {
        let report = engine::judge(&dataset, &rulesets, mode);
        let ledger = by.map(|level| engine::ledger(&dataset, &report, level));
        store.save_run(NewRun {
            dataset_name: name,
            dataset,
            mode,
            rulesets,
            report,
            ledger,
        })
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let base = base_url(&req);
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("{base}/checks/{}", run.id)))
        .json(run_summary(&base, &run)))
}

fn run_summary(base: &str, run: &Run) -> Value {
    let id = run.id;
    json!({
        "id": id,
        "dataset": run.dataset_name,
        "as_of": run.dataset.as_of.to_string(),
        "mode": run.mode.key(),
        "created": run.created,
        "rules": run.report.outcomes.len(),
        "failed_rules": run.report.outcomes.iter().filter(|o| !o.pass).count(),
        "findings": run.report.findings.len(),
        "links": [
            {"href": format!("{base}/checks/{id}"), "rel": "self", "type": "application/json"},
            {"href": format!("{base}/checks/{id}/findings"), "rel": "findings", "type": "application/geo+json"},
            {"href": format!("{base}/collections/check-{id}.findings"), "rel": "collection", "type": "application/json"},
            {"href": format!("{base}/checks/{id}/report.html"), "rel": "report", "type": "text/html"},
            {"href": format!("{base}/checks/{id}/map.png"), "rel": "map", "type": "image/png"},
            {"href": format!("{base}/checks/{id}/map.svg"), "rel": "map", "type": "image/svg+xml"},
            {"href": format!("{base}/checks/{id}/findings.xlsx"), "rel": "workbook",
             "type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ]
    })
}

/// Every kept run, oldest first.
#[utoipa::path(get, path = "/checks", tag = "checks",
    responses((status = 200, description = "The runs", body = Object)))]
pub async fn list_checks(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let base = base_url(&req);
    let runs: Vec<Value> = state.store.runs()?.iter().map(|r| run_summary(&base, r)).collect();
    Ok(HttpResponse::Ok().json(json!({ "checks": runs })))
}

fn with_run(state: &AppState, id: u64) -> Result<Arc<Run>, ApiError> {
    Ok(state.store.run(id)?)
}

fn check_of(run: &Run) -> Check<'_> {
    Check {
        dataset: &run.dataset,
        rulesets: &run.rulesets,
        mode: run.mode,
        report: &run.report,
        ledger: run.ledger.as_ref(),
    }
}

/// The run's document, exactly DATA-CONTRACT §4.
#[utoipa::path(get, path = "/checks/{id}", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "The check document (DATA-CONTRACT §4)", body = Object),
              (status = 404, description = "No such run", body = Object)))]
pub async fn get_check(state: web::Data<AppState>, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let run = with_run(&state, path.into_inner())?;
    Ok(HttpResponse::Ok().json(CheckDocument::new(&check_of(&run))))
}

/// The run's findings as one GeoJSON FeatureCollection.
#[utoipa::path(get, path = "/checks/{id}/findings", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "Every finding", content_type = "application/geo+json", body = Object),
              (status = 404, description = "No such run", body = Object)))]
pub async fn get_findings(state: web::Data<AppState>, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let run = with_run(&state, path.into_inner())?;
    let doc = CheckDocument::new(&check_of(&run));
    let features: Vec<Value> = doc
        .findings
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            json!({
                "type": "Feature",
                "id": (i + 1).to_string(),
                "geometry": f.geometry,
                "properties": {
                    "rule": f.rule, "severity": f.severity, "layer": f.layer, "id": f.id, "name": f.name,
                    "measured": f.measured, "required": f.required, "unit": f.unit, "message": f.message,
                    "facilities": f.facilities
                }
            })
        })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(json!({"type": "FeatureCollection", "features": features})))
}

fn maps_of(state: &AppState, run: &Run) -> Result<(String, Vec<u8>), ApiError> {
    if !state.maps {
        return Err(ApiError::Unavailable(
            "maps need a font that draws Chinese: install fonts-wqy-microhei on the server, or start it with CARECIRCLE_FONT".into(),
        ));
    }
    let coverage = Coverage::of(&run.dataset, run.mode, &run.rulesets, None, Some(&run.report));
    let spec = MapSpec {
        dataset: &run.dataset,
        mode: run.mode,
        coverage: coverage.as_ref(),
        findings: &run.report.findings,
        bbox: None,
        width: 1600,
        lang: Lang::Chinese,
    };
    let svg = map::render_svg(&spec).map_err(|e| ApiError::Internal(e.to_string()))?;
    let png = map::render_png(&spec).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((svg, png))
}

/// The run's self-contained HTML report.
#[utoipa::path(get, path = "/checks/{id}/report.html", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "The report", content_type = "text/html"),
              (status = 404, description = "No such run", body = Object)))]
pub async fn get_report(state: web::Data<AppState>, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let run = with_run(&state, path.into_inner())?;
    let svg = if state.maps {
        Some(maps_of(&state, &run)?.0)
    } else {
        None
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html::render(&check_of(&run), svg.as_deref())))
}

/// The run's coverage map as PNG.
#[utoipa::path(get, path = "/checks/{id}/map.png", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "The map", content_type = "image/png"),
              (status = 404, description = "No such run", body = Object),
              (status = 503, description = "No CJK font on the server", body = Object)))]
pub async fn get_map_png(state: web::Data<AppState>, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let run = with_run(&state, path.into_inner())?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .body(maps_of(&state, &run)?.1))
}

/// The run's coverage map as SVG.
#[utoipa::path(get, path = "/checks/{id}/map.svg", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "The map", content_type = "image/svg+xml"),
              (status = 404, description = "No such run", body = Object),
              (status = 503, description = "No CJK font on the server", body = Object)))]
pub async fn get_map_svg(state: web::Data<AppState>, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let run = with_run(&state, path.into_inner())?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .body(maps_of(&state, &run)?.0))
}

/// The run's findings, summary and ledger as an Excel workbook.
#[utoipa::path(get, path = "/checks/{id}/findings.xlsx", tag = "checks",
    params(("id" = u64, Path, description = "The run's id")),
    responses((status = 200, description = "The workbook",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 404, description = "No such run", body = Object)))]
pub async fn get_xlsx(state: web::Data<AppState>, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let run = with_run(&state, path.into_inner())?;
    let bytes = xlsx::render(&check_of(&run)).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"check-{}-findings.xlsx\"", run.id),
        ))
        .body(bytes))
}

/// Judges a proposal inside its dataset (plan review), synchronously; nothing is kept.
#[utoipa::path(post, path = "/review", tag = "checks", request_body = ReviewRequest,
    responses((status = 200, description = "The verdict, per rule and overall", body = Object),
              (status = 400, description = "Bad request or bad proposal, every problem named", body = Object),
              (status = 404, description = "No such dataset", body = Object),
              (status = 413, description = "Body too large", body = Object)))]
pub async fn review(state: web::Data<AppState>, body: web::Json<ReviewRequest>) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let rulesets = pick_rulesets(&state, body.rulesets.as_deref())?;
    let dataset = state.store.dataset(&body.dataset)?;
    let bytes = serde_json::to_vec(&body.proposal).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let proposal = parse_proposal("proposal", &bytes, &dataset).map_err(|p| ApiError::BadRequest(p.to_string()))?;
    let doc = web::block(move || {
        let verdict = engine::review(&dataset, &proposal, &rulesets);
        let check = ReviewCheck {
            dataset: &dataset,
            rulesets: &rulesets,
            proposal: "proposal",
            review: &verdict,
        };
        serde_json::to_value(ReviewDocument::new(&check))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok().json(doc))
}

fn rule_json(ruleset: &Ruleset, rule: &Rule) -> Value {
    json!({
        "id": rule.id,
        "ruleset": ruleset.id,
        "document": ruleset.document,
        "kind": rule.kind.name(),
        "severity": rule.severity.key(),
        "title": rule.title,
        "clause": rule.clause,
        "quote": rule.quote,
        "target": rule.kind.target(),
        "effective": ruleset.effective.map(|d| d.to_string()),
    })
}

/// Every rule the service can apply, with its source.
#[utoipa::path(get, path = "/rules", tag = "rules",
    responses((status = 200, description = "The rulesets and their rules", body = Object)))]
pub async fn list_rules(state: web::Data<AppState>) -> HttpResponse {
    let rulesets: Vec<Value> = state
        .rulesets
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "title": r.title, "document": r.document, "sha256": r.sha256,
                "effective": r.effective.map(|d| d.to_string()),
                "rules": r.rules.iter().map(|rule| rule_json(r, rule)).collect::<Vec<_>>()
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "rulesets": rulesets }))
}

/// One rule by its id (`<ruleset>/<rule>`).
#[utoipa::path(get, path = "/rules/{ruleset}/{rule}", tag = "rules",
    params(("ruleset" = String, Path, description = "The ruleset id, e.g. anxi-2022"),
           ("rule" = String, Path, description = "The rule's name, e.g. service-radius")),
    responses((status = 200, description = "The rule", body = Object),
              (status = 404, description = "No such rule", body = Object)))]
pub async fn get_rule(state: web::Data<AppState>, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
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
pub struct CoverageQuery {
    /// The dataset's name in the store.
    pub dataset: String,
    /// Comma-separated facility tiers (default: the community facilities).
    pub tiers: Option<String>,
    /// The radius in metres (default 700).
    pub radius_m: Option<f64>,
    /// `audit` (default) or `review`.
    pub mode: Option<ModeParam>,
}

/// The area within the radius of a counted facility, as (multi)polygons, and the residential areas out of reach.
#[utoipa::path(get, path = "/coverage", tag = "checks", params(CoverageQuery),
    responses((status = 200, description = "Covered area and uncovered residential areas", content_type = "application/geo+json", body = Object),
              (status = 400, description = "Bad parameter", body = Object),
              (status = 404, description = "No such dataset", body = Object)))]
pub async fn coverage(state: web::Data<AppState>, query: web::Query<CoverageQuery>) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let dataset = state.store.dataset(&query.dataset)?;
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
    if !(radius_m > 0.0 && radius_m <= 100_000.0) {
        return Err(ApiError::BadRequest(format!(
            "radius_m {radius_m}: expected metres between 0 and 100 000"
        )));
    }
    let mode = query.mode.map_or(Mode::Audit, Mode::from);
    let body = web::block(move || {
        let rule = Rule::adhoc(
            "coverage",
            RuleKind::ServiceRadius(ServiceRadius {
                radius_m,
                tiers: tiers.clone(),
                metric: Metric::Euclidean,
                strict: false,
                target: 1.0,
            }),
        );
        let context = Context::new(&dataset, mode);
        let (outcome, findings) = judge_rule(&rule, &context);
        let circles: Vec<Polygon<f64>> = dataset
            .facilities
            .iter()
            .filter(|f| tiers.contains(&f.tier) && context.counts(f))
            .map(|f| circle(f.location, radius_m))
            .collect();
        let covered: MultiPolygon<f64> = geo::unary_union(&circles);
        let mut features = vec![json!({
            "type": "Feature",
            "id": "covered",
            "geometry": geojson::Geometry::from(&covered),
            "properties": {
                "kind": "covered", "radius_m": radius_m, "mode": mode.key(),
                "tiers": tiers.iter().map(|t| t.key()).collect::<Vec<_>>(),
                "facilities": circles.len(), "household_rate": outcome.rate
            }
        })];
        features.extend(findings.iter().filter(|f| f.layer == Layer::ResidentialAreas).map(|f| {
            json!({
                "type": "Feature",
                "id": f.id,
                "geometry": geojson::Geometry::from(&f.geometry),
                "properties": {"kind": "uncovered", "name": f.name, "nearest_m": f.measured, "message": f.message}
            })
        }));
        json!({"type": "FeatureCollection", "features": features})
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok().content_type("application/geo+json").json(body))
}

/// A geodesic circle as a 64-sided polygon.
fn circle(centre: Point<f64>, radius_m: f64) -> Polygon<f64> {
    let ring: Vec<(f64, f64)> = (0..=64)
        .map(|k| {
            let p = Geodesic.destination(centre, f64::from(k % 64) * 360.0 / 64.0, radius_m);
            (p.x(), p.y())
        })
        .rev()
        .collect();
    Polygon::new(LineString::from(ring), vec![])
}
