//! A layer's fields, written once: for each layer of a dataset, the properties its features carry —
//! key, type, whether it may be missing, its title (Chinese first), its closed vocabulary, and how it is
//! read from the model. The loader's list of known properties, the folder writer, the OGC schema,
//! queryables and served properties, and the contract's test all read these tables.
//!
//! ```
//! use carecircle_core::fields::{layer_fields, FieldType};
//! let facilities = layer_fields("facilities").unwrap();
//! let tier = facilities.iter().find(|f| f.key == "tier").unwrap();
//! assert_eq!((tier.kind, tier.nullable), (FieldType::Text, false));
//! assert!(tier.vocabulary.contains(&"station"));
//! ```

use crate::model::{AdminUnit, AreaKind, Candidate, Date, Facility, Level, ResidentialArea, Road, Status, Tier};

/// What a property holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Integer,
    Number,
    Boolean,
    Date,
    /// Ids of other features (a facility's `serves`).
    List,
}

/// A property's value read from the model; `None` where the model does not know it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    Text(Option<&'a str>),
    Integer(Option<u64>),
    Number(Option<f64>),
    Boolean(Option<bool>),
    Date(Option<Date>),
    List(&'a [String]),
}

/// How a list is written in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lists {
    /// An array of ids, as a dataset folder holds them.
    Array,
    /// One string joined by `;`, as served to GIS clients (which take arrays as NULL or as two formats).
    Joined,
}

impl FieldValue<'_> {
    /// The value as JSON: unknown as `null`, an empty list as `null` in an array's place.
    pub fn json(self, lists: Lists) -> serde_json::Value {
        use serde_json::Value;
        match self {
            FieldValue::Text(t) => t.map_or(Value::Null, |t| Value::String(t.to_string())),
            FieldValue::Integer(n) => n.into(),
            FieldValue::Number(x) => x.map_or(Value::Null, |x| serde_json::json!(x)),
            FieldValue::Boolean(b) => b.into(),
            FieldValue::Date(d) => d.map_or(Value::Null, |d| Value::String(d.to_string())),
            FieldValue::List(ids) => match lists {
                Lists::Joined => Value::String(ids.join(";")),
                Lists::Array if ids.is_empty() => Value::Null,
                Lists::Array => serde_json::json!(ids),
            },
        }
    }
}

/// One property of a layer's features.
pub struct Field<T: 'static> {
    pub key: &'static str,
    pub kind: FieldType,
    /// Whether it may be missing (unknown).
    pub nullable: bool,
    /// The title people read, Chinese first.
    pub title: &'static str,
    /// The keys of its closed vocabulary, if it has one.
    vocabulary: Option<fn() -> Vec<&'static str>>,
    /// Its value on a feature of the layer.
    pub read: for<'a> fn(&'a T) -> FieldValue<'a>,
    /// The other names a file may give it as a column or property: its Chinese name and the variants
    /// offices write (`名称`, `设施名称`, `建筑面积（平方米）`), matched as [`column_key`] says.
    pub aliases: &'static [&'static str],
}

/// `field` known by these other names too.
const fn aliased<T>(mut field: Field<T>, aliases: &'static [&'static str]) -> Field<T> {
    field.aliases = aliases;
    field
}

impl<T> Field<T> {
    /// The keys of its closed vocabulary (empty when it has none).
    pub fn vocabulary(&self) -> Vec<&'static str> {
        self.vocabulary.map(|v| v()).unwrap_or_default()
    }

    /// What a layer-independent reader needs: everything but how to read it.
    pub fn info(&self) -> FieldInfo {
        FieldInfo {
            key: self.key,
            kind: self.kind,
            nullable: self.nullable,
            title: self.title,
            vocabulary: self.vocabulary(),
            aliases: self.aliases,
        }
    }
}

/// A field as readers that do not hold the model see it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInfo {
    pub key: &'static str,
    pub kind: FieldType,
    pub nullable: bool,
    pub title: &'static str,
    pub vocabulary: Vec<&'static str>,
    pub aliases: &'static [&'static str],
}

fn keys<V: Copy>(all: &[V], key: fn(V) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| key(*v)).collect()
}

macro_rules! field {
    ($key:literal, $kind:ident, $nullable:expr, $title:literal, |$x:ident| $read:expr) => {
        Field {
            key: $key,
            kind: FieldType::$kind,
            nullable: $nullable,
            title: $title,
            vocabulary: None,
            read: |$x| $read,
            aliases: &[],
        }
    };
    ($key:literal, $kind:ident, $nullable:expr, $title:literal, $vocabulary:expr, |$x:ident| $read:expr) => {
        Field {
            key: $key,
            kind: FieldType::$kind,
            nullable: $nullable,
            title: $title,
            vocabulary: Some($vocabulary),
            read: |$x| $read,
            aliases: &[],
        }
    };
}

pub const ADMIN_UNIT_FIELDS: &[Field<AdminUnit>] = &[
    aliased(
        field!("code", Text, false, "区划代码 code", |u| FieldValue::Text(Some(
            &u.code
        ))),
        &["区划代码", "行政区划代码", "代码", "编码"],
    ),
    aliased(
        field!("name", Text, false, "名称 name", |u| FieldValue::Text(Some(&u.name))),
        &["名称", "区划名称", "单位名称"],
    ),
    aliased(
        field!(
            "level",
            Text,
            false,
            "层级 level",
            || keys(Level::ALL, Level::key),
            |u| FieldValue::Text(Some(u.level.key()))
        ),
        &["层级", "级别", "区划层级"],
    ),
    aliased(
        field!("parent", Text, true, "上级代码 parent code", |u| FieldValue::Text(
            u.parent.as_deref()
        )),
        &["上级代码", "上级区划代码", "上级"],
    ),
    aliased(
        field!("population", Integer, true, "常住人口 population", |u| {
            FieldValue::Integer(u.population)
        }),
        &["常住人口", "人口", "人口数"],
    ),
    aliased(
        field!("elderly", Integer, true, "老年人口 elderly", |u| {
            FieldValue::Integer(u.elderly)
        }),
        &["老年人口", "老年人口数", "60岁以上人口"],
    ),
    aliased(
        field!("households", Integer, true, "户数 households", |u| {
            FieldValue::Integer(u.households)
        }),
        &["户数", "总户数"],
    ),
    aliased(
        field!("central", Boolean, true, "中心城区 central", |u| {
            FieldValue::Boolean(u.central)
        }),
        &["中心城区", "是否中心城区"],
    ),
];

pub const RESIDENTIAL_AREA_FIELDS: &[Field<ResidentialArea>] = &[
    aliased(
        field!("id", Text, false, "编号 id", |a| FieldValue::Text(Some(&a.id))),
        &["编号", "小区编号"],
    ),
    aliased(
        field!("name", Text, false, "名称 name", |a| FieldValue::Text(Some(&a.name))),
        &["名称", "小区名称"],
    ),
    aliased(
        field!("households", Integer, false, "户数 households", |a| {
            FieldValue::Integer(Some(a.households))
        }),
        &["户数", "总户数", "住户数"],
    ),
    aliased(
        field!(
            "kind",
            Text,
            false,
            "新建/已建 kind",
            || keys(AreaKind::ALL, AreaKind::key),
            |a| FieldValue::Text(Some(a.kind.key()))
        ),
        &["新建/已建", "类型", "小区类型"],
    ),
    aliased(
        field!("delivered", Date, true, "交付日期 delivered", |a| FieldValue::Date(
            a.delivered
        )),
        &["交付日期", "交房日期"],
    ),
    aliased(
        field!("pool", Text, true, "统筹组 pool", |a| FieldValue::Text(
            a.pool.as_deref()
        )),
        &["统筹组", "集中配建组"],
    ),
];

pub const FACILITY_FIELDS: &[Field<Facility>] = &[
    aliased(
        field!("id", Text, false, "编号 id", |f| FieldValue::Text(Some(&f.id))),
        &["编号", "设施编号"],
    ),
    aliased(
        field!("name", Text, false, "名称 name", |f| FieldValue::Text(Some(&f.name))),
        &["名称", "设施名称", "机构名称"],
    ),
    aliased(
        field!("tier", Text, false, "层级 tier", || keys(Tier::ALL, Tier::key), |f| {
            FieldValue::Text(Some(f.tier.key()))
        }),
        &["层级", "类型", "设施类型", "类别"],
    ),
    aliased(
        field!("floor_area_m2", Number, false, "建筑面积 floor area (m²)", |f| {
            FieldValue::Number(Some(f.floor_area_m2))
        }),
        &[
            "建筑面积",
            "面积",
            "建筑面积(平方米)",
            "面积(平方米)",
            "建筑面积(m2)",
            "建筑面积(㎡)",
            "面积(㎡)",
        ],
    ),
    aliased(
        field!("beds", Integer, true, "床位 beds", |f| FieldValue::Integer(f.beds)),
        &["床位", "床位数"],
    ),
    aliased(
        field!("nursing_beds", Integer, true, "护理型床位 nursing beds", |f| {
            FieldValue::Integer(f.nursing_beds)
        }),
        &["护理型床位", "护理型床位数", "护理床位"],
    ),
    aliased(
        field!(
            "status",
            Text,
            false,
            "状态 status",
            || keys(Status::ALL, Status::key),
            |f| FieldValue::Text(Some(f.status.key()))
        ),
        &["状态", "运营状态"],
    ),
    aliased(
        field!("handed_over", Date, true, "移交日期 handed over", |f| {
            FieldValue::Date(f.handed_over)
        }),
        &["移交日期", "交付日期"],
    ),
    aliased(
        field!(
            "serves",
            List,
            false,
            "配建服务小区 serves (ids separated by ;)",
            |f| FieldValue::List(&f.serves)
        ),
        &["配建服务小区", "服务小区"],
    ),
    aliased(
        field!("meal_service", Boolean, true, "助餐服务 meal service", |f| {
            FieldValue::Boolean(f.meal_service)
        }),
        &["助餐服务", "助餐"],
    ),
];

pub const ROAD_FIELDS: &[Field<Road>] = &[aliased(
    field!("walkable", Boolean, false, "可步行 walkable", |r| {
        FieldValue::Boolean(Some(r.walkable))
    }),
    &["可步行"],
)];

pub const CANDIDATE_FIELDS: &[Field<Candidate>] = &[
    aliased(
        field!("id", Text, false, "编号 id", |c| FieldValue::Text(Some(&c.id))),
        &["编号"],
    ),
    aliased(
        field!("name", Text, false, "名称 name", |c| FieldValue::Text(Some(&c.name))),
        &["名称"],
    ),
    aliased(
        field!("floor_area_m2", Number, true, "建筑面积 floor area (m²)", |c| {
            FieldValue::Number(c.floor_area_m2)
        }),
        &["建筑面积", "面积", "建筑面积(平方米)", "面积(平方米)"],
    ),
];

/// The layers with fields, in the order a dataset folder lists them.
pub const LAYERS: [&str; 5] = ["admin_units", "residential_areas", "facilities", "roads", "candidates"];

/// A layer's fields as readers that do not hold the model see them; `None` for a name that is no layer.
pub fn layer_fields(layer: &str) -> Option<Vec<FieldInfo>> {
    fn infos<T>(fields: &[Field<T>]) -> Vec<FieldInfo> {
        fields.iter().map(Field::info).collect()
    }
    Some(match layer {
        "admin_units" => infos(ADMIN_UNIT_FIELDS),
        "residential_areas" => infos(RESIDENTIAL_AREA_FIELDS),
        "facilities" => infos(FACILITY_FIELDS),
        "roads" => infos(ROAD_FIELDS),
        "candidates" => infos(CANDIDATE_FIELDS),
        _ => return None,
    })
}

/// A column's or property's name as matched against keys and aliases: trimmed, ASCII letters in lower
/// case, full-width parentheses and spaces as ASCII ones, spaces dropped (`建筑面积（平方米）` and
/// `建筑面积 (平方米)` are one name).
pub fn column_key(name: &str) -> String {
    name.trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The key a column or property named `name` gives in `layer`: a field's key, or the key whose alias it
/// is; `None` when neither.
///
/// ```
/// use carecircle_core::fields::key_for;
/// assert_eq!(key_for("facilities", "建筑面积（平方米）"), Some("floor_area_m2"));
/// assert_eq!(key_for("facilities", "类型"), Some("tier"));
/// assert_eq!(key_for("residential_areas", "类型"), Some("kind"));
/// assert_eq!(key_for("facilities", "Name"), Some("name"));
/// assert_eq!(key_for("facilities", "备注"), None);
/// ```
pub fn key_for(layer: &str, name: &str) -> Option<&'static str> {
    let wanted = column_key(name);
    layer_fields(layer)?
        .into_iter()
        .find(|f| column_key(f.key) == wanted || f.aliases.iter().any(|a| column_key(a) == wanted))
        .map(|f| f.key)
}

/// Every other name any layer's field of this key goes by (its Chinese names and variants), gathered once.
pub fn other_names(key: &str) -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<std::collections::HashMap<&'static str, Vec<&'static str>>> =
        std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| {
            let mut names: std::collections::HashMap<&'static str, Vec<&'static str>> = Default::default();
            for field in LAYERS.iter().filter_map(|l| layer_fields(l)).flatten() {
                let known = names.entry(field.key).or_default();
                for alias in field.aliases {
                    if !known.contains(alias) {
                        known.push(alias);
                    }
                }
            }
            names
        })
        .get(key)
        .map_or(&[], Vec::as_slice)
}

/// The keys of a layer's fields, in order; empty for a name that is no layer.
pub fn layer_keys(layer: &str) -> Vec<&'static str> {
    layer_fields(layer)
        .unwrap_or_default()
        .into_iter()
        .map(|f| f.key)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_has_its_identifying_key_first() {
        for (layer, id, _) in crate::load::LAYERS {
            let keys = layer_keys(layer);
            assert!(!keys.is_empty(), "{layer}");
            if layer != "roads" {
                assert_eq!(keys[0], id, "{layer}");
            }
        }
        assert_eq!(layer_fields("parks"), None);
    }

    /// No name stands for two fields of one layer.
    #[test]
    fn aliases_are_unambiguous_within_a_layer() {
        for layer in LAYERS {
            let fields = layer_fields(layer).unwrap();
            let mut seen = std::collections::HashMap::new();
            for f in &fields {
                for name in std::iter::once(&f.key).chain(f.aliases) {
                    if let Some(other) = seen.insert(column_key(name), f.key) {
                        assert_eq!(other, f.key, "{layer}: \"{name}\" names {other} and {}", f.key);
                    }
                }
            }
        }
    }

    #[test]
    fn values_are_read_from_the_model() {
        let f = crate::engine::fixtures::facility("S1", Tier::Station, 150.0, Status::Operating, 0.0, 0.0);
        let read = |key: &str| (FACILITY_FIELDS.iter().find(|x| x.key == key).unwrap().read)(&f);
        assert_eq!(read("tier"), FieldValue::Text(Some("station")));
        assert_eq!(read("floor_area_m2"), FieldValue::Number(Some(150.0)));
        assert_eq!(read("beds"), FieldValue::Integer(None));
    }
}
