//! The JSON bodies the service answers with. Handlers serialise these types and the OpenAPI document
//! describes them from the same definitions (`ToSchema`), so the document cannot drift from what is
//! served; `openapi.rs` registers every one under `components.schemas`.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A link to a related resource.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Link {
    pub href: String,
    pub rel: String,
    /// The media type of what the link leads to.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The href is a URI template (its `{…}` parts are filled by the client).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub templated: Option<bool>,
}

impl Link {
    pub fn new(href: impl Into<String>, rel: impl Into<String>, media_type: &str) -> Link {
        Link {
            href: href.into(),
            rel: rel.into(),
            media_type: Some(media_type.to_string()),
            title: None,
            templated: None,
        }
    }

    pub fn titled(mut self, title: impl Into<String>) -> Link {
        self.title = Some(title.into());
        self
    }

    pub fn templated(mut self) -> Link {
        self.templated = Some(true);
        self
    }
}

/// The landing page.
#[derive(Debug, Serialize, ToSchema)]
pub struct LandingPage {
    pub title: String,
    pub description: String,
    pub links: Vec<Link>,
}

/// The conformance classes the service implements.
#[derive(Debug, Serialize, ToSchema)]
pub struct Conformance {
    #[serde(rename = "conformsTo")]
    pub conforms_to: Vec<String>,
}

/// A collection's spatial extent, in CRS84.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpatialExtent {
    /// One box: min longitude, min latitude, max longitude, max latitude.
    #[schema(value_type = Vec<Vec<f64>>)]
    pub bbox: Vec<[f64; 4]>,
    pub crs: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Extent {
    pub spatial: SpatialExtent,
}

/// One collection: a dataset layer's or a run's findings of one geometry family.
#[derive(Debug, Serialize, ToSchema)]
pub struct Collection {
    pub id: String,
    pub title: String,
    /// Always `feature`.
    #[serde(rename = "itemType")]
    pub item_type: String,
    /// The CRSs the features can be served in (`crs` parameter).
    pub crs: Vec<String>,
    #[serde(rename = "storageCrs")]
    pub storage_crs: String,
    pub extent: Extent,
    pub links: Vec<Link>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Collections {
    pub links: Vec<Link>,
    pub collections: Vec<Collection>,
}

/// A GeoJSON feature.
#[derive(Debug, Serialize, ToSchema)]
pub struct Feature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    pub id: String,
    /// A GeoJSON geometry, in the requested CRS (CRS84 by default).
    #[schema(value_type = Object)]
    pub geometry: geojson::Geometry,
    /// The collection's properties, as its `/schema` describes them.
    #[schema(value_type = Object)]
    pub properties: serde_json::Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<Link>>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum FeatureType {
    Feature,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum FeatureCollectionType {
    FeatureCollection,
}

/// A page of GeoJSON features.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    #[serde(rename = "numberMatched")]
    pub number_matched: u64,
    #[serde(rename = "numberReturned")]
    pub number_returned: u64,
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    pub links: Vec<Link>,
    pub features: Vec<Feature>,
}

/// An error: the status's reason and what was wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct Exception {
    /// The status's reason phrase, e.g. `Bad Request`.
    pub error: String,
    /// What was wrong, in a sentence.
    pub detail: String,
}

/// A collection's vector tilesets (OGC API – Tiles): one, in WebMercatorQuad.
#[derive(Debug, Serialize, ToSchema)]
pub struct TileSets {
    pub links: Vec<Link>,
    pub tilesets: Vec<TileSet>,
}

/// A tileset: where its tiles are, in which tile matrix set, over which tiles.
#[derive(Debug, Serialize, ToSchema)]
pub struct TileSet {
    pub title: String,
    /// Always `vector`.
    #[serde(rename = "dataType")]
    pub data_type: String,
    pub crs: String,
    #[serde(rename = "tileMatrixSetURI")]
    pub tile_matrix_set_uri: String,
    pub links: Vec<Link>,
    /// The tiles that hold the collection's features, zoom by zoom (an empty collection: none).
    #[serde(rename = "tileMatrixSetLimits")]
    pub tile_matrix_set_limits: Vec<TileMatrixLimits>,
    pub layers: Vec<TileLayer>,
}

/// The rows and columns of one tile matrix that hold data.
#[derive(Debug, Serialize, ToSchema)]
pub struct TileMatrixLimits {
    #[serde(rename = "tileMatrix")]
    pub tile_matrix: String,
    #[serde(rename = "minTileRow")]
    pub min_tile_row: u32,
    #[serde(rename = "maxTileRow")]
    pub max_tile_row: u32,
    #[serde(rename = "minTileCol")]
    pub min_tile_col: u32,
    #[serde(rename = "maxTileCol")]
    pub max_tile_col: u32,
}

/// The one layer each tile holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct TileLayer {
    pub id: String,
    #[serde(rename = "dataType")]
    pub data_type: String,
    /// `points`, `lines` or `polygons`.
    #[serde(rename = "geometryType")]
    pub geometry_type: String,
    #[serde(rename = "minTileMatrix")]
    pub min_tile_matrix: String,
    #[serde(rename = "maxTileMatrix")]
    pub max_tile_matrix: String,
}

/// The tile matrix sets the service tiles in.
#[derive(Debug, Serialize, ToSchema)]
pub struct TileMatrixSets {
    #[serde(rename = "tileMatrixSets")]
    pub tile_matrix_sets: Vec<TileMatrixSetRef>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TileMatrixSetRef {
    pub id: String,
    pub title: String,
    pub uri: String,
    pub links: Vec<Link>,
}

/// A tile matrix set, as OGC 2D Tile Matrix Set 2.0 (17-083r4) writes it in JSON, with the members of the
/// 1.0 JSON encoding beside (`type`, `identifier`, `boundingBox`, `supportedCRS`): GDAL 3.6, Debian
/// bookworm's, reads a tile matrix set only by those.
#[derive(Debug, Serialize, ToSchema)]
pub struct TileMatrixSet {
    pub id: String,
    pub title: String,
    pub uri: String,
    pub crs: String,
    #[serde(rename = "orderedAxes")]
    pub ordered_axes: Vec<String>,
    #[serde(rename = "wellKnownScaleSet")]
    pub well_known_scale_set: String,
    /// Always `TileMatrixSetType` (1.0).
    #[serde(rename = "type")]
    pub kind: String,
    /// The id again (1.0).
    pub identifier: String,
    /// The CRS again (1.0).
    #[serde(rename = "supportedCRS")]
    pub supported_crs: String,
    /// The whole grid's extent (1.0).
    #[serde(rename = "boundingBox")]
    pub bounding_box: BoundingBox,
    #[serde(rename = "tileMatrices")]
    pub tile_matrices: Vec<TileMatrix>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoundingBox {
    /// Always `BoundingBoxType`.
    #[serde(rename = "type")]
    pub kind: String,
    pub crs: String,
    #[serde(rename = "lowerCorner")]
    pub lower_corner: [f64; 2],
    #[serde(rename = "upperCorner")]
    pub upper_corner: [f64; 2],
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TileMatrix {
    pub id: String,
    /// The id again (1.0).
    pub identifier: String,
    /// Always `TileMatrixType` (1.0).
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "scaleDenominator")]
    pub scale_denominator: f64,
    /// Metres per pixel of a 256-pixel tile.
    #[serde(rename = "cellSize")]
    pub cell_size: f64,
    /// Always `topLeft`.
    #[serde(rename = "cornerOfOrigin")]
    pub corner_of_origin: String,
    #[serde(rename = "pointOfOrigin")]
    pub point_of_origin: [f64; 2],
    /// The point of origin again (1.0).
    #[serde(rename = "topLeftCorner")]
    pub top_left_corner: [f64; 2],
    #[serde(rename = "tileWidth")]
    pub tile_width: u32,
    #[serde(rename = "tileHeight")]
    pub tile_height: u32,
    #[serde(rename = "matrixWidth")]
    pub matrix_width: u64,
    #[serde(rename = "matrixHeight")]
    pub matrix_height: u64,
}

/// A kept run: its id, what it judged, its summary and links to its files.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckRun {
    pub id: u64,
    pub dataset: String,
    /// The dataset's version in the PostGIS store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_version: Option<u32>,
    /// sha256 of the dataset's canonical content, as judged.
    pub dataset_digest: String,
    #[schema(format = Date)]
    pub as_of: String,
    pub mode: String,
    pub rulesets: Vec<String>,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub created: String,
    pub rules: usize,
    pub failed_rules: usize,
    pub findings: usize,
    /// Rulesets asked for but not in force on the day judged, so not applied.
    pub not_in_force: Vec<NotInForce>,
    /// Present when an administrator voided the run (作废); its files stay as made.
    pub voided: Option<RunVoid>,
    pub links: Vec<Link>,
}

/// A ruleset a run asked for but did not apply: it takes effect after the day judged.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotInForce {
    pub ruleset: String,
    #[schema(format = Date)]
    pub effective: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckRuns {
    pub checks: Vec<CheckRun>,
}

/// One rule: what it asks, where it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleInfo {
    /// `<ruleset>/<rule>`.
    pub id: String,
    pub ruleset: String,
    pub document: String,
    /// The rule kind (docs/rules.md).
    pub kind: String,
    /// `error` or `warning`.
    pub severity: String,
    pub title: Option<String>,
    pub clause: String,
    /// The sentence of the document the rule rests on.
    pub quote: String,
    /// The share of subjects that must pass.
    pub target: f64,
    #[schema(format = Date)]
    pub effective: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RulesetInfo {
    pub id: String,
    pub title: String,
    pub document: String,
    /// sha256 of the ruleset's TOML text.
    pub sha256: String,
    #[schema(format = Date)]
    pub effective: Option<String>,
    pub rules: Vec<RuleInfo>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rulesets {
    pub rulesets: Vec<RulesetInfo>,
}

/// A ruleset as the web app lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppRuleset {
    pub id: String,
    pub title: String,
    pub document: String,
}

/// Who the page is signed in as.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedIn {
    pub name: String,
    /// `viewer`, `reviewer`, `auditor`, `editor` or `admin`.
    pub role: String,
    /// The role in Chinese.
    pub role_zh: String,
    /// The admin-unit codes the account acts in; empty for the whole city.
    pub scope: Vec<String>,
}

/// A run's void: when, by whom and why (`POST /checks/{id}/void`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunVoid {
    pub run: u64,
    /// RFC 3339 UTC.
    pub at: String,
    /// Who voided it, as the audit trail names them.
    pub by: String,
    pub reason: String,
}

impl From<&crate::store::Void> for RunVoid {
    fn from(v: &crate::store::Void) -> RunVoid {
        RunVoid {
            run: v.run,
            at: v.at.clone(),
            by: v.by.clone(),
            reason: v.reason.clone(),
        }
    }
}

/// What the web app needs to start.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppConfig {
    /// Accounts are kept: the page must sign in (with a personal token) before it reads anything.
    pub accounts: bool,
    /// Who the request came from, when its token (header or the sign-in cookie) is known.
    pub signed_in: Option<SignedIn>,
    /// The datasets (none before signing in where accounts are kept).
    pub datasets: Vec<String>,
    pub rulesets: Vec<AppRuleset>,
    /// Checks need a bearer token.
    pub token_required: bool,
    /// A raster tile URL template with {z}, {x} and {y}, when the server was given one.
    pub basemap: Option<String>,
    /// `embedded` or `postgis`.
    pub store: String,
    /// Where single sign-on is configured and its identity provider's endpoints known: what the page
    /// needs to sign in with the authorization-code flow and PKCE.
    pub oidc: Option<AppOidc>,
}

/// The identity provider the web app signs in with.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppOidc {
    pub issuer: String,
    /// The web app's client id at the identity provider.
    pub client_id: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
}

/// What `/coverage` answers: the covered area, then each residential area out of reach.
#[derive(Debug, Serialize, ToSchema)]
pub struct Coverage {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    pub features: Vec<CoverageFeature>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageFeature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// `covered`, or the residential area's id.
    pub id: String,
    #[schema(value_type = Object)]
    pub geometry: geojson::Geometry,
    pub properties: CoverageProperties,
}

/// The covered area's figures, or an uncovered area's.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CoverageProperties {
    Covered {
        radius_m: f64,
        mode: String,
        tiers: Vec<String>,
        facilities: usize,
        /// The share of households within reach.
        household_rate: f64,
    },
    Uncovered {
        name: String,
        /// The distance to the nearest counted facility, in metres.
        nearest_m: Option<f64>,
        message: String,
    },
}

/// The audit trail's entries asked for, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditTrail {
    pub number: usize,
    /// Each entry as the trail keeps it: `at` (RFC 3339 UTC), `who` (an account's name, `shared-token`,
    /// `anonymous` or `cli:<user>`), `action` (method, path and query, or the command), `dataset` and
    /// `run` (or null), `status` (0 for the command line) and `client` (the address).
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<crate::audit::Entry>,
}

/// What a write did — or, with `dry-run=true`, would do: the feature after it, the dataset version it
/// made, and the verdicts it flips under the rulesets in force (OGC API – Features Part 4, with
/// carecircle's judging on save).
#[derive(Debug, Serialize, ToSchema)]
pub struct EditAnswer {
    /// Whether nothing was written (`?dry-run=true`).
    pub dry_run: bool,
    /// `create`, `replace`, `update` or `delete`.
    pub op: String,
    pub collection: String,
    /// The feature's id.
    pub id: String,
    pub dataset: String,
    /// The dataset version the write made; absent for a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// When it was written, RFC 3339 UTC; absent for a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Who wrote it, as the audit trail names them.
    pub by: String,
    /// The feature's entity tag after the write (its `ETag`); absent after a delete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The feature after the write, GeoJSON in CRS84; absent after a delete.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub feature: Option<Value>,
    pub verdicts: EditVerdicts,
}

/// What a write changes in compliance: the rules and subjects whose verdicts flip.
#[derive(Debug, Serialize, ToSchema)]
pub struct EditVerdicts {
    /// How facilities were counted (`audit`: only those handed over, as the look-back audit counts).
    pub mode: String,
    /// The rulesets judged: every one the service has, where in force on the dataset's day.
    pub rulesets: Vec<String>,
    /// Rules whose overall verdict flips.
    pub rules: Vec<RuleFlipBody>,
    /// Subjects whose verdict flips, appears or goes.
    pub subjects: Vec<SubjectFlipBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleFlipBody {
    pub rule: String,
    /// `pass` or `fail`.
    pub before: String,
    pub after: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectFlipBody {
    pub rule: String,
    /// `residential_areas`, `facilities`, `admin_units` or `pools`.
    pub layer: String,
    pub id: String,
    pub name: String,
    /// `pass`, `fail`, or null where the subject was not there (or not judged) on that side.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Every edit of one feature, oldest first: who, when, and the feature before and after.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureHistory {
    pub collection: String,
    pub id: String,
    pub edits: Vec<HistoryEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// The dataset version the edit made.
    pub version: u32,
    /// RFC 3339 UTC.
    pub at: String,
    pub by: String,
    /// `create`, `replace`, `update` or `delete`.
    pub op: String,
    /// The feature before (absent for a create) and after (absent for a delete), GeoJSON in CRS84.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}
