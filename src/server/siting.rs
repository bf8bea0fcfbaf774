//! `POST /site`: siting (选址) over HTTP — the same answer as `carecircle site`, as JSON.

use super::{authorize, heavy, json_body, ApiError, AppState};
use crate::server::Reply;
use crate::siting::report::SitingView;
use crate::siting::{self, Goal, SiteRequest, SitingError};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::time::Duration;
use utoipa::ToSchema;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/site").route(web::post().to(site)));
}

/// A siting question: give exactly one of `add` and `cover_all`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteBody {
    /// The dataset's name in the store; its candidates layer holds the candidate sites.
    pub dataset: String,
    /// Ruleset ids (see `/rules`); all of them when absent.
    pub rulesets: Option<Vec<String>>,
    /// The service_radius rule whose gaps to close, e.g. `anxi-2022/service-radius`.
    pub rule: String,
    /// At most this many sites, reaching the most households (maximal covering).
    #[schema(minimum = 1, maximum = 5000)]
    pub add: Option<u32>,
    /// The fewest sites reaching every area any candidate can reach (set covering).
    pub cover_all: Option<bool>,
    /// Leave out candidates smaller than this (m²); default: the rulesets' largest single-site minimum.
    pub min_area_m2: Option<f64>,
    /// Seconds the solver may search (default 10, at most 60); then the best answer found comes with
    /// its proved bound and gap.
    pub time_limit: Option<f64>,
    /// `audit` (default): the facilities built now stay; `review`: planned ones count too.
    pub mode: Option<String>,
}

/// Chooses candidate sites for a radius rule; needs the bearer token when one is configured. Nothing is
/// kept.
#[utoipa::path(post, path = "/site", tag = "checks", request_body = SiteBody,
    security(("bearer" = [])),
    responses((status = 200, description = "The chosen sites in build order, the households within reach \
                before and after, the proved bound and whether the answer is proved optimal", body = Object),
              (status = 400, description = "Bad request: the rule, the goal or a figure, named", body = Exception),
              (status = 404, description = "No such dataset", body = Exception),
              (status = 503, description = "Too much judging at once: try again (Retry-After)", body = Exception)))]
pub async fn site(req: HttpRequest, state: web::Data<AppState>, payload: web::Payload) -> Reply {
    authorize(&req, &state)?;
    let body: SiteBody = json_body(&req, payload, crate::limits::SITE_REQUEST_BYTES).await?;
    super::note_dataset(&req, &body.dataset);
    let goal = match (body.add, body.cover_all.unwrap_or(false)) {
        (Some(n), false) if (1..=crate::limits::SITE_MAX_ADD).contains(&n) => Goal::Add(n as usize),
        (Some(n), false) => {
            return Err(ApiError::BadRequest(format!(
                "add {n}: expected 1 to {} sites",
                crate::limits::SITE_MAX_ADD
            )))
        }
        (None, true) => Goal::CoverAll,
        _ => {
            return Err(ApiError::BadRequest(
                "give exactly one of add (at most N sites) and cover_all: true".into(),
            ))
        }
    };
    let seconds = body.time_limit.unwrap_or(10.0);
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= crate::limits::SITE_HTTP_MAX_SECONDS) {
        return Err(ApiError::BadRequest(format!(
            "time_limit {seconds}: expected seconds above 0 and at most {}",
            crate::limits::SITE_HTTP_MAX_SECONDS
        )));
    }
    if let Some(m) = body.min_area_m2.filter(|m| !(m.is_finite() && *m >= 0.0)) {
        return Err(ApiError::BadRequest(format!("min_area_m2 {m}: expected 0 m² or more")));
    }
    let mode = super::checks::mode_of(body.mode.as_deref())?;
    let rulesets = super::checks::pick_rulesets(&state, body.rulesets.as_deref())?;
    let store = std::sync::Arc::clone(&state.store);
    let doc = heavy(&state, &req, move || {
        let dataset = store.dataset(&body.dataset)?.dataset;
        let rule = siting::find_rule(&rulesets, &body.rule).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let request = SiteRequest {
            goal,
            min_area_m2: body.min_area_m2.unwrap_or_else(|| siting::default_min_area(&rulesets)),
            time_limit: Duration::from_secs_f64(seconds),
            mode,
        };
        let answer = siting::site(&dataset, rule, &request).map_err(|e| match e {
            SitingError::NotARadiusRule(..) | SitingError::NoSuchRule(..) | SitingError::NoCandidates => {
                ApiError::BadRequest(e.to_string())
            }
        })?;
        let view = SitingView {
            dataset: &dataset,
            rule,
            siting: &answer,
        };
        serde_json::to_vec(&view.document()).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(doc))
}
