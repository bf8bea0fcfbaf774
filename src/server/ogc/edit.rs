//! OGC API – Features Part 4 (Create, Replace, Update and Delete) on the dataset layers: `POST
//! /collections/{id}/items` creates, `PUT`, `PATCH` (JSON merge patch) and `DELETE` on an item replace,
//! update and delete it; `OPTIONS` says which; `/items/{featureId}/history` lists its edits.
//!
//! Each write is read as loading reads the layer (`edit::apply`), refused whole with every problem named
//! (400), held to the sender's scope (403), to `If-Match` (412 when stale; 428 without it under `serve
//! --require-if-match`), judged before and after under the rulesets the service has (`check::flips`)
//! and kept by the store as the dataset's next version with who, when and the feature before and after.
//! `?dry-run=true` answers the same without writing.

use super::*;
use crate::check::Flips;
use crate::edit::{Edit, EditError, Write};
use crate::server::schemas::{EditAnswer, EditVerdicts, FeatureHistory, HistoryEntry, RuleFlipBody, SubjectFlipBody};
use crate::server::Reply;
use crate::store::{NewEdit, StoreError};
use std::sync::Arc;

/// The media type of a merge patch (RFC 7396).
const MERGE_PATCH: &str = "application/merge-patch+json";
/// How many times a write is made again on a newer version when another write came first.
const STALE_RETRIES: usize = 3;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WriteQuery {
    /// `true`: check and judge the write, and answer what it would do, without writing.
    #[serde(rename = "dry-run")]
    #[param(rename = "dry-run")]
    pub dry_run: Option<bool>,
}

/// What a write asks, as the handlers read it.
struct WriteAsk {
    collection: String,
    feature_id: Option<String>,
    write: Write,
    content_crs: Option<String>,
    if_match: Option<String>,
    dry_run: bool,
    by: String,
    scope: Option<Scope>,
}

/// The dataset and layer a collection id names; a run's findings never change (405).
fn layer_of(collection: &str) -> Result<(String, &'static str), ApiError> {
    match parse_id(collection) {
        Some((SourceId::Layer { dataset, layer }, _)) => Ok((dataset, layer)),
        Some((SourceId::Findings { .. }, _)) => Err(ApiError::MethodNotAllowed {
            method: "a write".into(),
            path: format!("/collections/{collection}/items"),
            allowed: "GET: a kept run's findings never change".into(),
        }),
        None => Err(not_found(collection)),
    }
}

fn verdicts(flips: Flips, rulesets: Vec<String>) -> EditVerdicts {
    let word = |pass: bool| if pass { "pass" } else { "fail" }.to_string();
    EditVerdicts {
        mode: crate::model::Mode::Audit.key().to_string(),
        rulesets,
        rules: flips
            .rules
            .into_iter()
            .map(|r| RuleFlipBody {
                rule: r.rule,
                before: word(r.before),
                after: word(r.after),
            })
            .collect(),
        subjects: flips
            .subjects
            .into_iter()
            .map(|s| SubjectFlipBody {
                rule: s.rule,
                layer: s.layer.to_string(),
                id: s.id,
                name: s.name,
                before: s.before.map(word),
                after: s.after.map(word),
            })
            .collect(),
    }
}

/// Makes the write: checks, judges and (unless a dry run) keeps it, again on a newer version when
/// another write came first.
fn write(state: &AppState, ask: WriteAsk) -> Result<EditAnswer, ApiError> {
    let (dataset, layer) = layer_of(&ask.collection)?;
    for _ in 0..STALE_RETRIES {
        let source = state.store.dataset(&dataset).map_err(|_| not_found(&ask.collection))?;
        let d = &source.dataset;
        // The collection must be one the layer serves now (a family of a split layer included).
        let features = layer_features(d, layer);
        let info = pick(
            layer_collections(&dataset, d, layer, &features),
            &parse_id(&ask.collection).ok_or_else(|| not_found(&ask.collection))?.0,
            &ask.collection,
        )?;
        drop(features);
        let found = match &ask.feature_id {
            Some(fid) => Some(
                crate::edit::position(d, layer, fid)
                    .ok_or_else(|| ApiError::NotFound(format!("no feature \"{fid}\" in \"{}\"", ask.collection)))?,
            ),
            None => None,
        };
        if let Some(i) = found {
            let now = crate::edit::feature_json(d, layer, i)
                .map(|f| crate::edit::etag(&f))
                .unwrap_or_default();
            match ask.if_match.as_deref() {
                Some(tags) if tags.trim() != "*" && !tags.split(',').any(|t| t.trim() == now) => {
                    return Err(ApiError::PreconditionFailed(format!(
                        "要素已被修改 feature \"{}\" changed since it was read (If-Match {tags}; it is {now} now): read it again and make the change on what it is",
                        ask.feature_id.as_deref().unwrap_or_default()
                    )))
                }
                None if state.require_if_match => {
                    return Err(ApiError::PreconditionRequired(format!(
                        "需要 If-Match: this service takes a change to feature \"{}\" only with If-Match naming the ETag it was read with (GET the item for its ETag)",
                        ask.feature_id.as_deref().unwrap_or_default()
                    )))
                }
                _ => {}
            }
        }
        let mut write = ask.write.clone();
        let crs = match ask.content_crs.as_deref() {
            None => crate::crs::Crs::Wgs84,
            Some(given) => {
                // Part 2 writes the header's URI in angle brackets: `<http://…/EPSG/0/4326>`.
                let uri = given.trim().trim_start_matches('<').trim_end_matches('>');
                let served = ServedCrs::parse(uri, &info.offered)
                    .map_err(|e| ApiError::BadRequest(format!("Content-Crs: {e}")))?;
                let body = match &mut write {
                    Write::Create(f) | Write::Replace(f) | Write::Update(f) => f.get_mut("geometry"),
                    Write::Delete => None,
                };
                let mut none = Value::Null;
                served.body(body.unwrap_or(&mut none))
            }
        };
        let edit = Edit {
            layer: layer.to_string(),
            feature_id: ask.feature_id.clone(),
            write,
            crs,
            source: ask.collection.clone(),
        };
        let applied = crate::edit::apply(d, &edit).map_err(|e| match e {
            EditError::NoFeature { .. } => ApiError::NotFound(e.to_string()),
            EditError::Invalid(problems) => ApiError::BadRequest(format!(
                "要素有误 the feature was not written: {}",
                problems
                    .0
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        })?;
        if let Some(scope) = &ask.scope {
            let inside = |data: &Dataset, i: usize| scope.layer(data, layer).get(i).copied().unwrap_or(false);
            let before_out = found.is_some_and(|i| !inside(d, i));
            let after_out = applied.after.is_some() && !inside(&applied.dataset, applied.position);
            if before_out || after_out {
                return Err(ApiError::Forbidden(format!(
                    "辖区之外 feature \"{}\" {} outside the units {} acts in ({}): only a feature in them may be changed there",
                    applied.feature_id,
                    if before_out { "lies" } else { "would lie" },
                    ask.by,
                    scope.codes().collect::<Vec<_>>().join(", ")
                )));
            }
        }
        // The version's rule totals (a whole judgement, once per version), then only what the edit
        // can touch judged, before and after.
        let totals = totals_of(state, &dataset, &source.dataset);
        let touched = crate::check::Touched {
            layer,
            before: found,
            after: applied.after.as_ref().map(|_| applied.position),
        };
        let (flips, after_totals) = crate::check::flips_near(
            d,
            &applied.dataset,
            &totals,
            touched,
            &state.rulesets,
            crate::model::Mode::Audit,
        );
        let rulesets: Vec<String> = state
            .rulesets
            .iter()
            .filter(|r| r.in_force_on(d.as_of))
            .map(|r| r.id.clone())
            .collect();
        let etag = applied.after.as_ref().map(crate::edit::etag);
        let mut answer = EditAnswer {
            dry_run: ask.dry_run,
            op: applied.op.key().to_string(),
            collection: ask.collection.clone(),
            id: applied.feature_id.clone(),
            dataset: dataset.clone(),
            version: None,
            at: None,
            by: ask.by.clone(),
            etag,
            feature: applied.after.clone(),
            verdicts: verdicts(flips, rulesets),
        };
        if ask.dry_run {
            return Ok(answer);
        }
        match state.store.keep_edit(NewEdit {
            dataset: &dataset,
            base: source.version,
            by: &ask.by,
            applied,
        }) {
            Ok((kept_source, kept)) => {
                if let Ok(mut judged) = state.judged.lock() {
                    judged.insert(dataset.clone(), (kept_source.dataset.clone(), Arc::new(after_totals)));
                }
                answer.version = kept_source.version;
                answer.at = Some(kept.at);
                return Ok(answer);
            }
            Err(StoreError::Stale { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict(format!(
        "数据集繁忙 dataset \"{dataset}\" was changed by other writes {STALE_RETRIES} times while this one was made: send it again"
    )))
}

/// The rule totals of `dataset`'s version `now`: kept from its last write, else judged whole once.
fn totals_of(state: &AppState, name: &str, now: &Arc<Dataset>) -> Arc<crate::check::Totals> {
    if let Some((d, t)) = state.judged.lock().ok().and_then(|j| j.get(name).cloned()) {
        if Arc::ptr_eq(&d, now) {
            return t;
        }
    }
    let totals = Arc::new(crate::check::Totals::of(&crate::engine::judge(
        now,
        &state.rulesets,
        crate::model::Mode::Audit,
    )));
    if let Ok(mut judged) = state.judged.lock() {
        judged.insert(name.to_string(), (now.clone(), totals.clone()));
    }
    totals
}

/// The body of a write: a GeoJSON feature, or for `PATCH` a merge patch.
async fn body(req: &HttpRequest, payload: web::Payload) -> Result<Value, ApiError> {
    crate::server::json_body::<Value>(req, payload, crate::limits::PROPOSAL_BYTES).await
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn ask(
    req: &HttpRequest,
    collection: String,
    feature_id: Option<String>,
    write: Write,
    query: &WriteQuery,
) -> WriteAsk {
    WriteAsk {
        collection,
        feature_id,
        write,
        content_crs: header(req, "Content-Crs"),
        if_match: header(req, "If-Match"),
        dry_run: query.dry_run.unwrap_or(false),
        by: crate::server::policy::identity_of(req)
            .map_or_else(|| "anonymous".to_string(), |who| who.name().to_string()),
        scope: crate::server::policy::scope_of(req),
    }
}

/// Runs the write off the async workers, through the judging slots, and answers it.
async fn answer(req: HttpRequest, state: web::Data<AppState>, ask: WriteAsk, created: bool) -> Reply {
    crate::server::authorize(&req, &state)?;
    if let Ok((dataset, _)) = layer_of(&ask.collection) {
        crate::server::note_dataset(&req, &dataset);
    }
    let base = base_url(&req);
    let dry_run = ask.dry_run;
    let st = state.clone();
    let answer = crate::server::heavy(&state, &req, move || write(&st, ask)).await?;
    let mut res = if created && !dry_run {
        let mut r = HttpResponse::Created();
        r.insert_header((
            "Location",
            format!("{base}/collections/{}/items/{}", answer.collection, encode(&answer.id)),
        ));
        r
    } else {
        HttpResponse::Ok()
    };
    if let Some(etag) = answer.etag.as_ref().filter(|_| !dry_run) {
        res.insert_header(("ETag", etag.clone()));
    }
    Ok(res.json(answer))
}

/// Adds a feature to a dataset layer: 201 with its `Location`.
#[utoipa::path(post, path = "/collections/{collectionId}/items", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A dataset layer's collection id"), WriteQuery,
           ("Content-Crs" = Option<String>, Header, description = "The CRS of the body's coordinates, one of the collection's crs (default CRS84)")),
    request_body(content = Object, content_type = "application/geo+json", description = "A GeoJSON feature with the layer's properties"),
    responses((status = 201, description = "Created; the answer says what it flips", content_type = "application/json", body = EditAnswer),
              (status = 200, description = "A dry run: what it would do", content_type = "application/json", body = EditAnswer),
              (status = 400, description = "A property or the geometry is wrong, or the id is taken: nothing was written", body = Exception),
              (status = 403, description = "Outside the sender's units", body = Exception),
              (status = 404, description = "No such collection", body = Exception),
              (status = 405, description = "A run's findings: they never change", body = Exception)))]
pub async fn create_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<WriteQuery>,
    payload: web::Payload,
) -> Reply {
    only_params(&req, &["dry-run"])?;
    let feature = body(&req, payload).await?;
    let ask = ask(&req, path.into_inner(), None, Write::Create(feature), &query);
    answer(req, state, ask, true).await
}

/// Replaces a feature whole.
#[utoipa::path(put, path = "/collections/{collectionId}/items/{featureId}", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A dataset layer's collection id"),
           ("featureId" = String, Path, description = "The feature's id"), WriteQuery,
           ("If-Match" = Option<String>, Header, description = "The ETag the feature was read with: 412 when it changed since"),
           ("Content-Crs" = Option<String>, Header, description = "The CRS of the body's coordinates (default CRS84)")),
    request_body(content = Object, content_type = "application/geo+json", description = "The whole feature"),
    responses((status = 200, description = "Replaced (or, dry run, what it would do)", content_type = "application/json", body = EditAnswer),
              (status = 400, description = "A property or the geometry is wrong: nothing was written", body = Exception),
              (status = 403, description = "Outside the sender's units", body = Exception),
              (status = 404, description = "No such collection or feature", body = Exception),
              (status = 412, description = "The feature changed since it was read", body = Exception),
              (status = 428, description = "If-Match is required here", body = Exception)))]
pub async fn replace_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<WriteQuery>,
    payload: web::Payload,
) -> Reply {
    only_params(&req, &["dry-run"])?;
    let feature = body(&req, payload).await?;
    let (collection, fid) = path.into_inner();
    let ask = ask(&req, collection, Some(fid), Write::Replace(feature), &query);
    answer(req, state, ask, false).await
}

/// Changes some of a feature's properties (or its geometry) by a JSON merge patch (RFC 7396): `null`
/// clears a property.
#[utoipa::path(patch, path = "/collections/{collectionId}/items/{featureId}", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A dataset layer's collection id"),
           ("featureId" = String, Path, description = "The feature's id"), WriteQuery,
           ("If-Match" = Option<String>, Header, description = "The ETag the feature was read with: 412 when it changed since"),
           ("Content-Crs" = Option<String>, Header, description = "The CRS of a geometry in the patch (default CRS84)")),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "{\"properties\": {\"status\": \"operating\"}}"),
    responses((status = 200, description = "Updated (or, dry run, what it would do)", content_type = "application/json", body = EditAnswer),
              (status = 400, description = "A property is wrong: nothing was written", body = Exception),
              (status = 403, description = "Outside the sender's units", body = Exception),
              (status = 404, description = "No such collection or feature", body = Exception),
              (status = 412, description = "The feature changed since it was read", body = Exception),
              (status = 428, description = "If-Match is required here", body = Exception)))]
pub async fn update_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<WriteQuery>,
    payload: web::Payload,
) -> Reply {
    only_params(&req, &["dry-run"])?;
    let patch = body(&req, payload).await?;
    let (collection, fid) = path.into_inner();
    let ask = ask(&req, collection, Some(fid), Write::Update(patch), &query);
    answer(req, state, ask, false).await
}

/// Deletes a feature; its history keeps what it was.
#[utoipa::path(delete, path = "/collections/{collectionId}/items/{featureId}", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A dataset layer's collection id"),
           ("featureId" = String, Path, description = "The feature's id"), WriteQuery,
           ("If-Match" = Option<String>, Header, description = "The ETag the feature was read with: 412 when it changed since")),
    responses((status = 200, description = "Deleted (or, dry run, what it would do)", content_type = "application/json", body = EditAnswer),
              (status = 400, description = "Another feature names it (a facility serving the area): nothing was deleted", body = Exception),
              (status = 403, description = "Outside the sender's units", body = Exception),
              (status = 404, description = "No such collection or feature", body = Exception),
              (status = 412, description = "The feature changed since it was read", body = Exception),
              (status = 428, description = "If-Match is required here", body = Exception)))]
pub async fn delete_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<WriteQuery>,
) -> Reply {
    only_params(&req, &["dry-run"])?;
    let (collection, fid) = path.into_inner();
    let ask = ask(&req, collection, Some(fid), Write::Delete, &query);
    answer(req, state, ask, false).await
}

/// What a collection's items take: reads, and writes on a dataset layer (how QGIS decides to offer
/// editing).
fn allow(collection: &str, one: bool) -> &'static str {
    match (layer_of(collection).is_ok(), one) {
        (true, false) => "GET, HEAD, POST, OPTIONS",
        (true, true) => "GET, HEAD, PUT, PATCH, DELETE, OPTIONS",
        (false, _) => "GET, HEAD, OPTIONS",
    }
}

/// The methods a collection's items take.
#[utoipa::path(options, path = "/collections/{collectionId}/items", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A collection id")),
    responses((status = 204, description = "The methods taken, in Allow")))]
pub async fn items_options(path: web::Path<String>) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("Allow", allow(&path.into_inner(), false)))
        .finish()
}

/// The methods a feature takes.
#[utoipa::path(options, path = "/collections/{collectionId}/items/{featureId}", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A collection id"),
           ("featureId" = String, Path, description = "The feature's id")),
    responses((status = 204, description = "The methods taken, in Allow")))]
pub async fn item_options(path: web::Path<(String, String)>) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("Allow", allow(&path.into_inner().0, true)))
        .insert_header(("Accept-Patch", MERGE_PATCH))
        .finish()
}

/// Every edit of a feature, oldest first: who, when, and what it was before and after.
#[utoipa::path(get, path = "/collections/{collectionId}/items/{featureId}/history", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A dataset layer's collection id"),
           ("featureId" = String, Path, description = "The feature's id (it may be deleted)")),
    responses((status = 200, description = "The feature's edits", content_type = "application/json", body = FeatureHistory),
              (status = 404, description = "No such collection, or no feature of this id now or in its history", body = Exception)))]
pub async fn item_history(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>) -> Reply {
    only_params(&req, &[])?;
    let (collection, fid) = path.into_inner();
    let (dataset, layer) = layer_of(&collection)?;
    let scope = crate::server::policy::scope_of(&req);
    let (c, f) = (collection.clone(), fid.clone());
    let history = blocking(move || -> Result<FeatureHistory, ApiError> {
        let source = state.store.dataset(&dataset).map_err(|_| not_found(&c))?;
        let now = crate::edit::position(&source.dataset, layer, &f);
        if let (Some(scope), Some(i)) = (&scope, now) {
            if !scope.layer(&source.dataset, layer).get(i).copied().unwrap_or(false) {
                return Err(ApiError::NotFound(format!("no feature \"{f}\" in \"{c}\"")));
            }
        }
        let edits: Vec<HistoryEntry> = state
            .store
            .edits(&dataset)?
            .into_iter()
            .filter(|e| e.layer == layer && e.feature_id == f)
            .map(|e| HistoryEntry {
                version: e.version,
                at: e.at,
                by: e.by,
                op: e.op,
                before: e.before,
                after: e.after,
            })
            .collect();
        if now.is_none() && edits.is_empty() {
            return Err(ApiError::NotFound(format!("no feature \"{f}\" in \"{c}\"")));
        }
        Ok(FeatureHistory {
            collection: c,
            id: f,
            edits,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(history))
}
