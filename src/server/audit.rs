//! `GET /audit`: the audit trail, for administrators — filtered by account, day and dataset.

use super::schemas::AuditTrail;
use super::{blocking, note_dataset, readable, AppState, Reply};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(readable("/audit", audit));
}

/// Which entries: all of them, or those of one account, one day (UTC) and one dataset.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// An account's name (`shared-token`, `anonymous` and `cli:<user>` too).
    pub user: Option<String>,
    /// A day, YYYY-MM-DD (UTC).
    pub day: Option<String>,
    /// A dataset's name.
    pub dataset: Option<String>,
}

/// The audit trail: who judged, exported or changed what, oldest first.
#[utoipa::path(get, path = "/audit", tag = "accounts", params(AuditQuery),
    responses((status = 200, description = "The entries asked for, oldest first", body = AuditTrail)))]
pub async fn audit(req: HttpRequest, state: web::Data<AppState>, query: web::Query<AuditQuery>) -> Reply {
    let query = query.into_inner();
    if let Some(day) = &query.day {
        crate::check::parse_day(day).map_err(|e| super::ApiError::BadRequest(format!("day {e}")))?;
    }
    if let Some(dataset) = &query.dataset {
        note_dataset(&req, dataset);
    }
    let store = Arc::clone(&state.store);
    let entries = blocking(move || Ok(store.records().audit_entries()?)).await?;
    let entries: Vec<_> = entries
        .into_iter()
        .filter(|e| query.user.as_deref().is_none_or(|u| e.who == u))
        .filter(|e| query.day.as_deref().is_none_or(|d| e.at.starts_with(d)))
        .filter(|e| query.dataset.is_none() || e.dataset == query.dataset)
        .collect();
    Ok(HttpResponse::Ok().json(AuditTrail {
        number: entries.len(),
        entries,
    }))
}
