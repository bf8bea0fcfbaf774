//! The PostGIS store: datasets and check runs in PostgreSQL/PostGIS through diesel and an r2d2 pool.
//!
//! Storage has its own row types and converts to and from the domain's. Geometries are WGS84 (SRID 4326)
//! and keep every bit of their coordinates, so `db export` gives back exactly what `db import` took in.
//! A run keeps its rulesets' text: reading it back judges the stored dataset again with exactly those
//! rules, which gives the same report (the engine is deterministic).

mod geometry;
mod schema;

use super::{NewRun, Run, Store, StoreError};
use crate::engine::{self, Ledger};
use crate::model::*;
use crate::rules::parse_ruleset;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use geo::Geometry;
use geometry::{from_pg, to_pg};
use postgis_diesel::types::{GeometryContainer, Point as PgPoint};
use schema::*;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The oldest server and PostGIS the store runs on.
const MIN_SERVER_VERSION_NUM: i32 = 130_000;
const MIN_POSTGIS_MAJOR: u32 = 3;
/// Rows per INSERT: PostgreSQL takes at most 65 535 bound parameters per statement.
const BATCH: usize = 2_000;

type PgPool = Pool<ConnectionManager<PgConnection>>;
type Geom = GeometryContainer<PgPoint>;

pub struct PostgisStore {
    pool: PgPool,
    /// Datasets read from the database, with the import time they were read at.
    cache: RwLock<HashMap<String, (time::OffsetDateTime, Arc<Dataset>)>>,
    /// Runs read back (judged again) or saved by this process: a run never changes once kept.
    runs: RwLock<HashMap<u64, Arc<Run>>>,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

#[derive(diesel::QueryableByName)]
struct Versions {
    #[diesel(sql_type = diesel::sql_types::Int4)]
    server: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    postgis: String,
}

impl PostgisStore {
    /// Connects, and refuses a PostgreSQL older than 13 or a PostGIS older than 3, or a database whose
    /// schema is not up to date (`carecircle db migrate` brings it up).
    pub fn connect(url: &str) -> Result<PostgisStore, StoreError> {
        let store = PostgisStore::connect_unchecked(url)?;
        let mut conn = store.conn()?;
        let pending = conn.pending_migrations(MIGRATIONS).map_err(backend)?;
        if !pending.is_empty() {
            return Err(StoreError::Backend(format!(
                "the database schema is {} migration(s) behind: run `carecircle db migrate`",
                pending.len()
            )));
        }
        Ok(store)
    }

    /// Connects and checks versions, without looking at the schema (for `db migrate`).
    pub fn connect_unchecked(url: &str) -> Result<PostgisStore, StoreError> {
        let manager = ConnectionManager::<PgConnection>::new(url);
        let pool = Pool::builder()
            .max_size(8)
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(manager)
            .map_err(|e| StoreError::Backend(format!("cannot connect to the database: {e}")))?;
        let store = PostgisStore {
            pool,
            cache: RwLock::new(HashMap::new()),
            runs: RwLock::new(HashMap::new()),
        };
        store.check_versions()?;
        Ok(store)
    }

    fn conn(&self) -> Result<PooledConnection<ConnectionManager<PgConnection>>, StoreError> {
        self.pool
            .get()
            .map_err(|e| StoreError::Backend(format!("cannot connect to the database: {e}")))
    }

    fn check_versions(&self) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        // PostGIS may not be installed in this database yet: create it (needs a superuser, or trust).
        diesel::sql_query("CREATE EXTENSION IF NOT EXISTS postgis")
            .execute(&mut conn)
            .map_err(|e| StoreError::Backend(format!("PostGIS is not available in this database: {e}")))?;
        let v: Versions = diesel::sql_query(include_str!("versions.sql"))
            .get_result(&mut conn)
            .map_err(backend)?;
        let postgis_major: u32 = v.postgis.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
        if v.server < MIN_SERVER_VERSION_NUM || postgis_major < MIN_POSTGIS_MAJOR {
            return Err(StoreError::Backend(format!(
                "PostgreSQL {} with PostGIS {} is too old: carecircle needs PostgreSQL 13+ and PostGIS 3+",
                v.server, v.postgis
            )));
        }
        Ok(())
    }

    /// Applies the pending migrations; returns how many.
    pub fn migrate(&self) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let applied = conn.run_pending_migrations(MIGRATIONS).map_err(backend)?;
        Ok(applied.len())
    }

    /// Imports `dataset` under `name` in one transaction: all or nothing, replacing a dataset of the same
    /// name. `progress` is told each layer's name and row count as it goes.
    pub fn import(
        &self,
        name: &str,
        dataset: &Dataset,
        description: &str,
        progress: &dyn Fn(&str, usize),
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            diesel::delete(datasets::table.filter(datasets::name.eq(name))).execute(conn)?;
            let id: i32 = diesel::insert_into(datasets::table)
                .values((
                    datasets::name.eq(name),
                    datasets::title.eq(&dataset.name),
                    datasets::source_crs.eq(dataset.source_crs.to_string()),
                    datasets::as_of.eq(to_time(dataset.as_of)),
                    datasets::description.eq(description),
                ))
                .returning(datasets::id)
                .get_result(conn)?;
            let rows: Vec<_> = dataset
                .admin_units
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    (
                        admin_units::dataset_id.eq(id),
                        admin_units::ord.eq(i as i32),
                        admin_units::code.eq(&u.code),
                        admin_units::name.eq(&u.name),
                        admin_units::level.eq(u.level.key()),
                        admin_units::parent.eq(u.parent.as_deref()),
                        admin_units::population.eq(u.population.map(|n| n as i64)),
                        admin_units::elderly.eq(u.elderly.map(|n| n as i64)),
                        admin_units::households.eq(u.households.map(|n| n as i64)),
                        admin_units::central.eq(u.central),
                        admin_units::geom.eq(to_pg(&Geometry::MultiPolygon(u.boundary.clone()))),
                    )
                })
                .collect();
            for chunk in rows.chunks(BATCH) {
                diesel::insert_into(admin_units::table).values(chunk).execute(conn)?;
            }
            progress("admin_units", rows.len());
            let rows: Vec<_> = dataset
                .residential_areas
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    (
                        residential_areas::dataset_id.eq(id),
                        residential_areas::ord.eq(i as i32),
                        residential_areas::id.eq(&a.id),
                        residential_areas::name.eq(&a.name),
                        residential_areas::households.eq(a.households as i64),
                        residential_areas::kind.eq(a.kind.key()),
                        residential_areas::delivered.eq(a.delivered.map(to_time)),
                        residential_areas::pool.eq(a.pool.as_deref()),
                        residential_areas::geom.eq(to_pg(&a.geometry)),
                    )
                })
                .collect();
            for chunk in rows.chunks(BATCH) {
                diesel::insert_into(residential_areas::table)
                    .values(chunk)
                    .execute(conn)?;
            }
            progress("residential_areas", rows.len());
            let rows: Vec<_> = dataset
                .facilities
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    (
                        facilities::dataset_id.eq(id),
                        facilities::ord.eq(i as i32),
                        facilities::id.eq(&f.id),
                        facilities::name.eq(&f.name),
                        facilities::tier.eq(f.tier.key()),
                        facilities::floor_area_m2.eq(f.floor_area_m2),
                        facilities::beds.eq(f.beds.map(|n| n as i64)),
                        facilities::nursing_beds.eq(f.nursing_beds.map(|n| n as i64)),
                        facilities::status.eq(f.status.key()),
                        facilities::handed_over.eq(f.handed_over.map(to_time)),
                        facilities::serves.eq(&f.serves),
                        facilities::meal_service.eq(f.meal_service),
                        facilities::geom.eq(to_pg(&f.geometry)),
                    )
                })
                .collect();
            for chunk in rows.chunks(BATCH) {
                diesel::insert_into(facilities::table).values(chunk).execute(conn)?;
            }
            progress("facilities", rows.len());
            let rows: Vec<_> = dataset
                .roads
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    (
                        roads::dataset_id.eq(id),
                        roads::ord.eq(i as i32),
                        roads::walkable.eq(r.walkable),
                        roads::geom.eq(to_pg(&Geometry::MultiLineString(r.geometry.clone()))),
                    )
                })
                .collect();
            for chunk in rows.chunks(BATCH) {
                diesel::insert_into(roads::table).values(chunk).execute(conn)?;
            }
            progress("roads", rows.len());
            let rows: Vec<_> = dataset
                .candidates
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    (
                        candidate_sites::dataset_id.eq(id),
                        candidate_sites::ord.eq(i as i32),
                        candidate_sites::id.eq(&c.id),
                        candidate_sites::name.eq(&c.name),
                        candidate_sites::floor_area_m2.eq(c.floor_area_m2),
                        candidate_sites::geom.eq(to_pg(&c.geometry)),
                    )
                })
                .collect();
            for chunk in rows.chunks(BATCH) {
                diesel::insert_into(candidate_sites::table)
                    .values(chunk)
                    .execute(conn)?;
            }
            progress("candidates", rows.len());
            Ok(())
        })
        .map_err(backend)
    }

    /// The dataset's description (dataset.toml's), for export.
    pub fn description(&self, name: &str) -> Result<String, StoreError> {
        let mut conn = self.conn()?;
        datasets::table
            .filter(datasets::name.eq(name))
            .select(datasets::description)
            .first(&mut conn)
            .optional()
            .map_err(backend)?
            .ok_or_else(|| StoreError::NoDataset(name.to_string()))
    }

    fn read_dataset(&self, conn: &mut PgConnection, name: &str) -> Result<(time::OffsetDateTime, Dataset), StoreError> {
        type Head = (i32, String, String, time::Date, time::OffsetDateTime);
        let (id, title, crs, as_of, imported): Head = datasets::table
            .filter(datasets::name.eq(name))
            .select((
                datasets::id,
                datasets::title,
                datasets::source_crs,
                datasets::as_of,
                datasets::imported_at,
            ))
            .first(conn)
            .optional()
            .map_err(backend)?
            .ok_or_else(|| StoreError::NoDataset(name.to_string()))?;
        let bad = |what: &str, value: &str| {
            StoreError::Backend(format!("stored {what} \"{value}\" is not one carecircle knows"))
        };

        type UnitRow = (
            String,
            String,
            String,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<bool>,
            Geom,
        );
        let units: Vec<UnitRow> = admin_units::table
            .filter(admin_units::dataset_id.eq(id))
            .order(admin_units::ord)
            .select((
                admin_units::code,
                admin_units::name,
                admin_units::level,
                admin_units::parent,
                admin_units::population,
                admin_units::elderly,
                admin_units::households,
                admin_units::central,
                admin_units::geom,
            ))
            .load(conn)
            .map_err(backend)?;
        let mut admin = Vec::with_capacity(units.len());
        for (code, name, level, parent, population, elderly, households, central, geom) in units {
            let boundary = match from_pg(&geom) {
                Geometry::MultiPolygon(mp) => mp,
                Geometry::Polygon(p) => geo::MultiPolygon(vec![p]),
                _ => return Err(bad("admin unit geometry of", &code)),
            };
            admin.push(AdminUnit {
                level: Level::parse(&level).ok_or_else(|| bad("level", &level))?,
                code,
                name,
                parent,
                population: population.map(|n| n as u64),
                elderly: elderly.map(|n| n as u64),
                households: households.map(|n| n as u64),
                central,
                boundary,
            });
        }

        type AreaRow = (String, String, i64, String, Option<time::Date>, Option<String>, Geom);
        let rows: Vec<AreaRow> = residential_areas::table
            .filter(residential_areas::dataset_id.eq(id))
            .order(residential_areas::ord)
            .select((
                residential_areas::id,
                residential_areas::name,
                residential_areas::households,
                residential_areas::kind,
                residential_areas::delivered,
                residential_areas::pool,
                residential_areas::geom,
            ))
            .load(conn)
            .map_err(backend)?;
        let mut areas = Vec::with_capacity(rows.len());
        for (id, name, households, kind, delivered, pool, geom) in rows {
            let geometry = from_pg(&geom);
            areas.push(ResidentialArea {
                location: crate::load::representative(&geometry).ok_or_else(|| bad("empty geometry of", &id))?,
                kind: AreaKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
                id,
                name,
                households: households as u64,
                delivered: delivered.map(from_time),
                pool,
                geometry,
            });
        }

        type FacilityRow = (
            String,
            String,
            String,
            f64,
            Option<i64>,
            Option<i64>,
            String,
            Option<time::Date>,
            Vec<String>,
            Option<bool>,
            Geom,
        );
        let rows: Vec<FacilityRow> = facilities::table
            .filter(facilities::dataset_id.eq(id))
            .order(facilities::ord)
            .select((
                facilities::id,
                facilities::name,
                facilities::tier,
                facilities::floor_area_m2,
                facilities::beds,
                facilities::nursing_beds,
                facilities::status,
                facilities::handed_over,
                facilities::serves,
                facilities::meal_service,
                facilities::geom,
            ))
            .load(conn)
            .map_err(backend)?;
        let mut facs = Vec::with_capacity(rows.len());
        for (id, name, tier, floor, beds, nursing, status, handed_over, serves, meal, geom) in rows {
            let geometry = from_pg(&geom);
            facs.push(Facility {
                location: crate::load::representative(&geometry).ok_or_else(|| bad("empty geometry of", &id))?,
                tier: Tier::parse(&tier).ok_or_else(|| bad("tier", &tier))?,
                status: Status::parse(&status).ok_or_else(|| bad("status", &status))?,
                id,
                name,
                floor_area_m2: floor,
                beds: beds.map(|n| n as u64),
                nursing_beds: nursing.map(|n| n as u64),
                handed_over: handed_over.map(from_time),
                serves,
                meal_service: meal,
                geometry,
            });
        }

        let rows: Vec<(bool, Geom)> = roads::table
            .filter(roads::dataset_id.eq(id))
            .order(roads::ord)
            .select((roads::walkable, roads::geom))
            .load(conn)
            .map_err(backend)?;
        let roads_in = rows
            .into_iter()
            .map(|(walkable, geom)| match from_pg(&geom) {
                Geometry::MultiLineString(ml) => Road { walkable, geometry: ml },
                Geometry::LineString(l) => Road {
                    walkable,
                    geometry: geo::MultiLineString(vec![l]),
                },
                _ => Road {
                    walkable,
                    geometry: geo::MultiLineString(vec![]),
                },
            })
            .collect();

        let rows: Vec<(String, String, Option<f64>, Geom)> = candidate_sites::table
            .filter(candidate_sites::dataset_id.eq(id))
            .order(candidate_sites::ord)
            .select((
                candidate_sites::id,
                candidate_sites::name,
                candidate_sites::floor_area_m2,
                candidate_sites::geom,
            ))
            .load(conn)
            .map_err(backend)?;
        let mut candidates = Vec::with_capacity(rows.len());
        for (id, name, floor_area_m2, geom) in rows {
            let geometry = from_pg(&geom);
            candidates.push(Candidate {
                location: crate::load::representative(&geometry).ok_or_else(|| bad("empty geometry of", &id))?,
                id,
                name,
                floor_area_m2,
                geometry,
            });
        }
        let source_crs = crate::crs::Crs::parse(&crs).map_err(|_| bad("CRS", &crs))?;
        Ok((
            imported,
            Dataset {
                name: title,
                source_crs,
                as_of: from_time(as_of),
                admin_units: admin,
                residential_areas: areas,
                facilities: facs,
                roads: roads_in,
                candidates,
            },
        ))
    }

    fn rebuild_run(&self, conn: &mut PgConnection, row: RunRow) -> Result<Run, StoreError> {
        let (id, dataset_name, mode, as_of, by_level, rulesets_json, created) = row;
        let mode = Mode::parse(&mode).ok_or_else(|| StoreError::Backend(format!("stored mode \"{mode}\"")))?;
        let mut rulesets = Vec::new();
        for r in rulesets_json.as_array().into_iter().flatten() {
            let text = r["text"].as_str().unwrap_or_default();
            let file = r["id"].as_str().unwrap_or("stored ruleset");
            rulesets.push(parse_ruleset(file, text).map_err(backend)?);
        }
        let (_, dataset) = self.read_dataset(conn, &dataset_name)?;
        let day = from_time(as_of);
        let dataset = if day < dataset.as_of {
            dataset.as_it_stood_on(day)
        } else {
            dataset
        };
        let report = engine::judge(&dataset, &rulesets, mode);
        let ledger: Option<Ledger> = by_level
            .as_deref()
            .and_then(Level::parse)
            .map(|level| engine::ledger(&dataset, &report, level));
        Ok(Run {
            id: id as u64,
            dataset_name,
            dataset: Arc::new(dataset),
            mode,
            rulesets,
            report,
            ledger,
            created: super::rfc3339(created.unix_timestamp()),
        })
    }
}

type RunRow = (
    i64,
    String,
    String,
    time::Date,
    Option<String>,
    serde_json::Value,
    time::OffsetDateTime,
);

fn to_time(d: crate::model::Date) -> time::Date {
    let (y, m, day) = d.ymd();
    time::Month::try_from(m as u8)
        .ok()
        .and_then(|month| time::Date::from_calendar_date(y, month, day as u8).ok())
        .unwrap_or(time::Date::MIN)
}

fn from_time(d: time::Date) -> crate::model::Date {
    crate::model::Date::from_ymd(d.year(), u8::from(d.month()) as u32, u32::from(d.day())).unwrap_or_default()
}

impl Store for PostgisStore {
    fn kind(&self) -> &'static str {
        "postgis"
    }

    fn dataset_names(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        datasets::table
            .order(datasets::name)
            .select(datasets::name)
            .load(&mut conn)
            .map_err(backend)
    }

    fn dataset(&self, name: &str) -> Result<Arc<Dataset>, StoreError> {
        let mut conn = self.conn()?;
        let imported: time::OffsetDateTime = datasets::table
            .filter(datasets::name.eq(name))
            .select(datasets::imported_at)
            .first(&mut conn)
            .optional()
            .map_err(backend)?
            .ok_or_else(|| StoreError::NoDataset(name.to_string()))?;
        if let Some((at, d)) = self.cache.read().map_err(backend_poison)?.get(name) {
            if *at == imported {
                return Ok(Arc::clone(d));
            }
        }
        let (at, dataset) = self.read_dataset(&mut conn, name)?;
        let dataset = Arc::new(dataset);
        self.cache
            .write()
            .map_err(backend_poison)?
            .insert(name.to_string(), (at, Arc::clone(&dataset)));
        Ok(dataset)
    }

    fn save_run(&self, new: NewRun) -> Result<Arc<Run>, StoreError> {
        let mut conn = self.conn()?;
        let rulesets_json = serde_json::Value::Array(
            new.rulesets
                .iter()
                .map(|r| serde_json::json!({"id": r.id, "sha256": r.sha256, "text": r.text}))
                .collect(),
        );
        let by_level = new.ledger.as_ref().map(|l| match l.depth {
            0 => "district",
            1 => "street",
            _ => "community",
        });
        let (id, created): (i64, time::OffsetDateTime) = conn
            .transaction::<_, diesel::result::Error, _>(|conn| {
                let (id, created) = diesel::insert_into(check_runs::table)
                    .values((
                        check_runs::dataset_name.eq(&new.dataset_name),
                        check_runs::mode.eq(new.mode.key()),
                        check_runs::as_of.eq(to_time(new.dataset.as_of)),
                        check_runs::by_level.eq(by_level),
                        check_runs::rulesets.eq(&rulesets_json),
                    ))
                    .returning((check_runs::id, check_runs::created))
                    .get_result(conn)?;
                let rows: Vec<_> = new
                    .report
                    .findings
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        (
                            findings::run_id.eq(id),
                            findings::ord.eq(i as i32),
                            findings::rule.eq(&f.rule),
                            findings::severity.eq(f.severity.key()),
                            findings::layer.eq(f.layer.key()),
                            findings::subject_id.eq(&f.id),
                            findings::name.eq(&f.name),
                            findings::measured.eq(f.measured),
                            findings::required.eq(f.required),
                            findings::unit.eq(f.unit.key()),
                            findings::message.eq(&f.message),
                            findings::facilities.eq(&f.facilities),
                            findings::geom.eq(to_pg(&f.geometry)),
                        )
                    })
                    .collect();
                for chunk in rows.chunks(BATCH / 2) {
                    diesel::insert_into(findings::table).values(chunk).execute(conn)?;
                }
                Ok((id, created))
            })
            .map_err(backend)?;
        let run = Arc::new(new.kept(id as u64, super::rfc3339(created.unix_timestamp())));
        self.runs
            .write()
            .map_err(backend_poison)?
            .insert(run.id, Arc::clone(&run));
        Ok(run)
    }

    fn runs(&self) -> Result<Vec<Arc<Run>>, StoreError> {
        let ids: Vec<i64> = {
            let mut conn = self.conn()?;
            check_runs::table
                .order(check_runs::id)
                .select(check_runs::id)
                .load(&mut conn)
                .map_err(backend)?
        };
        ids.into_iter().map(|id| self.run(id as u64)).collect()
    }

    fn run(&self, id: u64) -> Result<Arc<Run>, StoreError> {
        if let Some(run) = self.runs.read().map_err(backend_poison)?.get(&id) {
            return Ok(Arc::clone(run));
        }
        let mut conn = self.conn()?;
        let row: RunRow = check_runs::table
            .filter(check_runs::id.eq(id as i64))
            .select((
                check_runs::id,
                check_runs::dataset_name,
                check_runs::mode,
                check_runs::as_of,
                check_runs::by_level,
                check_runs::rulesets,
                check_runs::created,
            ))
            .first(&mut conn)
            .optional()
            .map_err(backend)?
            .ok_or(StoreError::NoRun(id))?;
        let run = Arc::new(self.rebuild_run(&mut conn, row)?);
        self.runs.write().map_err(backend_poison)?.insert(id, Arc::clone(&run));
        Ok(run)
    }
}

fn backend_poison<T>(_: T) -> StoreError {
    StoreError::Backend("store cache poisoned".into())
}
