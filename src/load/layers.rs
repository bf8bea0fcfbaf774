//! Turns raw features into the domain types, one function per layer (DATA-CONTRACT §2).

use super::geometry::{prepare, representative_point, Shape};
use super::problem::Problem;
use super::props::Props;
use super::source::{RawFeature, RawLayer};
use crate::crs::Converter;
use crate::model::{AdminUnit, AreaKind, Candidate, Facility, Level, ResidentialArea, Road, Status, Tier};
use geo::{Geometry, MultiLineString, MultiPolygon, Point};
use rayon::prelude::*;
use std::collections::HashSet;

/// Converts every feature of a layer in parallel; all problems are kept, in feature order.
pub fn convert<T: Send>(
    layer: &RawLayer,
    converter: &Converter,
    one: impl Fn(&mut Props, &RawFeature, &Converter) -> Option<T> + Sync,
) -> (Vec<T>, Vec<Problem>) {
    let results: Vec<(Option<T>, Vec<Problem>)> = layer
        .features
        .par_iter()
        .map(|feature| {
            let mut props = Props {
                file: &layer.file,
                label: feature.label.clone(),
                map: &feature.properties,
                text_cells: layer.text_cells,
                problems: Vec::new(),
            };
            let value = one(&mut props, feature, converter);
            let ok = props.problems.is_empty();
            (value.filter(|_| ok), props.problems)
        })
        .collect();
    let mut values = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for (value, mut p) in results {
        values.extend(value);
        problems.append(&mut p);
    }
    (values, problems)
}

fn geometry(props: &mut Props, feature: &RawFeature, shape: Shape, converter: &Converter) -> Option<Geometry<f64>> {
    match prepare(feature.geometry.as_ref(), shape, converter) {
        Ok(g) => Some(g),
        Err(messages) => {
            for m in messages {
                props.problem(Some("geometry"), m);
            }
            None
        }
    }
}

fn located(
    props: &mut Props,
    feature: &RawFeature,
    shape: Shape,
    converter: &Converter,
) -> Option<(Geometry<f64>, Point<f64>)> {
    let g = geometry(props, feature, shape, converter)?;
    match representative_point(&g) {
        Some(p) => Some((g, p)),
        None => {
            props.problem(Some("geometry"), "empty geometry: it has no representative point");
            None
        }
    }
}

pub fn admin_unit(props: &mut Props, feature: &RawFeature, converter: &Converter) -> Option<AdminUnit> {
    let code = props.string("code", true);
    let name = props.string("name", true);
    let level = props.choice("level", true, Level::parse, &Level::accepted());
    let parent = props.string("parent", false);
    let population = props.integer("population", false, 0);
    let elderly = props.integer("elderly", false, 0);
    let households = props.integer("households", false, 0);
    let central = props.boolean("central");
    if let (Some(p), Some(e)) = (population, elderly) {
        if e > p {
            props.problem(Some("elderly"), format!("elderly {e} exceeds population {p}"));
        }
    }
    let boundary = match geometry(props, feature, Shape::Polygonal, converter)? {
        Geometry::Polygon(p) => MultiPolygon(vec![p]),
        Geometry::MultiPolygon(mp) => mp,
        _ => return None,
    };
    Some(AdminUnit {
        code: code?,
        name: name?,
        level: level?,
        parent,
        population,
        elderly,
        households,
        central,
        boundary,
    })
}

pub fn residential_area(props: &mut Props, feature: &RawFeature, converter: &Converter) -> Option<ResidentialArea> {
    let id = props.string("id", true);
    let name = props.string("name", true);
    let households = props.integer("households", true, 1);
    let kind = props.choice("kind", true, AreaKind::parse, &AreaKind::accepted());
    let delivered = props.date("delivered");
    let pool = props.string("pool", false);
    let (geometry, location) = located(props, feature, Shape::PolygonalOrPoint, converter)?;
    Some(ResidentialArea {
        id: id?,
        name: name?,
        households: households?,
        kind: kind?,
        delivered,
        pool,
        geometry,
        location,
    })
}

pub fn facility(
    props: &mut Props,
    feature: &RawFeature,
    converter: &Converter,
    area_ids: &HashSet<String>,
) -> Option<Facility> {
    let id = props.string("id", true);
    let name = props.string("name", true);
    let tier = props.choice("tier", true, Tier::parse, &Tier::accepted());
    let floor_area_m2 = props.number("floor_area_m2", true, 0.0);
    let beds = props.integer("beds", false, 0);
    let nursing_beds = props.integer("nursing_beds", false, 0);
    let status = props.choice("status", true, Status::parse, &Status::accepted());
    let handed_over = props.date("handed_over");
    let serves = props.string_list("serves");
    let meal_service = props.boolean("meal_service");
    for id in serves.iter().filter(|id| !area_ids.contains(*id)) {
        props.problem(
            Some("serves"),
            format!("serves \"{id}\", which names no residential area in this dataset"),
        );
    }
    if let (Some(b), Some(n)) = (beds, nursing_beds) {
        if n > b {
            props.problem(Some("nursing_beds"), format!("nursing_beds {n} exceeds beds {b}"));
        }
    }
    let (geometry, location) = located(props, feature, Shape::PointOrPolygon, converter)?;
    Some(Facility {
        id: id?,
        name: name?,
        tier: tier?,
        floor_area_m2: floor_area_m2?,
        beds,
        nursing_beds,
        status: status?,
        handed_over,
        serves,
        meal_service,
        geometry,
        location,
    })
}

pub fn road(props: &mut Props, feature: &RawFeature, converter: &Converter) -> Option<Road> {
    let walkable = props.boolean("walkable").unwrap_or(true);
    let geometry = match geometry(props, feature, Shape::Linear, converter)? {
        Geometry::LineString(l) => MultiLineString(vec![l]),
        Geometry::MultiLineString(m) => m,
        _ => return None,
    };
    Some(Road { walkable, geometry })
}

pub fn candidate(props: &mut Props, feature: &RawFeature, converter: &Converter) -> Option<Candidate> {
    let id = props.string("id", true);
    let name = props.string("name", true);
    let floor_area_m2 = props.number("floor_area_m2", false, 0.0);
    let (geometry, location) = located(props, feature, Shape::PointOrPolygon, converter)?;
    Some(Candidate {
        id: id?,
        name: name?,
        floor_area_m2,
        geometry,
        location,
    })
}
