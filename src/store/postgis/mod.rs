//! The PostGIS store: datasets and check runs in PostgreSQL/PostGIS through diesel and an r2d2 pool.
//!
//! Storage has its own row types and converts to and from the domain's. Geometries are WGS84 (SRID 4326)
//! and keep every bit of their coordinates, so `db export` gives back exactly what `db import` took in.
//! Importing a name again adds a version; a kept run points at the version it judged, which stays while
//! any run points at it. A run is kept as its files (`run_files`, byte for byte as made) with its
//! findings as rows (`findings`, for SQL and GIS clients): reading it back judges nothing.

mod geometry;
mod rows;
mod schema;

use super::{KeptEdit, NewEdit, NewRun, RunSummary, Store, StoreError};
use crate::accounts::Account;
use crate::check::Source;
use crate::fields::{ADMIN_UNIT_FIELDS, CANDIDATE_FIELDS, FACILITY_FIELDS, RESIDENTIAL_AREA_FIELDS, ROAD_FIELDS};
use crate::model::*;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use geo::Geometry;
use postgis_diesel::types::{GeometryContainer, Point as PgPoint};
use schema::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The oldest server and PostGIS the store runs on.
const MIN_SERVER_VERSION_NUM: i32 = 130_000;
const MIN_POSTGIS_MAJOR: u32 = 3;

type PgPool = Pool<ConnectionManager<PgConnection>>;
type Geom = GeometryContainer<PgPoint>;

pub struct PostgisStore {
    pool: PgPool,
    /// Datasets read from the database, by name, with the row id of the version read.
    cache: RwLock<HashMap<String, (i32, Source)>>,
    /// One connection of its own holding the shared advisory locks that pin the versions being judged.
    pins: Arc<Mutex<Pins>>,
}

/// The advisory-lock class (the first key) of a dataset version's pin; the second key is the version's
/// row id. `prune_versions.sql` spells the same number.
const PIN_CLASS: i32 = 1_667_330_661;
/// The class of the lock one import of a name takes, so that two imports of it run one after the other.
const IMPORT_CLASS: i32 = 1_667_330_662;

/// The class of the lock an append to the audit trail takes, so that appends chain one after the other.
const AUDIT_CLASS: i32 = 1_667_330_663;

/// Runs `work` in a transaction holding the schema lock (`schema_lock.sql`): creating PostGIS and running
/// the migrations happen one connection at a time.
fn with_schema_lock<T>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.transaction::<_, StoreError, _>(|conn| {
        diesel::sql_query(include_str!("schema_lock.sql")).execute(conn)?;
        work(conn)
    })
}

/// The connection holding the pins, opened when first needed and again after it failed.
struct Pins {
    url: String,
    conn: Option<PgConnection>,
}

/// A version pinned while a check judges it: an import's pruning skips it until the pin is dropped.
struct Pin {
    pins: Arc<Mutex<Pins>>,
    id: i32,
}

impl Drop for Pin {
    fn drop(&mut self) {
        let mut pins = self.pins.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(conn) = pins.conn.as_mut() {
            let unlocked = diesel::sql_query(include_str!("unpin.sql"))
                .bind::<diesel::sql_types::Int4, _>(PIN_CLASS)
                .bind::<diesel::sql_types::Int4, _>(self.id)
                .execute(conn);
            // A connection that cannot unlock has lost its locks with its session: open a new one next time.
            if unlocked.is_err() {
                pins.conn = None;
            }
        }
    }
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> StoreError {
        backend(e)
    }
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
        let mismatches = rows::schema_mismatches(&mut conn).map_err(backend)?;
        if !mismatches.is_empty() {
            return Err(StoreError::Backend(format!(
                "the database's tables do not match this carecircle's layers ({}): is it a database of another \
                 carecircle version?",
                mismatches.join("; ")
            )));
        }
        Ok(store)
    }

    /// Connects and checks versions, without looking at the schema (for `db migrate`).
    pub fn connect_unchecked(url: &str) -> Result<PostgisStore, StoreError> {
        let cannot = |e: &dyn std::fmt::Display| {
            // The URL may hold a password: never print it, nor let an error message echo it.
            let reason = e.to_string().replace(url, &redact(url));
            StoreError::Backend(format!("cannot connect to the database {}: {reason}", redact(url)))
        };
        // One direct attempt first, so a wrong URL, a refused port or a missing database fails at once with
        // its reason rather than after the pool's time-out.
        PgConnection::establish(url).map_err(|e| cannot(&e))?;
        let manager = ConnectionManager::<PgConnection>::new(url);
        let pool = Pool::builder()
            .max_size(8)
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(manager)
            .map_err(|e| cannot(&e))?;
        let store = PostgisStore {
            pool,
            cache: RwLock::new(HashMap::new()),
            pins: Arc::new(Mutex::new(Pins {
                url: url.to_string(),
                conn: None,
            })),
        };
        store.check_versions()?;
        Ok(store)
    }

    fn conn(&self) -> Result<PooledConnection<ConnectionManager<PgConnection>>, StoreError> {
        self.pool
            .get()
            .map_err(|e| StoreError::Backend(format!("cannot connect to the database: {e}")))
    }

    /// Pins version `id` (a shared advisory lock on the pins' own connection) until the pin is dropped.
    fn pin(&self, id: i32) -> Result<Pin, StoreError> {
        let mut pins = self.pins.lock().unwrap_or_else(|e| e.into_inner());
        if pins.conn.is_none() {
            let url = pins.url.clone();
            pins.conn = Some(PgConnection::establish(&url).map_err(|e| {
                StoreError::Backend(format!(
                    "cannot connect to the database: {}",
                    e.to_string().replace(&url, &redact(&url))
                ))
            })?);
        }
        let locked = pins.conn.as_mut().map(|conn| {
            diesel::sql_query(include_str!("pin.sql"))
                .bind::<diesel::sql_types::Int4, _>(PIN_CLASS)
                .bind::<diesel::sql_types::Int4, _>(id)
                .execute(conn)
        });
        match locked {
            Some(Ok(_)) => Ok(Pin {
                pins: Arc::clone(&self.pins),
                id,
            }),
            Some(Err(e)) => {
                pins.conn = None;
                Err(backend(e))
            }
            None => Err(StoreError::Backend("no connection for the version pins".into())),
        }
    }

    fn check_versions(&self) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        // PostGIS may not be installed in this database yet: create it (needs a superuser, or trust).
        with_schema_lock(&mut conn, |conn| {
            diesel::sql_query(include_str!("create_postgis.sql"))
                .execute(conn)
                .map_err(|e| StoreError::Backend(format!("PostGIS is not available in this database: {e}")))
        })?;
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

    /// The audit trail's rows, oldest first: each entry with the `prev` and the line hash it noted.
    #[allow(clippy::type_complexity)]
    fn audit_rows(&self) -> Result<Vec<(crate::audit::Entry, String, String)>, StoreError> {
        let mut conn = self.conn()?;
        type Row = (
            String,
            String,
            String,
            Option<String>,
            Option<i64>,
            i32,
            String,
            String,
            String,
        );
        let rows: Vec<Row> = audit_log::table
            .order(audit_log::id)
            .select((
                audit_log::at,
                audit_log::who,
                audit_log::action,
                audit_log::dataset,
                audit_log::run,
                audit_log::status,
                audit_log::client,
                audit_log::prev,
                audit_log::line_sha256,
            ))
            .load(&mut conn)?;
        Ok(rows
            .into_iter()
            .map(|(at, who, action, dataset, run, status, client, prev, noted)| {
                let entry = crate::audit::Entry {
                    at,
                    who,
                    action,
                    dataset,
                    run: run.map(|r| r as u64),
                    status: status as u16,
                    client,
                };
                (entry, prev, noted)
            })
            .collect())
    }

    /// Applies the pending migrations; returns how many.
    pub fn migrate(&self) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        with_schema_lock(&mut conn, |conn| {
            let applied = conn.run_pending_migrations(MIGRATIONS).map_err(backend)?;
            Ok(applied.len())
        })
    }

    /// Imports `dataset` under `name` in one transaction, all or nothing, as the name's next version;
    /// earlier versions no kept run points at are removed. Returns the version. `progress` is told each
    /// layer's name and row count as it goes.
    pub fn import(
        &self,
        name: &str,
        dataset: &Dataset,
        description: &str,
        progress: &dyn Fn(&str, usize),
    ) -> Result<u32, StoreError> {
        let digest = crate::digest::dataset_digest(dataset);
        let mut conn = self.conn()?;
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            // Two imports of one name, from this process or another, run one after the other: the second
            // waits here and then numbers its version after the first's.
            lock_name(conn, name)?;
            let version = newest_version(conn, name)?.unwrap_or(0) + 1;
            let id = insert_version(conn, name, version, dataset, description, &digest, progress)?;
            prune(conn, name, id)?;
            Ok(version as u32)
        })
        .map_err(backend)
    }

    /// Version `version` of dataset `name` as it was imported (any version still kept, not only the
    /// newest), read in one snapshot.
    pub fn dataset_version(&self, name: &str, version: u32) -> Result<Source, StoreError> {
        let mut conn = self.conn()?;
        let no = || StoreError::NoDataset(format!("{name} version {version}"));
        let id: i32 = datasets::table
            .filter(datasets::name.eq(name))
            .filter(datasets::version.eq(version as i32))
            .select(datasets::id)
            .first(&mut conn)
            .optional()?
            .ok_or_else(no)?;
        let (version, digest, dataset) = self.read_version(&mut conn, id)?.ok_or_else(no)?;
        let digest = digest.unwrap_or_else(|| crate::digest::dataset_digest(&dataset));
        Ok(Source::kept(name, Arc::new(dataset), digest, version as u32))
    }

    /// The dataset's description (dataset.toml's), for export.
    pub fn description(&self, name: &str) -> Result<String, StoreError> {
        let mut conn = self.conn()?;
        datasets::table
            .filter(datasets::name.eq(name))
            .order(datasets::version.desc())
            .select(datasets::description)
            .first(&mut conn)
            .optional()
            .map_err(backend)?
            .ok_or_else(|| StoreError::NoDataset(name.to_string()))
    }

    /// The newest version of `name`: its row id, version, stored digest and content.
    /// Version `id` of a dataset, every layer read in one snapshot (REPEATABLE READ, read only), so an
    /// import or a prune running meanwhile cannot show it half; `None` when the version is gone.
    fn read_version(
        &self,
        conn: &mut PgConnection,
        id: i32,
    ) -> Result<Option<(i32, Option<String>, Dataset)>, StoreError> {
        conn.build_transaction()
            .repeatable_read()
            .read_only()
            .run(|conn| self.read_version_rows(conn, id))
    }

    fn read_version_rows(
        &self,
        conn: &mut PgConnection,
        id: i32,
    ) -> Result<Option<(i32, Option<String>, Dataset)>, StoreError> {
        type Head = (i32, String, String, time::Date, i32, Option<String>);
        let Some((id, title, crs, as_of, version, digest)): Option<Head> = datasets::table
            .filter(datasets::id.eq(id))
            .select((
                datasets::id,
                datasets::title,
                datasets::source_crs,
                datasets::as_of,
                datasets::version,
                datasets::digest,
            ))
            .first(conn)
            .optional()
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let bad = |what: &str, value: &str| {
            StoreError::Backend(format!("stored {what} \"{value}\" is not one carecircle knows"))
        };
        let source_crs = crate::crs::Crs::parse(&crs).map_err(|_| bad("CRS", &crs))?;
        let mut layers = rows::read_layers(conn, id).map_err(backend)?;
        let header = crate::load::Header {
            name: title,
            crs: source_crs,
            as_of: from_time(as_of),
        };
        // Stored geometries are WGS84 already: converted by nothing, checked as a folder's are.
        let wgs84 = crate::crs::Converter::new(crate::crs::Crs::Wgs84).map_err(backend)?;
        let (dataset, _) = crate::load::convert_layers(Some(header), Some(&wgs84), &mut layers, Vec::new())
            .map_err(|p| StoreError::Backend(format!("stored dataset version {version} does not load: {p}")))?;
        Ok(Some((version, digest, dataset)))
    }
}

/// Takes the lock one import or edit of `name` holds until its transaction ends: writes of one name
/// run one after the other.
fn lock_name(conn: &mut PgConnection, name: &str) -> diesel::QueryResult<()> {
    diesel::sql_query(include_str!("import_lock.sql"))
        .bind::<diesel::sql_types::Int4, _>(IMPORT_CLASS)
        .bind::<diesel::sql_types::Text, _>(name)
        .execute(conn)
        .map(|_| ())
}

/// The newest version of `name`, if any.
fn newest_version(conn: &mut PgConnection, name: &str) -> diesel::QueryResult<Option<i32>> {
    datasets::table
        .filter(datasets::name.eq(name))
        .select(diesel::dsl::max(datasets::version))
        .first(conn)
}

/// Removes the earlier versions of `name` no kept run points at and no check is judging.
fn prune(conn: &mut PgConnection, name: &str, id: i32) -> diesel::QueryResult<()> {
    diesel::sql_query(include_str!("prune_versions.sql"))
        .bind::<diesel::sql_types::Text, _>(name)
        .bind::<diesel::sql_types::Int4, _>(id)
        .execute(conn)
        .map(|_| ())
}

/// Writes `dataset` as version `version` of `name`, every layer's rows; returns the version's row id.
fn insert_version(
    conn: &mut PgConnection,
    name: &str,
    version: i32,
    dataset: &Dataset,
    description: &str,
    digest: &str,
    progress: &dyn Fn(&str, usize),
) -> diesel::QueryResult<i32> {
    let id = insert_head(conn, name, version, dataset, description, digest)?;
    for (layer, _) in rows::LAYER_TABLES {
        let rows = insert_layer_of(conn, layer, id, dataset)?;
        progress(layer, rows);
    }
    Ok(id)
}

/// Writes `layer` of `dataset` as rows of version row `id`: how many.
fn insert_layer_of(conn: &mut PgConnection, layer: &str, id: i32, dataset: &Dataset) -> diesel::QueryResult<usize> {
    match layer {
        "admin_units" => rows::insert_layer(conn, layer, id, &dataset.admin_units, ADMIN_UNIT_FIELDS, |u| {
            Geometry::MultiPolygon(u.boundary.clone())
        }),
        "residential_areas" => rows::insert_layer(
            conn,
            layer,
            id,
            &dataset.residential_areas,
            RESIDENTIAL_AREA_FIELDS,
            |a| (*a.geometry).clone(),
        ),
        "facilities" => rows::insert_layer(conn, layer, id, &dataset.facilities, FACILITY_FIELDS, |f| {
            (*f.geometry).clone()
        }),
        "roads" => rows::insert_layer(conn, layer, id, &dataset.roads, ROAD_FIELDS, |r| {
            Geometry::MultiLineString(r.geometry.clone())
        }),
        _ => rows::insert_layer(conn, layer, id, &dataset.candidates, CANDIDATE_FIELDS, |c| {
            (*c.geometry).clone()
        }),
    }
}

/// Writes the dataset an edit made as version `version` of `name`: the edited layer's rows written anew,
/// every other layer's copied from version row `base` inside the database. Returns the version's row id.
fn insert_edited_version(
    conn: &mut PgConnection,
    name: &str,
    version: i32,
    applied: &crate::edit::Applied,
    description: &str,
    digest: &str,
    base: i32,
) -> diesel::QueryResult<i32> {
    let dataset = &applied.dataset;
    let id = insert_head(conn, name, version, dataset, description, digest)?;
    for (layer, table) in rows::LAYER_TABLES {
        if layer != applied.layer {
            diesel::sql_query(include_str!("copy_layer.sql"))
                .bind::<diesel::sql_types::Text, _>(table)
                .bind::<diesel::sql_types::Int4, _>(base)
                .bind::<diesel::sql_types::Int4, _>(id)
                .execute(conn)?;
            continue;
        }
        insert_layer_of(conn, layer, id, dataset)?;
    }
    Ok(id)
}

/// The `datasets` row of version `version` of `name`; its row id.
fn insert_head(
    conn: &mut PgConnection,
    name: &str,
    version: i32,
    dataset: &Dataset,
    description: &str,
    digest: &str,
) -> diesel::QueryResult<i32> {
    diesel::insert_into(datasets::table)
        .values((
            datasets::name.eq(name),
            datasets::version.eq(version),
            datasets::digest.eq(digest),
            datasets::title.eq(&dataset.name),
            datasets::source_crs.eq(dataset.source_crs.to_string()),
            datasets::as_of.eq(to_time(dataset.as_of)),
            datasets::description.eq(description),
        ))
        .returning(datasets::id)
        .get_result(conn)
}

#[derive(diesel::QueryableByName)]
struct EditRow {
    #[diesel(sql_type = diesel::sql_types::Int4)]
    version: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    at: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    by_who: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    layer: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    feature_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    op: String,
    #[diesel(sql_type = diesel::sql_types::Int4)]
    position: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    before: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    after: Option<String>,
}

impl EditRow {
    fn kept(self) -> Result<KeptEdit, StoreError> {
        let json = |t: Option<String>| -> Result<Option<serde_json::Value>, StoreError> {
            t.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Backend(format!("a kept edit's feature: {e}"))))
                .transpose()
        };
        Ok(KeptEdit {
            version: self.version as u32,
            at: self.at,
            by: self.by_who,
            layer: self.layer,
            feature_id: self.feature_id,
            op: self.op,
            position: self.position as usize,
            before: json(self.before)?,
            after: json(self.after)?,
        })
    }
}

#[derive(diesel::QueryableByName)]
struct At {
    #[diesel(sql_type = diesel::sql_types::Text)]
    at: String,
}

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

/// An account as its row holds it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = accounts, check_for_backend(diesel::pg::Pg))]
struct AccountRow {
    name: String,
    role: String,
    scope: Vec<String>,
    disabled: bool,
    token_sha256: Option<String>,
}

impl AccountRow {
    fn account(self) -> Result<Account, StoreError> {
        let role = crate::accounts::Role::parse(&self.role).ok_or_else(|| {
            StoreError::Backend(format!(
                "account \"{}\" has an unknown role \"{}\"",
                self.name, self.role
            ))
        })?;
        let mut account = Account::new(&self.name, role, self.scope).map_err(|e| StoreError::Backend(e.to_string()))?;
        account.disabled = self.disabled;
        account.token_sha256 = self.token_sha256;
        Ok(account)
    }
}

/// The stored row of a run, for its summary.
#[derive(Queryable, Selectable)]
#[diesel(table_name = check_runs, check_for_backend(diesel::pg::Pg))]
struct RunRow {
    id: i64,
    dataset_name: String,
    mode: String,
    as_of: time::Date,
    rulesets: serde_json::Value,
    created: time::OffsetDateTime,
    summary: Option<serde_json::Value>,
}

/// A run's summary: as kept, or for a run kept before runs were records, what its columns say.
fn summary_of(row: RunRow) -> Result<RunSummary, StoreError> {
    let RunRow {
        id,
        dataset_name: dataset,
        mode,
        as_of,
        rulesets,
        created,
        summary,
    } = row;
    match summary {
        Some(s) => serde_json::from_value(s).map_err(|e| StoreError::Backend(format!("run {id}'s summary: {e}"))),
        None => Ok(RunSummary {
            id: id as u64,
            created: super::rfc3339(created.unix_timestamp()),
            dataset,
            dataset_version: None,
            dataset_digest: String::new(),
            as_of: from_time(as_of).to_string(),
            mode,
            rulesets: rulesets
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["id"].as_str().map(str::to_string))
                .collect(),
            rules: 0,
            failed_rules: 0,
            findings: 0,
            bbox: None,
            files: Vec::new(),
            not_in_force: Vec::new(),
        }),
    }
}

impl Store for PostgisStore {
    fn kind(&self) -> &'static str {
        "postgis"
    }

    fn keep_edit(&self, new: NewEdit) -> Result<(Source, KeptEdit), StoreError> {
        let digest = crate::digest::dataset_digest(&new.applied.dataset);
        let text = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
        let mut conn = self.conn()?;
        let outcome = conn.transaction::<_, StoreError, _>(|conn| {
            lock_name(conn, new.dataset)?;
            let Some(now) = newest_version(conn, new.dataset)? else {
                return Err(StoreError::NoDataset(new.dataset.to_string()));
            };
            if Some(now as u32) != new.base {
                return Err(StoreError::Stale {
                    dataset: new.dataset.to_string(),
                    now: now as u32,
                });
            }
            let description: String = datasets::table
                .filter(datasets::name.eq(new.dataset))
                .filter(datasets::version.eq(now))
                .select(datasets::description)
                .first(conn)?;
            let version = now + 1;
            let base: i32 = datasets::table
                .filter(datasets::name.eq(new.dataset))
                .filter(datasets::version.eq(now))
                .select(datasets::id)
                .first(conn)?;
            let id = insert_edited_version(conn, new.dataset, version, &new.applied, &description, &digest, base)?;
            let at: At = diesel::sql_query(include_str!("insert_edit.sql"))
                .bind::<diesel::sql_types::Text, _>(new.dataset)
                .bind::<diesel::sql_types::Int4, _>(version)
                .bind::<diesel::sql_types::Text, _>(new.by)
                .bind::<diesel::sql_types::Text, _>(&new.applied.layer)
                .bind::<diesel::sql_types::Text, _>(&new.applied.feature_id)
                .bind::<diesel::sql_types::Text, _>(new.applied.op.key())
                .bind::<diesel::sql_types::Int4, _>(new.applied.position as i32)
                .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(text(&new.applied.before))
                .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(text(&new.applied.after))
                .get_result(conn)?;
            prune(conn, new.dataset, id)?;
            Ok((id, version as u32, at.at))
        });
        let (id, version, at) = outcome.map_err(|e| e.or_full("the edit"))?;
        let kept = KeptEdit::new(&new.applied, version, new.by, at);
        let mut source = Source::kept(new.dataset, Arc::new(new.applied.dataset), digest, version);
        // The new version is the newest: judged and served from memory, pinned as a read one is.
        if let Ok(pin) = self.pin(id) {
            source = source.held(Arc::new(pin));
            self.cache
                .write()
                .map_err(backend_poison)?
                .insert(new.dataset.to_string(), (id, source.clone()));
        }
        Ok((source, kept))
    }

    fn edits(&self, name: &str) -> Result<Vec<KeptEdit>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<EditRow> = diesel::sql_query(include_str!("edits.sql"))
            .bind::<diesel::sql_types::Text, _>(name)
            .load(&mut conn)?;
        rows.into_iter().map(EditRow::kept).collect()
    }

    fn dataset_at(&self, name: &str, version: u32) -> Result<Source, StoreError> {
        // A version still in the tables is read as it was written; one pruned is made again from the
        // newest by undoing the edits after it.
        match self.dataset_version(name, version) {
            Err(StoreError::NoDataset(_)) => super::undo_to(&self.dataset(name)?, &self.edits(name)?, version),
            other => other,
        }
    }

    fn dataset_names(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        datasets::table
            .order(datasets::name)
            .select(datasets::name)
            .distinct()
            .load(&mut conn)
            .map_err(backend)
    }

    fn dataset(&self, name: &str) -> Result<Source, StoreError> {
        let mut conn = self.conn()?;
        // An import may remove the version found newest before it is pinned: then look again.
        for _ in 0..3 {
            let newest: i32 = datasets::table
                .filter(datasets::name.eq(name))
                .order(datasets::version.desc())
                .select(datasets::id)
                .first(&mut conn)
                .optional()
                .map_err(backend)?
                .ok_or_else(|| StoreError::NoDataset(name.to_string()))?;
            if let Some((id, source)) = self.cache.read().map_err(backend_poison)?.get(name) {
                if *id == newest {
                    return Ok(source.clone());
                }
            }
            // Pinned before it is read, so no import's pruning removes it while it is judged and kept.
            let pin = self.pin(newest)?;
            let Some((version, digest, dataset)) = self.read_version(&mut conn, newest)? else {
                continue;
            };
            let digest = match digest {
                Some(d) => d,
                None => {
                    // Imported before datasets had digests: compute it once and keep it.
                    let d = crate::digest::dataset_digest(&dataset);
                    diesel::update(datasets::table.filter(datasets::id.eq(newest)))
                        .set(datasets::digest.eq(&d))
                        .execute(&mut conn)
                        .map_err(backend)?;
                    d
                }
            };
            let source = Source::kept(name, Arc::new(dataset), digest, version as u32).held(Arc::new(pin));
            self.cache
                .write()
                .map_err(backend_poison)?
                .insert(name.to_string(), (newest, source.clone()));
            return Ok(source);
        }
        Err(StoreError::Backend(format!(
            "dataset \"{name}\" was imported again three times while being read: try again"
        )))
    }

    fn next_run_id(&self) -> Result<u64, StoreError> {
        #[derive(diesel::QueryableByName)]
        struct Next {
            #[diesel(sql_type = diesel::sql_types::Int8)]
            id: i64,
        }
        let mut conn = self.conn()?;
        let next: Next = diesel::sql_query(include_str!("next_run_id.sql"))
            .get_result(&mut conn)
            .map_err(backend)?;
        Ok(next.id as u64)
    }

    fn keep_run(&self, new: NewRun) -> Result<(), StoreError> {
        let judged = new.judged;
        let id = new.summary.id as i64;
        let rulesets_json = serde_json::Value::Array(
            judged
                .request
                .rulesets
                .iter()
                .map(|r| serde_json::json!({"id": r.id, "sha256": r.sha256, "text": r.text}))
                .collect(),
        );
        let summary = serde_json::to_value(&new.summary).map_err(backend)?;
        let mut conn = self.conn()?;
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            let dataset_id: Option<i32> = match judged.source.version {
                Some(v) => datasets::table
                    .filter(datasets::name.eq(&judged.source.name))
                    .filter(datasets::version.eq(v as i32))
                    .select(datasets::id)
                    .first(conn)
                    .optional()?,
                None => None,
            };
            diesel::insert_into(check_runs::table)
                .values((
                    check_runs::id.eq(id),
                    check_runs::dataset_name.eq(&judged.source.name),
                    check_runs::mode.eq(judged.request.mode.key()),
                    check_runs::as_of.eq(to_time(judged.dataset.as_of)),
                    check_runs::by_level.eq(judged.request.by.map(|l| l.key())),
                    check_runs::rulesets.eq(&rulesets_json),
                    check_runs::dataset_id.eq(dataset_id),
                    check_runs::summary.eq(&summary),
                ))
                .execute(conn)?;
            rows::insert_findings(conn, id, &judged.report.findings)?;
            for (name, bytes) in &new.files {
                diesel::insert_into(run_files::table)
                    .values((
                        run_files::run_id.eq(id),
                        run_files::name.eq(*name),
                        run_files::bytes.eq(bytes),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
        .map_err(|e| backend(e).or_full(&format!("run {id}")))
    }

    fn runs(&self) -> Result<Vec<RunSummary>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<RunRow> = check_runs::table
            .order(check_runs::id)
            .select(RunRow::as_select())
            .load(&mut conn)
            .map_err(backend)?;
        rows.into_iter().map(summary_of).collect()
    }

    fn run(&self, id: u64) -> Result<RunSummary, StoreError> {
        let mut conn = self.conn()?;
        let row: RunRow = check_runs::table
            .filter(check_runs::id.eq(id as i64))
            .select(RunRow::as_select())
            .first(&mut conn)
            .optional()
            .map_err(backend)?
            .ok_or(StoreError::NoRun(id))?;
        summary_of(row)
    }

    fn records(&self) -> &dyn super::Records {
        self
    }

    fn run_file(&self, id: u64, name: &str) -> Result<Vec<u8>, StoreError> {
        let mut conn = self.conn()?;
        let bytes: Option<Vec<u8>> = run_files::table
            .filter(run_files::run_id.eq(id as i64))
            .filter(run_files::name.eq(name))
            .select(run_files::bytes)
            .first(&mut conn)
            .optional()
            .map_err(backend)?;
        match bytes {
            Some(b) => Ok(b),
            None => {
                let summary = self.run(id)?;
                Err(StoreError::NoFile {
                    id,
                    name: name.to_string(),
                    why: if summary.files.is_empty() {
                        " (it was kept by carecircle 0.1, before runs were kept as records: run the check again)"
                    } else {
                        ""
                    },
                })
            }
        }
    }
}

/// The URL with its password, if any, replaced by `***`: `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a postgres:// URL)".to_string();
    };
    match rest.rsplit_once('@') {
        Some((user_pass, host)) => {
            let user = user_pass.split_once(':').map_or(user_pass, |(u, _)| u);
            let hidden = if user_pass.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}")
        }
        None => format!("{scheme}://{rest}"),
    }
}

fn backend_poison<T>(_: T) -> StoreError {
    StoreError::Backend("store cache poisoned".into())
}

impl super::Records for PostgisStore {
    fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<AccountRow> = accounts::table
            .order(accounts::ord)
            .select(AccountRow::as_select())
            .load(&mut conn)?;
        rows.into_iter().map(AccountRow::account).collect()
    }

    fn save_account(&self, account: &Account, replace: bool) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let changed = if replace {
            diesel::update(accounts::table.filter(accounts::name.eq(&account.name)))
                .set((
                    accounts::role.eq(account.role.key()),
                    accounts::scope.eq(&account.scope),
                    accounts::disabled.eq(account.disabled),
                    accounts::token_sha256.eq(&account.token_sha256),
                ))
                .execute(&mut conn)?
        } else {
            diesel::insert_into(accounts::table)
                .values((
                    accounts::name.eq(&account.name),
                    accounts::role.eq(account.role.key()),
                    accounts::scope.eq(&account.scope),
                    accounts::disabled.eq(account.disabled),
                    accounts::token_sha256.eq(&account.token_sha256),
                ))
                .on_conflict_do_nothing()
                .execute(&mut conn)?
        };
        match (changed, replace) {
            (0, true) => Err(StoreError::NoAccount(account.name.clone())),
            (0, false) => Err(StoreError::AccountExists(account.name.clone())),
            _ => Ok(()),
        }
    }

    fn append_audit(&self, entry: &crate::audit::Entry) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            diesel::sql_query(include_str!("audit_lock.sql"))
                .bind::<diesel::sql_types::Int4, _>(AUDIT_CLASS)
                .execute(conn)?;
            let last: Option<String> = audit_log::table
                .order(audit_log::id.desc())
                .select(audit_log::line_sha256)
                .first(conn)
                .optional()?;
            let prev = last.unwrap_or_else(|| crate::audit::GENESIS.to_string());
            let line = entry.line(&prev);
            diesel::insert_into(audit_log::table)
                .values((
                    audit_log::at.eq(&entry.at),
                    audit_log::who.eq(&entry.who),
                    audit_log::action.eq(&entry.action),
                    audit_log::dataset.eq(&entry.dataset),
                    audit_log::run.eq(entry.run.map(|r| r as i64)),
                    audit_log::status.eq(i32::from(entry.status)),
                    audit_log::client.eq(&entry.client),
                    audit_log::prev.eq(&prev),
                    audit_log::line_sha256.eq(crate::audit::sha256(&line)),
                ))
                .execute(conn)?;
            Ok(())
        })
        .map_err(backend)
    }

    fn audit_entries(&self) -> Result<Vec<crate::audit::Entry>, StoreError> {
        Ok(self.audit_rows()?.into_iter().map(|(entry, _, _)| entry).collect())
    }

    fn verify_audit(&self) -> Result<usize, StoreError> {
        let rows = self.audit_rows()?;
        // Each row's line, rebuilt from its columns, must be the one whose hash it noted, and the chain whole.
        let lines: Vec<String> = rows.iter().map(|(entry, prev, _)| entry.line(prev)).collect();
        for (i, ((_, _, noted), line)) in rows.iter().zip(&lines).enumerate() {
            if crate::audit::sha256(line) != *noted {
                return Err(crate::audit::Broken {
                    line: i + 1,
                    why: "its columns are not what was appended (changed in the database)".into(),
                }
                .into());
            }
        }
        Ok(crate::audit::verify(lines.iter().map(String::as_str))?)
    }

    fn void_run(&self, void: &super::Void) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let added = diesel::insert_into(run_voids::table)
            .values((
                run_voids::run_id.eq(void.run as i64),
                run_voids::at.eq(&void.at),
                run_voids::by_who.eq(&void.by),
                run_voids::reason.eq(&void.reason),
            ))
            .on_conflict_do_nothing()
            .execute(&mut conn)?;
        if added == 1 {
            return Ok(());
        }
        let (at, by): (String, String) = run_voids::table
            .filter(run_voids::run_id.eq(void.run as i64))
            .select((run_voids::at, run_voids::by_who))
            .first(&mut conn)?;
        Err(StoreError::AlreadyVoided { run: void.run, at, by })
    }

    fn voids(&self) -> Result<Vec<super::Void>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<(i64, String, String, String)> = run_voids::table
            .order((run_voids::at, run_voids::run_id))
            .select((run_voids::run_id, run_voids::at, run_voids::by_who, run_voids::reason))
            .load(&mut conn)?;
        Ok(rows
            .into_iter()
            .map(|(run, at, by, reason)| super::Void {
                run: run as u64,
                at,
                by,
                reason,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_leave_the_url() {
        assert_eq!(
            redact("postgres://bob:s3cret@db:5432/cc"),
            "postgres://bob:***@db:5432/cc"
        );
        assert_eq!(redact("postgres://bob@db/cc"), "postgres://bob@db/cc");
        assert_eq!(redact("postgres://bob:p@ss@db/cc"), "postgres://bob:***@db/cc");
        assert_eq!(redact("bob:s3cret"), "(not a postgres:// URL)");
    }
}
