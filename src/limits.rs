//! The bounds carecircle keeps on what a file or a request may make it do, in one place so the README's
//! safety section and the code cannot drift apart. Past a bound, input is refused with a message naming
//! the bound; nothing is truncated silently.

use std::io::Read;
use std::path::Path;

/// `dataset.toml`, a ruleset, a task-decomposition plan.
pub const SMALL_FILE_BYTES: u64 = 4 << 20;
/// A proposal: the file `review` reads, the body of `POST /review` (1 000 polygons of 500 vertices fit);
/// also the body of a write to a layer (OGC API – Features Part 4: one feature, or a merge patch).
pub const PROPOSAL_BYTES: u64 = 8 << 20;
/// The body of `POST /checks` (a few names and a date).
pub const CHECK_REQUEST_BYTES: u64 = 64 << 10;
/// A font file (Noto CJK collections are about 20-60 MB).
pub const FONT_BYTES: u64 = 128 << 20;
/// One layer file, as read (a 1 000 000-area GeoJSON layer is about 360 MB).
pub const LAYER_BYTES: u64 = 4 << 30;
/// A zipped Shapefile may unpack to at most this many times its own size (a zip bomb unpacks a thousand
/// times), and never more than [`LAYER_BYTES`]; small archives may always unpack to [`UNZIP_FLOOR_BYTES`].
pub const UNZIP_RATIO: u64 = 200;
pub const UNZIP_FLOOR_BYTES: u64 = 64 << 20;
/// Characters of an id, a code, a parent, a pool or a `serves` entry.
pub const ID_CHARS: usize = 200;
/// Characters of a name (the longest official place names are a few dozen characters).
pub const NAME_CHARS: usize = 500;
/// Any count in a dataset (households, population, elderly, beds): more than China's population, and small
/// enough that no sum of them can overflow.
pub const COUNT: u64 = 2_000_000_000;
/// A target of a task-decomposition plan.
pub const PLAN_TOTAL: u64 = 1_000_000_000_000;
/// Features of one proposal (`review`, `POST /review`): a residential project has a handful.
pub const PROPOSAL_FEATURES: usize = 1_000;
/// The radius of `GET /coverage`, metres.
pub const COVERAGE_RADIUS_M: f64 = 2_000.0;
/// Rulesets one request (`POST /checks`, `POST /review`, `POST /site`) may name, each once.
pub const RULESETS_PER_REQUEST: usize = 64;
/// Kept runs' parsed findings the server holds, counted by the size of their findings.geojson (parsed,
/// about three times that): past it, the run read least lately is let go (one run is always kept).
pub const KEPT_FINDINGS_BYTES: usize = 256 << 20;
/// The most features one page of `/collections/{id}/items` holds (`limit`).
pub const ITEMS_PAGE: usize = 10_000;
/// Sites `site --add` and `POST /site` may add at once (a city plans tens to hundreds).
pub const SITE_MAX_ADD: u32 = 5_000;
/// Seconds the siting solver may be given (`--time-limit`, `POST /site`'s `time_limit`).
pub const SITE_MAX_SECONDS: f64 = 3_600.0;
/// Seconds `POST /site` may give the solver (default 10): well inside the server's wait for judging work.
pub const SITE_HTTP_MAX_SECONDS: f64 = 60.0;
/// The body of `POST /site` (names, a rule id and a few numbers).
pub const SITE_REQUEST_BYTES: u64 = 64 << 10;
/// Siting's reduction drops dominated candidates only when checking them would take fewer (candidate,
/// candidate) trials than this: a file of many overlapping candidates is then solved unreduced, not
/// checked quadratically.
pub const SITE_DOMINANCE_WORK: u64 = 50_000_000;
/// The greedy start's swap passes stop being tried when one pass would visit more (site, row) pairs than
/// this: the exact solver improves on greedy anyway, and the time limit bounds it.
pub const SITE_SWAP_WORK: u64 = 200_000_000;
/// Judging requests the server runs at once (checks, reviews, coverage, comparisons); more wait for none
/// and get 503 with Retry-After.
pub const HEAVY_AT_ONCE: usize = 2;
/// Of those, when a token is configured, what requests without it may run at once, in a slot of their own.
pub const ANONYMOUS_HEAVY_AT_ONCE: usize = 1;
/// The memory the tile indexes the server keeps may take, about: past it the collections tiled least
/// lately are let go (the one tiled last is always kept). Counted at 120 bytes a feature (a 100 000-area
/// layer: 12 MB) and 16 bytes a coordinate of a part held apart.
pub const TILED_BYTES: usize = 512 << 20;
/// How long the server waits for one of them before answering 503; the work is not kept.
pub const HEAVY_SECONDS: u64 = 120;
/// Seconds a request body may take to arrive (a client trickling a byte a second is cut off).
pub const BODY_SECONDS: u64 = 15;
/// Nesting of a WKT cell (a GeometryCollection of MultiPolygons is 4 deep).
pub const WKT_DEPTH: usize = 16;
/// Synthetic cities: residential areas and facilities.
pub const SYNTH_AREAS: u64 = 10_000_000;
pub const SYNTH_FACILITIES: u64 = 1_000_000;

/// Client addresses whose failed sign-ins the server remembers (to slow guessing) at once.
pub const SIGN_IN_CLIENTS: usize = 10_000;
/// Reading one GeoPackage table: SQLite is stopped past this (a damaged or crafted file never runs on).
pub const GPKG_SECONDS: u64 = 60;
/// A workbook sheet's columns: a cell further right is refused (a ledger has tens).
pub const SHEET_COLUMNS: usize = 1_000;
/// Why a run is voided (`POST /checks/{id}/void`), in characters.
pub const VOID_REASON_CHARS: usize = 500;
/// An identity provider's discovery document or key set (`serve --oidc-issuer`, `--oidc-jwks`): read no
/// further than this.
pub const OIDC_DOCUMENT_BYTES: u64 = 1 << 20;
/// A sign-in JWT: a longer bearer token is refused unread.
pub const OIDC_TOKEN_BYTES: usize = 16 << 10;
/// How long a fetch from the identity provider may take.
pub const OIDC_FETCH_SECONDS: u64 = 10;
/// A token signed by a key not yet seen fetches the issuer's keys again, at most once this often.
pub const OIDC_REFETCH_SECONDS: u64 = 300;
/// Request bodies other than those bounded above: larger ones get 413.
pub const BODY_BYTES: usize = 16 << 20;
/// CQL2 filters (`filter=`): the longest text accepted, in bytes.
pub const MAX_FILTER_BYTES: usize = 4096;
/// How deeply a filter may nest (parentheses and `NOT`).
pub const MAX_FILTER_DEPTH: usize = 32;
/// The longest `LIKE` pattern, in characters: matching costs its length times the text's.
pub const MAX_LIKE_CHARS: usize = 64;

// A rule's parameters (`rules::parse`): past these a number is a typo (a radius of 1e9 m), and the maps
// and the engine need not cope with it.
/// Distances (`radius_m`, `distance_m`): 50 km.
pub const MAX_DISTANCE_M: f64 = 50_000.0;
/// A floor area (`min_area_m2`, `min_single_site_m2`, size classes): 100 000 m².
pub const MAX_AREA_M2: f64 = 100_000.0;
/// Floor area per 100 households (policy asks 20-30).
pub const MAX_M2_PER_100_HOUSEHOLDS: f64 = 1_000.0;
/// Floor area per 1000 residents (policy asks about 50).
pub const MAX_M2_PER_1000: f64 = 10_000.0;
/// Beds per 1000 elderly.
pub const MAX_BEDS_PER_1000: f64 = 1_000.0;
/// `min_count` of a tier in a unit.
pub const MAX_COUNT: i64 = 1_000;
/// `grace_days` of the synchronous-handover rule: ten years.
pub const MAX_GRACE_DAYS: i64 = 3_650;
/// Characters of any text of a ruleset (an id, a title, a clause, a quoted sentence): every output,
/// Excel's 32 767-character cells included, can hold it.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Population bounds of a size class.
pub const MAX_POPULATION: i64 = 1_000_000_000;

/// Reads a whole file of at most `limit` bytes; a longer one (or an endless one, such as `/dev/zero`) is
/// an error saying so, after reading no more than `limit + 1` bytes.
pub fn read_capped(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    // Sized from the file's length up front (never beyond the limit): grown by doubling instead, a
    // 357 MB layer took a second of copies and page faults to read. An endless file (`/dev/zero`) says
    // length 0 and is still cut off at the limit.
    let expected = file.metadata().map_or(0, |m| m.len()).min(limit + 1);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than carecircle reads ({})", human(limit)),
        ));
    }
    Ok(bytes)
}

/// A byte count as people say it: 4 MiB, 128 MiB, 4 GiB.
pub fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_file_is_refused_after_the_limit() {
        let err = read_capped(Path::new("/dev/zero"), 1 << 10).unwrap_err();
        assert!(err.to_string().contains("1024 bytes"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("small");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_capped(&path, 5).unwrap(), b"12345");
        assert!(read_capped(&path, 4).is_err());
    }
}
