//! `carecircle db`: the PostGIS store — apply the schema, import a dataset folder, export it back.

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
        /// `geojson` (a file a layer, the contract's folder) or `gpkg` (one GeoPackage holding every
        /// layer, as QGIS keeps them, named in the folder's dataset.toml).
        #[arg(long, default_value = "geojson", value_parser = ["geojson", "gpkg"])]
        format: String,
    },
    /// List the stored datasets.
    List,
}

pub fn run(args: DbArgs) -> i32 {
    let Some(url) = args.database_url.as_deref() else {
        eprintln!("no database: give --database-url postgres://… or set DATABASE_URL");
        return EXIT_BAD_INPUT;
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
        DbCommand::Export { name, dir, format } => export(&store, &name, &dir, &format),
        DbCommand::List => store
            .dataset_names()
            .map(|names| names.iter().for_each(|n| println!("{n}"))),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{e}");
            EXIT_BAD_INPUT
        }
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

fn export(store: &PostgisStore, name: &str, dir: &Path, format: &str) -> Result<(), carecircle::store::StoreError> {
    use carecircle::write::Format;
    let dataset = store.dataset(name)?.dataset;
    let description = store.description(name)?;
    let format = if format == "gpkg" {
        Format::GeoPackage
    } else {
        Format::GeoJson
    };
    carecircle::write::write_dataset_as(&dataset, dir, carecircle::crs::Crs::Wgs84, &description, format)
        .map_err(|e| carecircle::store::StoreError::Backend(e.to_string()))?;
    println!("导出 exported {name} to {}", dir.display());
    Ok(())
}
