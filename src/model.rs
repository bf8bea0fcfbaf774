//! The domain: a city's admin units, residential areas and care facilities, in WGS84.
//!
//! These types carry no serde and no storage: loading builds them, the engine judges them,
//! and the output layers convert them into their own types.

use geo::{Geometry, MultiPolygon, Point};
use std::fmt;
use std::sync::Arc;

/// A dataset loaded into memory, every geometry already in WGS84 (longitude, latitude).
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    /// The CRS the files were written in (informative: geometries here are WGS84).
    pub source_crs: crate::crs::Crs,
    /// The day the data describes.
    pub as_of: Date,
    pub admin_units: Vec<AdminUnit>,
    pub residential_areas: Vec<ResidentialArea>,
    pub facilities: Vec<Facility>,
    pub roads: Vec<Road>,
    pub candidates: Vec<Candidate>,
}

impl Dataset {
    /// The dataset as it stood on `day` (before its own `as_of`): what happened later is ignored.
    ///
    /// A facility handed over after `day` was not handed over yet; the data holds no earlier date to show
    /// it existed at all, so it is taken as still being built (it does not count in an audit). Homes
    /// delivered after `day` were not delivered yet.
    ///
    /// ```
    /// use carecircle_core::model::Date;
    /// let demo = carecircle_core::load::load_dataset("geodata/demo".as_ref()).unwrap();
    /// let then = demo.as_it_stood_on(Date::parse("2021-12-31").unwrap());
    /// assert_eq!(then.as_of.to_string(), "2021-12-31");
    /// assert!(then.facilities.iter().all(|f| f.handed_over.is_none_or(|d| d.to_string() <= "2021-12-31".to_string())));
    /// ```
    pub fn as_it_stood_on(&self, day: Date) -> Dataset {
        let mut then = self.clone();
        then.as_of = day;
        for f in &mut then.facilities {
            if f.handed_over.is_some_and(|d| d > day) {
                f.handed_over = None;
                if matches!(
                    f.status,
                    Status::HandedOver | Status::Operating | Status::Accepted | Status::Built
                ) {
                    f.status = Status::Building;
                }
            }
        }
        for a in &mut then.residential_areas {
            if a.delivered.is_some_and(|d| d > day) {
                a.delivered = None;
            }
        }
        then
    }
}

impl Facility {
    /// A facility at a point, with no beds, dates, served areas or meal service recorded.
    pub fn at_point(
        id: String,
        name: String,
        tier: Tier,
        floor_area_m2: f64,
        status: Status,
        location: Point<f64>,
    ) -> Facility {
        Facility {
            id,
            name,
            tier,
            floor_area_m2,
            beds: None,
            nursing_beds: None,
            status,
            handed_over: None,
            serves: vec![],
            meal_service: None,
            geometry: Arc::new(Geometry::Point(location)),
            location,
        }
    }
}

/// What a developer proposes for plan review (规划审查): new residential areas and their facilities.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub residential_areas: Vec<ResidentialArea>,
    pub facilities: Vec<Facility>,
}

#[derive(Debug, Clone)]
pub struct AdminUnit {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent: Option<String>,
    pub population: Option<u64>,
    pub elderly: Option<u64>,
    pub households: Option<u64>,
    pub central: Option<bool>,
    pub boundary: MultiPolygon<f64>,
}

#[derive(Debug, Clone)]
pub struct ResidentialArea {
    pub id: String,
    pub name: String,
    pub households: u64,
    pub kind: AreaKind,
    pub delivered: Option<Date>,
    pub pool: Option<String>,
    /// Shared with the findings about the area: a million findings do not each copy a polygon.
    pub geometry: Arc<Geometry<f64>>,
    /// Representative point: the centroid of a polygon, the point itself.
    pub location: Point<f64>,
}

#[derive(Debug, Clone)]
pub struct Facility {
    pub id: String,
    pub name: String,
    pub tier: Tier,
    pub floor_area_m2: f64,
    pub beds: Option<u64>,
    pub nursing_beds: Option<u64>,
    pub status: Status,
    pub handed_over: Option<Date>,
    /// Ids of the residential areas whose quota this facility fulfils (配建).
    pub serves: Vec<String>,
    pub meal_service: Option<bool>,
    /// Shared with the findings about the facility.
    pub geometry: Arc<Geometry<f64>>,
    pub location: Point<f64>,
}

#[derive(Debug, Clone)]
pub struct Road {
    pub walkable: bool,
    pub geometry: geo::MultiLineString<f64>,
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub floor_area_m2: Option<f64>,
    pub geometry: Arc<Geometry<f64>>,
    pub location: Point<f64>,
}

/// Declares a closed set of values with their English key and accepted Chinese names.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $key:literal [$($alias:literal),*]),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The English key used in files and output.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// The Chinese names accepted for this value; the first is the one shown to users.
            pub fn chinese(self) -> &'static [&'static str] {
                match self { $($name::$variant => &[$($alias),*]),+ }
            }

            /// Parses the English key or any of the Chinese names.
            pub fn parse(text: &str) -> Option<Self> {
                let text = text.trim();
                Self::ALL.iter().copied().find(|v| v.key() == text || v.chinese().contains(&text))
            }

            /// Every accepted spelling, for error messages.
            pub fn accepted() -> String {
                Self::ALL
                    .iter()
                    .map(|v| {
                        if v.chinese().is_empty() {
                            v.key().to_string()
                        } else {
                            format!("{} ({})", v.key(), v.chinese().join(", "))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }
    };
}

vocabulary! {
    /// Administrative level. Streets and communities are urban, townships and villages rural.
    Level {
        District = "district" ["区", "县"],
        Street = "street" ["街道"],
        Township = "township" ["镇", "乡"],
        Community = "community" ["社区"],
        Village = "village" ["村"],
    }
}

/// Parses a mode: `audit` (回头看) or `review` (规划审查), or a Chinese name of either.
pub fn parse_mode(text: &str) -> Result<Mode, String> {
    Mode::parse(text).ok_or_else(|| format!("\"{text}\": expected one of {}", Mode::accepted()))
}

/// Parses a ledger's tier: `district`, `street` (with townships) or `community` (with villages).
pub fn parse_level(text: &str) -> Result<Level, String> {
    match Level::parse(text) {
        Some(Level::Township) => Ok(Level::Street),
        Some(Level::Village) => Ok(Level::Community),
        Some(level) => Ok(level),
        None => Err(format!("\"{text}\": expected district, street or community")),
    }
}

/// Parses a day, YYYY-MM-DD.
pub fn parse_day(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("\"{text}\": expected a date YYYY-MM-DD"))
}

impl Level {
    /// Depth in the hierarchy: district 0, street/township 1, community/village 2.
    pub fn depth(self) -> u8 {
        match self {
            Level::District => 0,
            Level::Street | Level::Township => 1,
            Level::Community | Level::Village => 2,
        }
    }
}

vocabulary! {
    /// Residential area kind: new areas carry the 30 m² rule, existing ones the 20 m² rule.
    AreaKind {
        New = "new" ["新建"],
        Existing = "existing" ["已建成", "老城区", "老旧小区"],
    }
}

vocabulary! {
    /// Facility tier in the three-tier layout, plus the other facility types rules look at.
    Tier {
        RegionalCenter = "regional_center" ["区域性养老服务中心", "街道养老服务综合体", "嵌入式家园"],
        DaycareCenter = "daycare_center" ["居家社区养老服务照料中心", "日间照料中心", "照料中心"],
        Station = "station" ["社区居家养老服务站", "居家养老服务站"],
        HappinessCourt = "happiness_court" ["农村幸福院", "幸福院"],
        Institution = "institution" ["养老院", "敬老院", "养老机构"],
        Canteen = "canteen" ["长者食堂", "助餐点"],
        Medical = "medical" ["社区卫生服务中心", "卫生院", "医院", "诊所"],
    }
}

impl Tier {
    /// Community facilities (社区养老服务设施).
    pub const COMMUNITY: &'static [Tier] = &[
        Tier::RegionalCenter,
        Tier::DaycareCenter,
        Tier::Station,
        Tier::HappinessCourt,
    ];
}

vocabulary! {
    /// Where a facility stands in its life.
    Status {
        Planned = "planned" ["规划", "规划中"],
        Building = "building" ["在建"],
        Built = "built" ["已建成"],
        Accepted = "accepted" ["已验收"],
        HandedOver = "handed_over" ["已移交"],
        Operating = "operating" ["运营中", "已运营"],
        Closed = "closed" ["已关闭", "停业"],
    }
}

vocabulary! {
    /// How a check counts facilities (DATA-CONTRACT §3).
    Mode {
        Audit = "audit" ["回头看"],
        Review = "review" ["规划审查"],
    }
}

impl Status {
    /// Whether a facility with this status counts in the given mode.
    pub fn counts_in(self, mode: Mode) -> bool {
        match self {
            Status::Built | Status::Accepted | Status::HandedOver | Status::Operating => true,
            Status::Planned | Status::Building => mode == Mode::Review,
            Status::Closed => false,
        }
    }
}

/// A calendar day (proleptic Gregorian); the default is 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date {
    days: i64,
}

impl Date {
    /// Builds a date, or `None` for a day that does not exist.
    ///
    /// ```
    /// use carecircle_core::model::Date;
    /// assert!(Date::from_ymd(2024, 2, 29).is_some());
    /// assert!(Date::from_ymd(2023, 2, 29).is_none());
    /// ```
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        if !(1..=12).contains(&month) || day == 0 || day > month_days[month as usize - 1] {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = i64::from(year) - i64::from(month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date {
            days: era * 146097 + doe - 719468,
        })
    }

    /// Parses `YYYY-MM-DD`.
    ///
    /// ```
    /// use carecircle_core::model::Date;
    /// let d = Date::parse("2024-12-31").unwrap();
    /// assert_eq!(d.to_string(), "2024-12-31");
    /// assert_eq!(Date::parse("2025-01-01").unwrap().days_since(d), 1);
    /// ```
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let mut parts = text.splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Date::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// The day `days` after this one (before it when negative).
    pub fn plus_days(self, days: i64) -> Date {
        Date { days: self.days + days }
    }

    /// Days from `earlier` to `self` (negative when `self` comes first).
    pub fn days_since(self, earlier: Date) -> i64 {
        self.days - earlier.days
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        // Howard Hinnant's civil_from_days.
        let z = self.days + 719468;
        let era = z.div_euclid(146097);
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y as i32, m as u32, d as u32)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_levels_parse_in_english_and_chinese() {
        assert_eq!(parse_mode("review"), Ok(Mode::Review));
        assert!(parse_mode("audits").unwrap_err().contains("expected one of"));
        assert_eq!(parse_level("村"), Ok(Level::Community));
        assert_eq!(parse_level("township"), Ok(Level::Street));
        assert!(parse_level("city").is_err());
    }

    #[test]
    fn chinese_aliases_parse() {
        assert_eq!(Tier::parse("日间照料中心"), Some(Tier::DaycareCenter));
        assert_eq!(Tier::parse("农村幸福院"), Some(Tier::HappinessCourt));
        assert_eq!(Level::parse("县"), Some(Level::District));
        assert_eq!(AreaKind::parse("老旧小区"), Some(AreaKind::Existing));
        assert_eq!(Tier::parse("nursing_home"), None);
        assert!(Tier::accepted().contains("station (社区居家养老服务站, 居家养老服务站)"));
    }

    #[test]
    fn modes_count_statuses() {
        assert!(Status::Operating.counts_in(Mode::Audit));
        assert!(!Status::Planned.counts_in(Mode::Audit));
        assert!(Status::Planned.counts_in(Mode::Review));
        assert!(!Status::Closed.counts_in(Mode::Review));
    }

    #[test]
    fn dates_round_trip() {
        for text in ["1970-01-01", "2000-02-29", "2024-12-31", "2017-01-05"] {
            assert_eq!(Date::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Date::parse("1970-01-01").unwrap().days, 0);
        assert!(Date::parse("2024-13-01").is_none());
        assert!(Date::parse("2024-1-01").is_none());
    }
}
