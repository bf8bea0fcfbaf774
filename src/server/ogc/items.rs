//! `/collections/{collectionId}/items` and one item: paging, `bbox`, `datetime`, CQL2 `filter`, CRS.

use super::*;
use crate::server::Reply;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemsQuery {
    /// How many features per page (default 100, at most 10 000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<usize>,
    /// How many matching features to skip.
    #[param(minimum = 0)]
    pub offset: Option<usize>,
    /// Only features meeting this box: 4 numbers (or 6, heights ignored), lower corner then upper, in
    /// `bbox-crs` (CRS84 longitude, latitude by default).
    #[param(value_type = Option<Vec<f64>>, style = Form, explode = false, min_items = 4, max_items = 6, example = json!([119.39, 25.96, 119.44, 26.0]))]
    pub bbox: Option<String>,
    /// The CRS of `bbox`, one of the collection's `crs` (default CRS84).
    #[serde(rename = "bbox-crs")]
    #[param(rename = "bbox-crs")]
    pub bbox_crs: Option<String>,
    /// The CRS of the features served, one of the collection's `crs` (default CRS84), in its axis order.
    pub crs: Option<String>,
    /// Only features whose day (facilities: `handed_over`; residential areas: `delivered`) is this day
    /// (`2023-06-01`) or in this interval (`2023-01-01/2023-12-31`, `../2021-12-31`, `2022-01-01/..`).
    /// Features without a day are left out; collections without days ignore it.
    pub datetime: Option<String>,
    /// A CQL2 text filter over the collection's queryables: `tier='station' AND status='operating'`.
    pub filter: Option<String>,
    /// The filter language: `cql2-text` (the only one).
    #[serde(rename = "filter-lang")]
    #[param(rename = "filter-lang")]
    pub filter_lang: Option<String>,
    /// A dataset layer as it stood at this version (each import and each edit makes one; an item's
    /// history names them). Default: the newest.
    #[param(minimum = 1)]
    pub version: Option<u32>,
    /// A dataset layer as it stood at this moment: a day (`2026-12-01`, its end) or a UTC time
    /// (`2026-12-01T09:30:00Z`), through the dataset's edits.
    pub at: Option<String>,
}

/// Reads `bbox` in its CRS into WGS84 boxes: one, or two where a geographic box crosses the antimeridian
/// (its western longitude above its eastern, as OGC API – Features §7.15.3 writes such a box).
pub(crate) fn parse_bbox(text: &str, crs: ServedCrs) -> Result<Vec<Rect<f64>>, ApiError> {
    let v: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::BadRequest(format!("bbox \"{text}\": expected four numbers")))?;
    let bad = || {
        ApiError::BadRequest(format!(
            "bbox \"{text}\": expected lower corner then upper corner (min ≤ max; a western longitude above \
             the eastern crosses the antimeridian) in the axis order of {}",
            crs.uri()
        ))
    };
    let (lo, hi) = match v.as_slice() {
        [a, b, c, d] | [a, b, _, c, d, _] if v.iter().all(|x| x.is_finite()) => ([*a, *b], [*c, *d]),
        _ => return Err(bad()),
    };
    let to_wgs84 = |lo: [f64; 2], hi: [f64; 2]| {
        crs.bbox_to_wgs84(lo[0], lo[1], hi[0], hi[1])
            .map_err(ApiError::BadRequest)
    };
    let lon = crs.longitude_axis();
    let other = lon.map_or(0, |l| 1 - l);
    if lo[other] > hi[other] {
        return Err(bad());
    }
    match lon {
        Some(l) if lo[l] > hi[l] && (-180.0..=180.0).contains(&lo[l]) && (-180.0..=180.0).contains(&hi[l]) => {
            let (mut east_end, mut west_start) = (hi, lo);
            east_end[l] = 180.0;
            west_start[l] = -180.0;
            Ok(vec![to_wgs84(lo, east_end)?, to_wgs84(west_start, hi)?])
        }
        Some(l) if lo[l] > hi[l] => Err(bad()),
        None if lo[0] > hi[0] => Err(bad()),
        _ => Ok(vec![to_wgs84(lo, hi)?]),
    }
}

/// A `datetime` value as an inclusive range of days (`None` for an open end).
pub(crate) fn parse_datetime(text: &str) -> Result<(Option<String>, Option<String>), ApiError> {
    let day = |t: &str| -> Result<Option<String>, ApiError> {
        let t = t.trim();
        if t.is_empty() || t == ".." {
            return Ok(None);
        }
        let d = t.get(..10).unwrap_or(t);
        crate::model::Date::parse(d)
            .map(|_| Some(d.to_string()))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "datetime \"{text}\": expected a day (2023-06-01), or an interval a/b with .. for an open end"
                ))
            })
    };
    match text.split_once('/') {
        Some((a, b)) => {
            let (a, b) = (day(a)?, day(b)?);
            if let (Some(x), Some(y)) = (&a, &b) {
                if x > y {
                    return Err(ApiError::BadRequest(format!(
                        "datetime \"{text}\": the interval ends before it starts"
                    )));
                }
            }
            Ok((a, b))
        }
        None => {
            let d = day(text)?.ok_or_else(|| ApiError::BadRequest(format!("datetime \"{text}\": expected a day")))?;
            Ok((Some(d.clone()), Some(d)))
        }
    }
}

pub(crate) fn served_crs(param: Option<&str>, offered: &[ServedCrs]) -> Result<ServedCrs, ApiError> {
    param.map_or(Ok(ServedCrs::Crs84), |t| {
        ServedCrs::parse(t, offered).map_err(ApiError::BadRequest)
    })
}

pub(crate) fn geometry_json(g: &Geometry<f64>, crs: ServedCrs) -> Result<geojson::Geometry, ApiError> {
    let g = crs.geometry(g).map_err(ApiError::Internal)?;
    Ok(geojson::Geometry::from(&g))
}

/// A page of a collection's features, GeoJSON, with `next` while pages remain.
#[utoipa::path(get, path = "/collections/{collectionId}/items", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A collection id, as /collections lists them"), ItemsQuery),
    responses((status = 200, description = "A page of features", content_type = "application/geo+json", body = FeatureCollection),
              (status = 400, description = "Bad parameter", body = Exception),
              (status = 404, description = "No such collection", body = Exception)))]
pub async fn items(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ItemsQuery>,
) -> Reply {
    only_params(
        &req,
        &[
            "limit",
            "offset",
            "bbox",
            "bbox-crs",
            "crs",
            "datetime",
            "filter",
            "filter-lang",
            "version",
            "at",
        ],
    )?;
    // Refused rather than cut: a client asking for more than a page holds must not believe it has all.
    if let Some(limit) = query.limit.filter(|l| !(1..=MAX_LIMIT).contains(l)) {
        return Err(ApiError::BadRequest(format!(
            "limit {limit}: expected a page of 1 to {MAX_LIMIT} features (follow the next links for more)"
        )));
    }
    if let Some(lang) = query.filter_lang.as_deref().filter(|l| *l != FILTER_LANG) {
        return Err(ApiError::BadRequest(format!(
            "filter-lang \"{lang}\": only cql2-text is understood"
        )));
    }
    let id = path.into_inner();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let offset = query.offset.unwrap_or(0);
    let days = query.datetime.as_deref().map(parse_datetime).transpose()?;
    let base = base_url(&req);
    let query = query.into_inner();
    let scope = crate::server::policy::scope_of(&req);
    // Filtering walks the whole collection: off the async workers.
    let (crs, link_header, page) = blocking(move || {
        let version = version_asked(&state, &id, query.version, query.at.as_deref())?;
        with_served_at(&state, &id, scope.as_ref(), version, |served, info| {
        let crs = served_crs(query.crs.as_deref(), &info.offered)?;
        let bbox_crs = served_crs(query.bbox_crs.as_deref(), &info.offered)?;
        let bbox = query.bbox.as_deref().map(|b| parse_bbox(b, bbox_crs)).transpose()?;
        let queryable: Vec<(&str, Kind)> = served.features.fields.iter().map(|f| (f.name, f.kind)).collect();
        let filter = query
            .filter
            .as_deref()
            .map(|f| Filter::parse(f, &queryable).map_err(|e| ApiError::BadRequest(format!("filter: {e}"))))
            .transpose()?;
        let needs_properties = filter.is_some() || (days.is_some() && served.features.temporal.is_some());
        let matching: Vec<usize> = (0..served.members.len())
            .filter(|&k| {
                let (i, g) = &served.members[k];
                if bbox
                    .as_ref()
                    .is_some_and(|boxes| !boxes.iter().any(|b| g.intersects(b)))
                {
                    return false;
                }
                if !needs_properties {
                    return true;
                }
                let p = (served.features.properties)(*i);
                let on_day = match (&days, served.features.temporal) {
                    (Some((from, to)), Some(key)) => p.get(key).and_then(Value::as_str).is_some_and(|d| {
                        from.as_deref().is_none_or(|f| d >= f) && to.as_deref().is_none_or(|t| d <= t)
                    }),
                    _ => true,
                };
                on_day && filter.as_ref().is_none_or(|f| f.matches(&p))
            })
            .collect();
        let page: Vec<Feature> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|&k| {
                let (i, g) = &served.members[k];
                Ok(Feature {
                    kind: FeatureType::Feature,
                    id: served.features.geometries[*i].0.to_string(),
                    geometry: geometry_json(g, crs)?,
                    properties: (served.features.properties)(*i),
                    links: None,
                })
            })
            .collect::<Result<_, ApiError>>()?;
        let mut kept_params = String::new();
        for (name, value) in [
            ("bbox", &query.bbox),
            ("bbox-crs", &query.bbox_crs),
            ("crs", &query.crs),
            ("datetime", &query.datetime),
            ("filter", &query.filter),
            ("filter-lang", &query.filter_lang),
            ("at", &query.at),
        ] {
            if let Some(v) = value {
                kept_params.push_str(&format!("&{name}={}", encode(v)));
            }
        }
        if let Some(v) = query.version {
            kept_params.push_str(&format!("&version={v}"));
        }
        let href = |o: usize| format!("{base}/collections/{id}/items?limit={limit}&offset={o}{kept_params}");
        let mut links = vec![
            Link::new(href(offset), "self", GEOJSON),
            Link::new(format!("{base}/collections/{id}"), "collection", "application/json"),
        ];
        if offset + page.len() < matching.len() {
            links.push(Link::new(href(offset + page.len()), "next", GEOJSON));
        }
        if offset > 0 {
            links.push(Link::new(href(offset.saturating_sub(limit)), "prev", GEOJSON));
        }
        // The links in a header too (Part 3 clients look there for the queryables).
        let link_header = format!(
            "<{}>; rel=\"self\"; type=\"{GEOJSON}\", <{base}/collections/{id}/queryables>; rel=\"{REL_QUERYABLES}\"; type=\"{SCHEMA_JSON}\"",
            href(offset)
        );
        Ok((
            crs.uri(),
            link_header,
            FeatureCollection {
                kind: FeatureCollectionType::FeatureCollection,
                number_matched: matching.len() as u64,
                number_returned: page.len() as u64,
                time_stamp: crate::store::now_rfc3339(),
                links,
                features: page,
            },
        ))
    })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(GEOJSON)
        .insert_header(("Content-Crs", format!("<{crs}>")))
        .insert_header(("Link", link_header))
        .json(page))
}

/// Percent-encodes a query value for a link.
pub(crate) fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// The CRS of the feature served, one of the collection's `crs` (default CRS84), in its axis order.
    pub crs: Option<String>,
    /// The feature as it stood at this version of its dataset (an item's history names them).
    #[param(minimum = 1)]
    pub version: Option<u32>,
    /// The feature as it stood at this moment: a day (its end) or a UTC time, through the dataset's edits.
    pub at: Option<String>,
}

/// One feature by its id.
#[utoipa::path(get, path = "/collections/{collectionId}/items/{featureId}", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A collection id, as /collections lists them"),
           ("featureId" = String, Path, description = "The feature's id"), ItemQuery),
    responses((status = 200, description = "The feature", content_type = "application/geo+json", body = Feature),
              (status = 404, description = "No such collection or feature", body = Exception)))]
pub async fn item(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<ItemQuery>,
) -> Reply {
    only_params(&req, &["crs", "version", "at"])?;
    let (id, fid) = path.into_inner();
    let base = base_url(&req);
    let query = query.into_inner();
    let (id_, fid_) = (id.clone(), fid.clone());
    let scope = crate::server::policy::scope_of(&req);
    let response = blocking(move || {
        // A feature outside the reader's scope is not found, as one that does not exist.
        let version = version_asked(&state, &id_, query.version, query.at.as_deref())?;
        with_served_at(&state, &id_, scope.as_ref(), version, |served, info| {
            let (id, fid) = (&id_, &fid_);
            let crs = served_crs(query.crs.as_deref(), &info.offered)?;
            let Some((i, g)) = served
                .members
                .iter()
                .find(|(i, _)| served.features.geometries[*i].0 == *fid)
            else {
                return Ok(None);
            };
            let feature = Feature {
                kind: FeatureType::Feature,
                id: fid.clone(),
                geometry: geometry_json(g, crs)?,
                properties: (served.features.properties)(*i),
                links: Some(vec![
                    Link::new(
                        format!("{base}/collections/{id}/items/{}", encode(fid)),
                        "self",
                        GEOJSON,
                    ),
                    Link::new(format!("{base}/collections/{id}"), "collection", "application/json"),
                ]),
            };
            let etag = match parse_id(id) {
                // An earlier version's body is not what a write would replace: no tag for it.
                Some((SourceId::Layer { .. }, _)) if version.is_some() => None,
                Some((SourceId::Layer { dataset, layer }, _)) => state
                    .store
                    .dataset(&dataset)
                    .ok()
                    .and_then(|s| {
                        let i = crate::edit::position(&s.dataset, layer, fid)?;
                        crate::edit::feature_json(&s.dataset, layer, i)
                    })
                    .map(|f| crate::edit::etag(&f)),
                _ => None,
            };
            Ok::<_, ApiError>(Some((crs.uri(), feature, etag)))
        })
    })
    .await?;
    let (crs, feature, etag) =
        response.ok_or_else(|| ApiError::NotFound(format!("no feature \"{fid}\" in \"{id}\"")))?;
    let mut res = HttpResponse::Ok();
    res.content_type(GEOJSON)
        .insert_header(("Content-Crs", format!("<{crs}>")));
    // A dataset layer's feature carries the tag a write's If-Match names (Part 4's optimistic locking).
    if let Some(etag) = etag {
        res.insert_header(("ETag", etag));
    }
    Ok(res.json(feature))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A geographic box whose western longitude is above its eastern crosses the antimeridian: two boxes,
    /// in either axis order; a projected box so written, or one upside down, is refused.
    #[test]
    fn a_bbox_across_the_antimeridian_is_two_boxes() {
        let boxes = parse_bbox("170,-10,-170,10", ServedCrs::Crs84).unwrap();
        let corners: Vec<_> = boxes
            .iter()
            .map(|b| (b.min().x, b.min().y, b.max().x, b.max().y))
            .collect();
        assert_eq!(
            corners,
            vec![(170.0, -10.0, 180.0, 10.0), (-180.0, -10.0, -170.0, 10.0)]
        );
        let lat_first = parse_bbox("-10,170,10,-170", ServedCrs::Epsg4326).unwrap();
        assert_eq!(lat_first, boxes);
        assert_eq!(parse_bbox("119,25,120,26", ServedCrs::Crs84).unwrap().len(), 1);
        assert!(parse_bbox("119,26,120,25", ServedCrs::Crs84).is_err(), "upside down");
        assert!(parse_bbox("190,0,-170,10", ServedCrs::Crs84).is_err(), "beyond ±180");
        let zone = ServedCrs::offered(crate::crs::Crs::Wgs84, Some((119.45, 26.0)))[3];
        assert!(parse_bbox("2874055,440365,2873955,440265", zone).is_err());
    }

    #[test]
    fn datetime_takes_days_and_intervals() {
        let d = |t: &str| parse_datetime(t).unwrap();
        assert_eq!(d("2023-06-01"), (Some("2023-06-01".into()), Some("2023-06-01".into())));
        assert_eq!(d("2023-06-01T00:00:00Z/.."), (Some("2023-06-01".into()), None));
        assert_eq!(d("../2021-12-31"), (None, Some("2021-12-31".into())));
        assert!(parse_datetime("2024-01-01/2023-01-01").is_err());
        assert!(parse_datetime("yesterday").is_err());
    }
}
