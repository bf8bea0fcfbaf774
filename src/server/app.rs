//! The web app for reviewers and auditors at `/app/`: one page and its script, and MapLibre GL JS vendored
//! from npm (`assets/maplibre-gl/VENDORED.md`), all compiled into the binary — nothing comes from a CDN, so
//! it works on an intranet with no internet. The app calls the same API as every other client: it holds
//! no rule and judges nothing.

use super::schemas::{AppConfig, AppOidc, AppRuleset, SignedIn};
use super::{ApiError, AppState};
use crate::server::Reply;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app").route(web::get().to(to_the_page)))
        .service(super::readable("/app/", page))
        .service(super::readable("/app/config.json", config))
        .service(super::readable("/app/vendor/maplibre-gl/{file}", vendored))
        .service(super::readable("/app/{file}", asset));
}

/// `/app` is the page at `/app/`, whose relative links need the slash.
#[utoipa::path(get, path = "/app", tag = "web app",
    responses((status = 308, description = "The web app is at /app/", headers(("Location" = String)))))]
pub async fn to_the_page() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "app/"))
        .finish()
}

/// The web app's page.
#[utoipa::path(get, path = "/app/", tag = "web app",
    responses((status = 200, description = "The web app for reviewers and auditors", content_type = "text/html")))]
pub async fn page(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header((
            "Content-Security-Policy",
            app_policy(
                state.basemap.as_deref(),
                state
                    .oidc
                    .as_ref()
                    .and_then(|o| o.endpoints.as_ref())
                    .map(|(_, token)| token.as_str()),
            ),
        ))
        .body(include_str!("assets/app/index.html"))
}

/// The web app's Content-Security-Policy: its own script, worker, styles and tiles only (MapLibre may
/// decode a raster tile through a `blob:` image it makes), the basemap's origin for its tiles when one is
/// set, and the identity provider's token endpoint's origin, which the single sign-on posts its code to.
/// The browser test fails on any violation.
fn app_policy(basemap: Option<&str>, token_endpoint: Option<&str>) -> String {
    let origin_of = |url: Option<&str>| {
        url.and_then(|t| t.split_once("://"))
            .map(|(scheme, rest)| format!(" {scheme}://{}", rest.split(['/', '?']).next().unwrap_or_default()))
            .unwrap_or_default()
    };
    let origin = origin_of(basemap);
    let idp = origin_of(token_endpoint);
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{origin}; \
         connect-src 'self'{origin}{idp}; worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// What the page needs to start: the datasets, the rulesets, whether checks need a token, the basemap.
#[utoipa::path(get, path = "/app/config.json", tag = "web app",
    responses((status = 200, description = "What the web app needs to start", body = AppConfig)))]
pub async fn config(req: HttpRequest, state: web::Data<AppState>) -> Reply {
    super::ogc::only_params(&req, &[])?;
    let store = state.store.clone();
    let datasets = web::block(move || store.dataset_names())
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let accounts = req
        .extensions()
        .get::<super::policy::AccountsKept>()
        .is_some_and(|kept| kept.0);
    let who = req.extensions().get::<super::policy::Identity>().cloned();
    // Where accounts are kept, the page learns the datasets once signed in.
    let datasets = if accounts && who.is_none() {
        Vec::new()
    } else {
        datasets
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-cache"))
        .json(AppConfig {
            accounts,
            signed_in: who.map(|w| SignedIn {
                name: w.name().to_string(),
                role: w.role().key().to_string(),
                role_zh: w.role().chinese().to_string(),
                scope: w
                    .scope()
                    .map(|s| s.codes().map(str::to_string).collect())
                    .unwrap_or_default(),
            }),
            datasets,
            rulesets: state
                .rulesets
                .iter()
                .map(|r| AppRuleset {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    document: r.document.clone(),
                })
                .collect(),
            token_required: state.token.is_some(),
            basemap: state.basemap.clone(),
            store: state.store.kind().to_string(),
            oidc: state.oidc.as_ref().and_then(|o| {
                let (authorization_endpoint, token_endpoint) = o.endpoints.clone()?;
                let settings = o.settings();
                Some(AppOidc {
                    issuer: settings.issuer.clone(),
                    client_id: settings.client_id.clone().unwrap_or_else(|| settings.audience.clone()),
                    authorization_endpoint,
                    token_endpoint,
                })
            }),
        }))
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// The app's own files, asked for again on every load (they change with the binary).
#[utoipa::path(get, path = "/app/{file}", tag = "web app",
    params(("file" = String, Path, description = "`app.js` or `app.css`")),
    responses((status = 200, description = "The file", content(("text/javascript" = String), ("text/css" = String))),
              (status = 404, description = "No such file", body = Exception)))]
pub async fn asset(file: web::Path<String>) -> HttpResponse {
    const FILES: [super::Embedded; 2] = [
        ("app.js", include_bytes!("assets/app/app.js"), JS),
        ("app.css", include_bytes!("assets/app/app.css"), CSS),
    ];
    super::embedded(&FILES, &file, "no-cache", "app file")
}

/// MapLibre GL JS's files, with its licence.
#[utoipa::path(get, path = "/app/vendor/maplibre-gl/{file}", tag = "web app",
    params(("file" = String, Path, description = "`maplibre-gl.mjs`, `maplibre-gl-worker.mjs`, `maplibre-gl.css`, `LICENSE.txt` or `VENDORED.md`")),
    responses((status = 200, description = "The file", content(("text/javascript" = String), ("text/css" = String), ("text/plain" = String))),
              (status = 404, description = "No such file", body = Exception)))]
pub async fn vendored(file: web::Path<String>) -> HttpResponse {
    const FILES: [super::Embedded; 5] = [
        (
            "maplibre-gl.mjs",
            include_bytes!("assets/maplibre-gl/maplibre-gl.mjs"),
            JS,
        ),
        (
            "maplibre-gl-worker.mjs",
            include_bytes!("assets/maplibre-gl/maplibre-gl-worker.mjs"),
            JS,
        ),
        (
            "maplibre-gl.css",
            include_bytes!("assets/maplibre-gl/maplibre-gl.css"),
            CSS,
        ),
        ("LICENSE.txt", include_bytes!("assets/maplibre-gl/LICENSE.txt"), TEXT),
        ("VENDORED.md", include_bytes!("assets/maplibre-gl/VENDORED.md"), TEXT),
    ];
    super::embedded(&FILES, &file, "public, max-age=86400", "vendored file")
}

/// Checks a basemap URL template for `serve --basemap`: http(s), with `{z}`, `{x}` and `{y}`.
pub fn basemap_template(template: &str) -> Result<String, String> {
    let t = template.trim();
    if !(t.starts_with("http://") || t.starts_with("https://")) {
        return Err(format!(
            "--basemap \"{t}\": expected an http:// or https:// URL template"
        ));
    }
    for part in ["{z}", "{x}", "{y}"] {
        if !t.contains(part) {
            return Err(format!(
                "--basemap \"{t}\": the template has no {part} (expected {{z}}, {{x}} and {{y}}, as in …&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}})"
            ));
        }
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basemaps_need_a_tile_template() {
        let tianditu = "http://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY";
        assert_eq!(basemap_template(tianditu).as_deref(), Ok(tianditu));
        assert!(basemap_template("ftp://x/{z}/{x}/{y}").is_err());
        assert!(basemap_template("https://x/{z}/{x}.png").unwrap_err().contains("{y}"));
    }
}
