//! The shapes of the OGC API response bodies, for the OpenAPI document only (handlers build their JSON
//! directly): clients and validators see typed responses instead of `{type: object}`.
#![allow(dead_code)]

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A link to a related resource.
#[derive(Serialize, ToSchema)]
pub struct Link {
    pub href: String,
    pub rel: String,
    #[serde(rename = "type")]
    pub media_type: Option<String>,
    pub title: Option<String>,
}

/// The landing page.
#[derive(Serialize, ToSchema)]
pub struct LandingPage {
    pub title: String,
    pub description: String,
    pub links: Vec<Link>,
}

/// The conformance classes the service implements.
#[derive(Serialize, ToSchema)]
pub struct Conformance {
    #[serde(rename = "conformsTo")]
    pub conforms_to: Vec<String>,
}

/// A collection's spatial extent, in CRS84.
#[derive(Serialize, ToSchema)]
pub struct SpatialExtent {
    /// One box: min longitude, min latitude, max longitude, max latitude.
    pub bbox: Vec<Vec<f64>>,
    pub crs: String,
}

#[derive(Serialize, ToSchema)]
pub struct Extent {
    pub spatial: SpatialExtent,
}

/// One collection: a dataset layer's or a run's findings of one geometry family.
#[derive(Serialize, ToSchema)]
pub struct Collection {
    pub id: String,
    pub title: String,
    #[serde(rename = "itemType")]
    pub item_type: String,
    /// The CRSs the features can be served in (`crs` parameter).
    pub crs: Vec<String>,
    #[serde(rename = "storageCrs")]
    pub storage_crs: String,
    pub extent: Extent,
    pub links: Vec<Link>,
}

#[derive(Serialize, ToSchema)]
pub struct Collections {
    pub links: Vec<Link>,
    pub collections: Vec<Collection>,
}

/// A GeoJSON feature.
#[derive(Serialize, ToSchema)]
pub struct Feature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    /// A GeoJSON geometry, in the requested CRS (CRS84 by default).
    #[schema(value_type = Object)]
    pub geometry: Value,
    /// The collection's properties, as its `/schema` describes them.
    #[schema(value_type = Object)]
    pub properties: Value,
    pub links: Option<Vec<Link>>,
}

/// A page of GeoJSON features.
#[derive(Serialize, ToSchema)]
pub struct FeatureCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: String,
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
#[derive(Serialize, ToSchema)]
pub struct Exception {
    pub error: String,
    pub detail: String,
}
