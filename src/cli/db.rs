//! `carecircle db`: the stores' datasets — apply PostGIS's schema, import a dataset folder, export any
//! version back, and the history of its edits (PostGIS, or an embedded state directory beside its
//! folder).

use super::{load_with_progress, EXIT_BAD_INPUT};
use carecircle::store::postgis::PostgisStore;
use carecircle::store::Store;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct DbArgs {
    /// postgres://user@host:port/database (DATABASE_URL works as this flag does).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    database_url: Option<String>,
    /// Without a database: the embedded store's state directory (as `serve` uses it), for `history` and
    /// `export` of a dataset folder served with edits. Default: the one `serve` would use.
    #[arg(long, value_name = "DIR", global = true)]
    state_dir: Option<PathBuf>,
    /// Without a database: the dataset folder `serve --data` serves under its folder's name, for `export`.
    #[arg(long, value_name = "DIR", global = true)]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(Subcommand)]
enum DbCommand {
    /// Apply the schema (migrations/, embedded in the binary); creates the PostGIS extension if needed.
    Migrate,
    /// Load a dataset folder in one transaction; a dataset of the same name is replaced atomically.
    Import {
        /// The dataset folder.
        dataset: PathBuf,
        /// The name to keep it under (default: the folder's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Write a stored dataset back as a dataset folder (WGS84).
    Export {
        /// The dataset's name in the store.
        name: String,
        /// The folder to write.
        dir: PathBuf,
        /// `geojson` (a file a layer, the contract's folder), `gpkg` (one GeoPackage holding every
        /// layer, as QGIS keeps them, named in the folder's dataset.toml), `fgb` (a FlatGeobuf file a
        /// layer) or `parquet` (a GeoParquet file a layer).
        #[arg(long, default_value = "geojson", value_parser = ["geojson", "gpkg", "fgb", "parquet"])]
        format: String,
        /// The version to write (each import and each edit makes one); default the newest.
        #[arg(long)]
        version: Option<u32>,
    },
    /// List the stored datasets.
    List,
    /// The edits of a dataset's features, oldest first: the version each made, when, who, what, and the
    /// properties it changed.
    History {
        /// The dataset's name in the store (a served folder's name).
        name: String,
        /// Only this feature's edits (its id; an admin unit's code).
        #[arg(long)]
        feature: Option<String>,
        /// `text`, or `json` (each edit whole, with the feature before and after).
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
}

pub fn run(args: DbArgs) -> i32 {
    let Some(url) = args.database_url.as_deref() else {
        return match embedded(&args) {
            Some(result) => finish(result),
            None => {
                eprintln!(
                    "no database: give --database-url postgres://… or set DATABASE_URL (history and export also take an embedded store: --state-dir DIR, and --data FOLDER to export)"
                );
                EXIT_BAD_INPUT
            }
        };
    };
    let connected = match args.command {
        DbCommand::Migrate => PostgisStore::connect_unchecked(url),
        _ => PostgisStore::connect(url),
    };
    let store = match connected {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    let result = match args.command {
        DbCommand::Migrate => store
            .migrate()
            .map(|n| println!("迁移 migrated: {n} migration(s) applied")),
        DbCommand::Import { dataset, name } => import(&store, &dataset, name),
        DbCommand::Export {
            name,
            dir,
            format,
            version,
        } => match version {
            Some(v) => store.dataset_at(&name, v),
            None => store.dataset(&name),
        }
        .and_then(|source| export(&source, &store.description(&name)?, &dir, &format)),
        DbCommand::List => store
            .dataset_names()
            .map(|names| names.iter().for_each(|n| println!("{n}"))),
        DbCommand::History { name, feature, format } => store
            .dataset(&name)
            .and_then(|_| store.edits(&name))
            .and_then(|edits| history(&name, edits, feature.as_deref(), &format)),
    };
    finish(result)
}

fn finish(result: Result<(), carecircle::store::StoreError>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{e}");
            EXIT_BAD_INPUT
        }
    }
}

/// `history` and `export` on an embedded store: its state directory read as it is (a server may be using
/// it), the dataset folder for an export. `None` for the commands that need PostGIS.
fn embedded(args: &DbArgs) -> Option<Result<(), carecircle::store::StoreError>> {
    use carecircle::store::{embedded, StoreError};
    let state = args.state_dir.clone().unwrap_or_else(super::serve::default_state_dir);
    match &args.command {
        DbCommand::History { name, feature, format } => {
            Some(embedded::kept_edits(&state, name).and_then(|edits| history(name, edits, feature.as_deref(), format)))
        }
        DbCommand::Export {
            name,
            dir,
            format,
            version,
        } => {
            let folder = args.data.as_ref()?;
            Some((|| {
                let dataset = load_with_progress(folder)
                    .map_err(|problems| StoreError::Backend(format!("{}: {problems}", folder.display())))?;
                let source = embedded::dataset_at(&state, name, dataset, *version)?;
                let description = std::fs::read_to_string(folder.join("dataset.toml"))
                    .ok()
                    .and_then(|t| t.parse::<toml::Table>().ok())
                    .and_then(|t| t.get("description").and_then(|d| d.as_str()).map(str::to_string))
                    .unwrap_or_default();
                export(&source, &description, dir, format)
            })())
        }
        _ => None,
    }
}

/// Prints the edits of dataset `name` (of one feature when `feature` is given).
fn history(
    name: &str,
    edits: Vec<carecircle::store::KeptEdit>,
    feature: Option<&str>,
    format: &str,
) -> Result<(), carecircle::store::StoreError> {
    let edits: Vec<_> = edits
        .into_iter()
        .filter(|e| feature.is_none_or(|f| e.feature_id == f))
        .collect();
    if format == "json" {
        let text =
            serde_json::to_string_pretty(&edits).map_err(|e| carecircle::store::StoreError::Backend(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    if edits.is_empty() {
        println!(
            "{name}: 没有修改记录 no edits{}",
            feature.map(|f| format!(" of {f}")).unwrap_or_default()
        );
    }
    for e in &edits {
        println!(
            "v{:<4} {}  {}  {} {} \"{}\"{}",
            e.version,
            e.at,
            e.by,
            e.op,
            e.layer,
            e.feature_id,
            changed(e.before.as_ref(), e.after.as_ref())
        );
    }
    Ok(())
}

/// What an edit changed, as `: status operating → closed, beds – → 12`.
fn changed(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) -> String {
    let (Some(b), Some(a)) = (before, after) else {
        return String::new();
    };
    let props = |f: &serde_json::Value| f["properties"].as_object().cloned().unwrap_or_default();
    let (pb, pa) = (props(b), props(a));
    let show = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "–".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let mut keys: Vec<&String> = pb.keys().chain(pa.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut parts: Vec<String> = keys
        .into_iter()
        .filter(|k| pb.get(*k) != pa.get(*k))
        .map(|k| format!("{k} {} → {}", show(pb.get(k)), show(pa.get(k))))
        .collect();
    if b["geometry"] != a["geometry"] {
        parts.push("geometry".into());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join(", "))
    }
}

fn import(store: &PostgisStore, dir: &Path, name: Option<String>) -> Result<(), carecircle::store::StoreError> {
    let dataset = match load_with_progress(dir) {
        Ok(d) => d,
        Err(problems) => {
            return Err(carecircle::store::StoreError::Backend(format!(
                "{}: {problems}",
                dir.display()
            )));
        }
    };
    let description = std::fs::read_to_string(dir.join("dataset.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("description").and_then(|d| d.as_str()).map(str::to_string))
        .unwrap_or_default();
    let name = name.unwrap_or_else(|| {
        dir.canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "dataset".into())
    });
    let layers = 5;
    let bar = indicatif::ProgressBar::new(layers).with_message(format!("导入 importing {name}"));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} layers")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let result = store.import(&name, &dataset, &description, &|layer, rows| {
        bar.set_message(format!("导入 importing {name}: {layer} ({rows} rows)"));
        bar.inc(1);
    });
    bar.finish_and_clear();
    let version = result?;
    // An import changes what every later check judges: it goes on the audit trail.
    let mut entry = super::audit::cli_entry(format!("db import {} (version {version})", dir.display()));
    entry.dataset = Some(name.clone());
    if let Err(e) = carecircle::store::Records::append_audit(store, &entry) {
        eprintln!("错误 error: the import was made but could not be put on the audit trail: {e}");
    }
    println!(
        "导入 imported {name} (version {version}): {} admin units, {} residential areas, {} facilities, {} roads, {} candidates",
        dataset.admin_units.len(),
        dataset.residential_areas.len(),
        dataset.facilities.len(),
        dataset.roads.len(),
        dataset.candidates.len()
    );
    Ok(())
}

fn export(
    source: &carecircle::check::Source,
    description: &str,
    dir: &Path,
    format: &str,
) -> Result<(), carecircle::store::StoreError> {
    use carecircle::write::Format;
    let (name, dataset) = (&source.name, &source.dataset);
    let format = match format {
        "gpkg" => Format::GeoPackage,
        "fgb" => Format::FlatGeobuf,
        "parquet" => Format::GeoParquet,
        _ => Format::GeoJson,
    };
    carecircle::write::write_dataset_as(dataset, dir, carecircle::crs::Crs::Wgs84, description, format)
        .map_err(|e| carecircle::store::StoreError::Backend(e.to_string()))?;
    let version = source.version.map(|v| format!(" version {v}")).unwrap_or_default();
    println!("导出 exported {name}{version} to {}", dir.display());
    Ok(())
}
