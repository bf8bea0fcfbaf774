//! The properties each collection's features carry, and a layer feature's properties as served.

use super::*;

/// One property of a collection's features, as its schema declares it.
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// May be null (unknown): such properties are given a value by the lead features.
    pub nullable: bool,
    pub title: &'static str,
    /// The closed vocabulary it takes, if any.
    pub values: Vec<&'static str>,
}

pub(crate) fn field(name: &'static str, kind: Kind, nullable: bool, title: &'static str) -> Field {
    Field {
        name,
        kind,
        nullable,
        title,
        values: Vec::new(),
    }
}

pub(crate) fn keys<T: Copy>(all: &[T], key: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| key(*v)).collect()
}

/// The properties every layer's features carry, in the order they are served.
pub(crate) fn layer_fields(layer: &str) -> Vec<Field> {
    use Kind::*;
    match layer {
        "admin_units" => vec![
            field("code", Text, false, "区划代码 code"),
            field("name", Text, false, "名称 name"),
            Field {
                values: keys(Level::ALL, Level::key),
                ..field("level", Text, false, "层级 level")
            },
            field("parent", Text, true, "上级代码 parent code"),
            field("population", Integer, true, "常住人口 population"),
            field("elderly", Integer, true, "老年人口 elderly"),
            field("households", Integer, true, "户数 households"),
            field("central", Boolean, true, "中心城区 central"),
        ],
        "residential_areas" => vec![
            field("id", Text, false, "编号 id"),
            field("name", Text, false, "名称 name"),
            field("households", Integer, false, "户数 households"),
            Field {
                values: keys(AreaKind::ALL, AreaKind::key),
                ..field("kind", Text, false, "新建/已建 kind")
            },
            field("delivered", Date, true, "交付日期 delivered"),
            field("pool", Text, true, "统筹组 pool"),
        ],
        "facilities" => vec![
            field("id", Text, false, "编号 id"),
            field("name", Text, false, "名称 name"),
            Field {
                values: keys(Tier::ALL, Tier::key),
                ..field("tier", Text, false, "层级 tier")
            },
            field("floor_area_m2", Number, false, "建筑面积 floor area (m²)"),
            field("beds", Integer, true, "床位 beds"),
            field("nursing_beds", Integer, true, "护理型床位 nursing beds"),
            Field {
                values: keys(Status::ALL, Status::key),
                ..field("status", Text, false, "状态 status")
            },
            field("handed_over", Date, true, "移交日期 handed over"),
            field("serves", Text, false, "配建服务小区 serves (ids separated by ;)"),
            field("meal_service", Boolean, true, "助餐服务 meal service"),
        ],
        "roads" => vec![field("walkable", Boolean, false, "可步行 walkable")],
        _ => vec![
            field("id", Text, false, "编号 id"),
            field("name", Text, false, "名称 name"),
            field("floor_area_m2", Number, true, "建筑面积 floor area (m²)"),
        ],
    }
}

/// The properties of a run's findings (as `findings.geojson` holds them).
pub(crate) fn finding_fields() -> Vec<Field> {
    use crate::report::finding_columns::{ColumnType, FINDING_COLUMNS};
    FINDING_COLUMNS
        .iter()
        .map(|c| {
            let kind = match c.kind {
                ColumnType::Number => Kind::Number,
                ColumnType::Text | ColumnType::List => Kind::Text,
            };
            field(c.key, kind, c.nullable, c.title)
        })
        .collect()
}

/// A layer feature's properties, as the layer's fields name them.
pub(crate) fn layer_properties(d: &Dataset, layer: &str, i: usize) -> Map<String, Value> {
    let text = |s: &str| Value::String(s.to_string());
    let day = |x: Option<crate::model::Date>| x.map_or(Value::Null, |x| text(&x.to_string()));
    let mut m = Map::new();
    match layer {
        "admin_units" => {
            let u = &d.admin_units[i];
            m.insert("code".into(), text(&u.code));
            m.insert("name".into(), text(&u.name));
            m.insert("level".into(), text(u.level.key()));
            m.insert("parent".into(), u.parent.as_deref().map_or(Value::Null, text));
            m.insert("population".into(), u.population.into());
            m.insert("elderly".into(), u.elderly.into());
            m.insert("households".into(), u.households.into());
            m.insert("central".into(), u.central.into());
        }
        "residential_areas" => {
            let a = &d.residential_areas[i];
            m.insert("id".into(), text(&a.id));
            m.insert("name".into(), text(&a.name));
            m.insert("households".into(), a.households.into());
            m.insert("kind".into(), text(a.kind.key()));
            m.insert("delivered".into(), day(a.delivered));
            m.insert("pool".into(), a.pool.as_deref().map_or(Value::Null, text));
        }
        "facilities" => {
            let f = &d.facilities[i];
            m.insert("id".into(), text(&f.id));
            m.insert("name".into(), text(&f.name));
            m.insert("tier".into(), text(f.tier.key()));
            m.insert("floor_area_m2".into(), json!(f.floor_area_m2));
            m.insert("beds".into(), f.beds.into());
            m.insert("nursing_beds".into(), f.nursing_beds.into());
            m.insert("status".into(), text(f.status.key()));
            m.insert("handed_over".into(), day(f.handed_over));
            // One string, as findings' `facilities` are: GIS clients take arrays as NULL or as two formats.
            m.insert("serves".into(), json!(f.serves.join(";")));
            m.insert("meal_service".into(), f.meal_service.into());
        }
        "roads" => {
            m.insert("walkable".into(), d.roads[i].walkable.into());
        }
        _ => {
            let c = &d.candidates[i];
            m.insert("id".into(), text(&c.id));
            m.insert("name".into(), text(&c.name));
            m.insert("floor_area_m2".into(), c.floor_area_m2.into());
        }
    }
    m
}
