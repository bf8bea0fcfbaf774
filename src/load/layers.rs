//! Turns raw features into the domain types, one function per layer (DATA-CONTRACT §2).

use super::geometry::{prepare, representative_point, Shape};
use super::problem::Problem;
use super::props::Props;
use super::source::{RawFeature, RawLayer};
use crate::crs::Converter;
use crate::model::{AdminUnit, AreaKind, Candidate, Facility, Level, ResidentialArea, Road, Status, Tier};
use geo::{Geometry, MultiLineString, MultiPolygon, Point};
use rayon::prelude::*;

/// Every residential area id a dataset names, which a facility's `serves` must be among. Hashed by
/// foldhash, seeded per process (a file cannot choose ids that collide), several times faster than std's
/// SipHash on a city's million ids.
pub(crate) type AreaIds<'a> = foldhash::HashSet<std::borrow::Cow<'a, str>>;

/// What converting a layer gave: the values, the problems (in feature order) and the warnings.
pub struct Converted<T> {
    pub values: Vec<T>,
    pub problems: Vec<Problem>,
    /// Unknown properties, one per key: where it first appears and in how many features.
    pub warnings: Vec<Problem>,
}

/// One feature converted: its value (when it has no problem), its problems and its unknown keys.
pub type One<T> = (Option<T>, Vec<Problem>, Vec<Problem>);

/// Converts one feature of a layer read from `file`.
pub fn convert_one<T>(
    file: &str,
    text_cells: bool,
    feature: &RawFeature,
    converter: &Converter,
    one: &impl Fn(&mut Props, &RawFeature, &Converter) -> Option<T>,
) -> One<T> {
    let mut props = Props {
        file,
        label: &feature.label,
        map: &feature.properties,
        text_cells,
        problems: Vec::new(),
        asked: Default::default(),
    };
    let value = one(&mut props, feature, converter);
    let ok = props.problems.is_empty();
    let unknown = props.unknown_keys();
    (value.filter(|_| ok), props.problems, unknown)
}

/// Converts every feature of a layer in parallel; all problems are kept, in feature order.
pub fn convert<T: Send>(
    layer: &RawLayer,
    converter: &Converter,
    one: impl Fn(&mut Props, &RawFeature, &Converter) -> Option<T> + Sync,
) -> Converted<T> {
    let results: Vec<One<T>> = layer
        .features
        .par_iter()
        .map(|feature| convert_one(&layer.file, layer.text_cells, feature, converter, &one))
        .collect();
    gather(results.len(), results)
}

/// The converted features of a layer, in order, with every problem and each unknown key warned of once;
/// `results` yields at most `count` of them.
pub fn gather<T>(count: usize, results: impl IntoIterator<Item = One<T>>) -> Converted<T> {
    let mut converted = Converted {
        values: Vec::with_capacity(count),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let mut seen: std::collections::HashMap<String, (usize, usize)> = std::collections::HashMap::new();
    for (value, mut p, unknown) in results {
        converted.values.extend(value);
        converted.problems.append(&mut p);
        for w in unknown {
            let key = w.property.clone().unwrap_or_default();
            match seen.get_mut(&key) {
                Some((_, n)) => *n += 1,
                None => {
                    seen.insert(key, (converted.warnings.len(), 1));
                    converted.warnings.push(w);
                }
            }
        }
    }
    for (index, count) in seen.into_values() {
        if count > 1 {
            converted.warnings[index].message += &format!(" (in {count} features; the first is named)");
        }
    }
    converted
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
    let level = props.choice("level", true, Level::parse, Level::accepted);
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
    if let (Some(code), Some(parent)) = (&code, &parent) {
        if code == parent {
            props.problem(
                Some("parent"),
                format!("names the unit itself ({code}): expected the code of the unit above"),
            );
        }
    }
    let boundary = match geometry(props, feature, Shape::Polygonal, converter)? {
        Geometry::Polygon(p) => MultiPolygon(vec![p]),
        Geometry::MultiPolygon(mp) => mp,
        _ => return None,
    };
    if boundary.0.is_empty() {
        props.problem(
            Some("geometry"),
            "an empty MultiPolygon: an admin unit needs its boundary",
        );
        return None;
    }
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
    let kind = props.choice("kind", true, AreaKind::parse, AreaKind::accepted);
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
        geometry: geometry.into(),
        location,
    })
}

pub fn facility(
    props: &mut Props,
    feature: &RawFeature,
    converter: &Converter,
    area_ids: &AreaIds<'_>,
) -> Option<Facility> {
    let id = props.string("id", true);
    let name = props.string("name", true);
    let tier = props.choice("tier", true, Tier::parse, Tier::accepted);
    let floor_area_m2 = props.number("floor_area_m2", true, 0.0);
    let beds = props.integer("beds", false, 0);
    let nursing_beds = props.integer("nursing_beds", false, 0);
    let status = props.choice("status", true, Status::parse, Status::accepted);
    let handed_over = props.date("handed_over");
    let serves = props.string_list("serves");
    let meal_service = props.boolean("meal_service");
    for id in serves.iter().filter(|id| !area_ids.contains(id.as_str())) {
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
        geometry: geometry.into(),
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
        geometry: geometry.into(),
        location,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Crs;

    /// Each layer reads exactly the properties of its field table (`load::properties`), which the contract
    /// documents.
    #[test]
    fn every_layer_reads_the_properties_listed_for_it() {
        let converter = Converter::new(Crs::Wgs84).unwrap();
        let empty = crate::load::propmap::PropMap::new();
        let feature = RawFeature {
            label: "index 0".into(),
            geometry: None,
            properties: crate::load::propmap::PropMap::new(),
        };
        for (layer, listed) in crate::load::properties() {
            let mut props = Props {
                file: "t.geojson",
                label: "index 0",
                map: &empty,
                text_cells: false,
                problems: Vec::new(),
                asked: Default::default(),
            };
            let no_areas = AreaIds::default();
            match *layer {
                "admin_units" => drop(admin_unit(&mut props, &feature, &converter)),
                "residential_areas" => drop(residential_area(&mut props, &feature, &converter)),
                "facilities" => drop(facility(&mut props, &feature, &converter, &no_areas)),
                "roads" => drop(road(&mut props, &feature, &converter)),
                _ => drop(candidate(&mut props, &feature, &converter)),
            }
            let mut asked = props.asked.borrow().to_vec();
            asked.sort();
            asked.dedup();
            let mut listed = listed.to_vec();
            listed.sort();
            assert_eq!(asked, listed, "{layer}");
        }
    }
}
