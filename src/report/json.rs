//! The JSON document of DATA-CONTRACT §4. Fields may be added; none is renamed or dropped.

use super::Check;
use crate::engine::{Finding, Outcome, Worded};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct CheckDocument<'a> {
    /// The run's record, when the check is kept as one (`check.json`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordHead>,
    pub dataset: String,
    pub as_of: String,
    pub mode: String,
    pub rulesets: Vec<RulesetRef>,
    pub summary: Vec<SummaryRow>,
    pub findings: Vec<FindingRow<'a>>,
    /// Rulesets not in force on `as_of`, so not applied.
    pub not_in_force: Vec<NotInForce>,
    /// The look-back ledger (`--by`): every admin unit at that tier × every rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_unit: Option<Vec<LedgerRow>>,
    /// The text of each ruleset applied, so the record says exactly what was applied (`check.json`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ruleset_texts: Vec<RulesetText>,
    /// The admin units the findings' `units` name (`check.json`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admin_units: Vec<UnitRef>,
}

/// The fields that make a check document a run's record.
#[derive(Debug, Serialize)]
pub struct RecordHead {
    pub id: String,
    pub created: String,
    pub carecircle_version: String,
    pub request: RequestRow,
    pub dataset_digest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_version: Option<u32>,
    /// Who had the service make the run: an account's name, or `shared-token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// What was asked for.
#[derive(Debug, Serialize)]
pub struct RequestRow {
    pub dataset: String,
    pub rulesets: Vec<String>,
    pub mode: String,
    pub as_of: Option<String>,
    pub by: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RulesetText {
    pub id: String,
    pub sha256: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
    pub level: String,
}

#[derive(Debug, Serialize)]
pub struct NotInForce {
    pub ruleset: String,
    pub effective: String,
}

impl NotInForce {
    pub fn list(rulesets: &[(String, crate::model::Date)]) -> Vec<NotInForce> {
        rulesets
            .iter()
            .map(|(ruleset, effective)| NotInForce {
                ruleset: ruleset.clone(),
                effective: effective.to_string(),
            })
            .collect()
    }
}

#[derive(Debug, Serialize)]
pub struct LedgerRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub rule: String,
    pub checked: usize,
    pub failed: usize,
    /// `null` when nothing was checked in the unit.
    pub rate: Option<f64>,
    /// What `rate` weighs: `households` (radius rules) or `subjects`.
    pub rate_basis: &'static str,
    /// The share of the unit's subjects passing; `null` when nothing was checked.
    pub subjects_rate: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct RulesetRef {
    pub id: String,
    pub sha256: String,
    pub document: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct SummaryRow {
    pub rule: String,
    pub checked: usize,
    pub failed: usize,
    pub rate: f64,
    pub target: f64,
    pub pass: bool,
    pub kind: String,
    pub severity: String,
    pub notes: Vec<String>,
    /// What `rate` is a share of: `households` (radius rules) or `subjects`.
    pub rate_basis: &'static str,
    /// The share of checked subjects that passed, whatever `rate` weighs.
    pub subjects_rate: f64,
}

/// A finding as the document shows it, borrowed from the finding: a city's two million findings are
/// not copied to be written.
#[derive(Debug, Serialize)]
pub struct FindingRow<'a> {
    pub rule: &'a str,
    pub severity: &'static str,
    pub layer: &'static str,
    pub id: &'a str,
    /// `null` only when there was nothing to measure (no counted facility at all).
    pub measured: Option<f64>,
    pub required: f64,
    pub unit: &'static str,
    #[serde(serialize_with = "worded")]
    pub message: Worded<'a>,
    pub geometry: GeoJson<'a>,
    pub name: &'a str,
    pub facilities: &'a [String],
    /// Codes of the admin units holding the subject, by tier (`district`, `street`, `community`), in a
    /// run's record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<std::collections::BTreeMap<&'static str, &'a str>>,
}

/// A geometry written as GeoJSON straight from its coordinates, as `geojson::Geometry` writes it (the
/// same members in the same order, the same numbers), without building one first.
#[derive(Debug, Clone, Copy)]
pub struct GeoJson<'a>(pub &'a geo::Geometry<f64>);

impl Serialize for GeoJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use geo::Geometry as G;
        use serde::ser::SerializeMap;
        struct Ring<'b>(&'b geo::LineString<f64>);
        impl Serialize for Ring<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0 .0.iter().map(|c| [c.x, c.y]))
            }
        }
        struct Rings<'b>(&'b geo::Polygon<f64>);
        impl Serialize for Rings<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(std::iter::once(self.0.exterior()).chain(self.0.interiors()).map(Ring))
            }
        }
        // Lines, rectangles and triangles are written as GeoJSON has them: a LineString, Polygons.
        match self.0 {
            G::Line(l) => {
                return GeoJson(&G::LineString(geo::LineString::from(vec![l.start, l.end]))).serialize(serializer)
            }
            G::Rect(r) => return GeoJson(&G::Polygon(r.to_polygon())).serialize(serializer),
            G::Triangle(t) => return GeoJson(&G::Polygon(t.to_polygon())).serialize(serializer),
            _ => {}
        }
        let mut map = serializer.serialize_map(Some(2))?;
        match self.0 {
            G::Point(p) => {
                map.serialize_entry("type", "Point")?;
                map.serialize_entry("coordinates", &[p.x(), p.y()])?;
            }
            G::MultiPoint(m) => {
                map.serialize_entry("type", "MultiPoint")?;
                let points: Vec<[f64; 2]> = m.0.iter().map(|p| [p.x(), p.y()]).collect();
                map.serialize_entry("coordinates", &points)?;
            }
            G::LineString(l) => {
                map.serialize_entry("type", "LineString")?;
                map.serialize_entry("coordinates", &Ring(l))?;
            }
            G::MultiLineString(m) => {
                map.serialize_entry("type", "MultiLineString")?;
                let lines: Vec<Ring> = m.0.iter().map(Ring).collect();
                map.serialize_entry("coordinates", &lines)?;
            }
            G::Polygon(p) => {
                map.serialize_entry("type", "Polygon")?;
                map.serialize_entry("coordinates", &Rings(p))?;
            }
            G::MultiPolygon(m) => {
                map.serialize_entry("type", "MultiPolygon")?;
                let polygons: Vec<Rings> = m.0.iter().map(Rings).collect();
                map.serialize_entry("coordinates", &polygons)?;
            }
            G::GeometryCollection(gc) => {
                map.serialize_entry("type", "GeometryCollection")?;
                let members: Vec<GeoJson> = gc.0.iter().map(GeoJson).collect();
                map.serialize_entry("geometries", &members)?;
            }
            G::Line(_) | G::Rect(_) | G::Triangle(_) => {}
        }
        map.end()
    }
}

/// The one rounding policy of every output (JSON, CSV, workbook, HTML, text, review): measured and required
/// figures to 0.1 of their unit, rates to 0.001 (0.1 %). Messages say figures the same way.
pub const FIGURE_PLACES: i32 = 1;
pub const RATE_PLACES: i32 = 3;

/// A measured or required figure, as every output shows it.
pub fn figure(v: f64) -> f64 {
    round(v, FIGURE_PLACES)
}

/// A rate, as every output shows it.
pub fn rate(v: f64) -> f64 {
    round(v, RATE_PLACES)
}

/// Rounds to `places` decimals, so documents stay readable and stable.
pub fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

impl SummaryRow {
    pub fn from_outcome(o: &Outcome) -> SummaryRow {
        SummaryRow {
            rule: o.rule.clone(),
            checked: o.checked,
            failed: o.failed,
            rate: rate(o.rate),
            target: o.target,
            pass: o.pass,
            kind: o.kind.to_string(),
            severity: o.severity.key().to_string(),
            notes: o.notes.clone(),
            rate_basis: super::rate_basis(o),
            subjects_rate: rate(super::subjects_rate(o)),
        }
    }
}

/// A message written as a JSON string straight from its wording, nothing built in between.
fn worded<S: serde::Serializer>(message: &Worded<'_>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(message)
}

impl<'a> FindingRow<'a> {
    pub fn from_finding(f: &'a Finding) -> FindingRow<'a> {
        FindingRow {
            rule: &f.rule,
            severity: f.severity.key(),
            layer: f.layer.key(),
            id: &f.id,
            measured: f.measured.map(figure),
            required: figure(f.required),
            unit: f.unit.key(),
            message: f.message(),
            geometry: GeoJson(&f.geometry),
            name: &f.name,
            facilities: &f.facilities,
            units: None,
        }
    }
}

/// The tiers a finding's `units` names, by depth.
pub const TIERS: [&str; 3] = ["district", "street", "community"];

/// The document's row for the finding at `index`, naming the units that hold its subject when the check
/// is kept as a run.
fn finding_row<'a>(check: &'a Check, index: usize) -> FindingRow<'a> {
    let mut row = FindingRow::from_finding(&check.report.findings[index]);
    if let Some(places) = check.record.and_then(|r| r.places.get(index)) {
        row.units = Some(
            TIERS
                .iter()
                .zip(places)
                .filter_map(|(tier, unit)| unit.map(|u| (*tier, check.dataset.admin_units[u].code.as_str())))
                .collect(),
        );
    }
    row
}

impl<'a> CheckDocument<'a> {
    pub fn new(check: &'a Check) -> CheckDocument<'a> {
        let mut document = CheckDocument::around_findings(check);
        document.findings = (0..check.report.findings.len())
            .map(|i| finding_row(check, i))
            .collect();
        document
    }

    /// The document with its `findings` left empty, for a writer that renders them itself.
    pub fn around_findings(check: &'a Check) -> CheckDocument<'a> {
        let mut admin_units = Vec::new();
        if let Some(record) = check.record {
            let named: std::collections::BTreeSet<usize> = record
                .places
                .iter()
                .take(check.report.findings.len())
                .flatten()
                .flatten()
                .copied()
                .collect();
            admin_units = named
                .into_iter()
                .map(|u| {
                    let unit = &check.dataset.admin_units[u];
                    UnitRef {
                        code: unit.code.clone(),
                        name: unit.name.clone(),
                        level: unit.level.key().to_string(),
                    }
                })
                .collect();
        }
        CheckDocument {
            record: check.record.map(|r| RecordHead {
                id: r.id.clone(),
                created: r.created.clone(),
                carecircle_version: env!("CARGO_PKG_VERSION").to_string(),
                request: RequestRow {
                    dataset: r.dataset_name.clone(),
                    rulesets: check.rulesets.iter().map(|x| x.id.clone()).collect(),
                    mode: check.mode.key().to_string(),
                    as_of: r.as_of.map(|d| d.to_string()),
                    by: r.by.map(|l| l.key().to_string()),
                },
                dataset_digest: r.dataset_digest.clone(),
                dataset_version: r.dataset_version,
                created_by: r.created_by.clone(),
            }),
            dataset: check.dataset.name.clone(),
            as_of: check.dataset.as_of.to_string(),
            mode: check.mode.key().to_string(),
            rulesets: check
                .rulesets
                .iter()
                .map(|r| RulesetRef {
                    id: r.id.clone(),
                    sha256: r.sha256.clone(),
                    document: r.document.clone(),
                    title: r.title.clone(),
                })
                .collect(),
            summary: check.report.outcomes.iter().map(SummaryRow::from_outcome).collect(),
            findings: Vec::new(),
            not_in_force: NotInForce::list(&check.report.not_in_force),
            by_unit: check.ledger.map(|ledger| {
                ledger
                    .rows
                    .iter()
                    .map(|r| {
                        let unit = &check.dataset.admin_units[r.unit];
                        let (rate_basis, subjects) = check.row_basis(r);
                        LedgerRow {
                            code: unit.code.clone(),
                            name: unit.name.clone(),
                            level: unit.level.key().to_string(),
                            rule: r.rule.clone(),
                            checked: r.checked,
                            failed: r.failed,
                            rate: r.rate.map(rate),
                            rate_basis,
                            subjects_rate: subjects.map(rate),
                        }
                    })
                    .collect()
            }),
            ruleset_texts: match check.record {
                Some(_) => check
                    .rulesets
                    .iter()
                    .map(|r| RulesetText {
                        id: r.id.clone(),
                        sha256: r.sha256.clone(),
                        text: r.text.clone(),
                    })
                    .collect(),
                None => Vec::new(),
            },
            admin_units,
        }
    }
}

/// Findings rendered at a time when a document is written: enough to keep both cores busy, few enough
/// that the text held is a few megabytes however large the city.
const FINDINGS_PER_CHUNK: usize = 8192;

/// Findings rendered into one buffer, in order: a unit of work for a core.
const FINDINGS_PER_BUFFER: usize = 256;

/// Writes the check's document byte for byte as `serde_json::to_writer_pretty` writes
/// `CheckDocument::new(check)`, its findings' rows made and rendered on every core a chunk at a time: at a
/// national scale they are nearly all of the bytes and the time, and never all held at once.
///
/// ```
/// use carecircle_core::report::json::{write_pretty, CheckDocument};
/// let demo = carecircle_core::load::load_dataset("geodata/demo".as_ref()).unwrap();
/// let rules = vec![carecircle_core::rules::load_ruleset("rules/mawei-2020.toml".as_ref()).unwrap()];
/// let source = carecircle_core::check::Source::new("demo", demo);
/// let judged = carecircle_core::check::check(
///     &source,
///     carecircle_core::check::CheckRequest::new(rules, carecircle_core::model::Mode::Audit),
/// )
/// .unwrap();
/// let view = judged.view(None);
/// let mut written = Vec::new();
/// write_pretty(&view, &mut written).unwrap();
/// assert_eq!(written, serde_json::to_vec_pretty(&CheckDocument::new(&view)).unwrap());
/// ```
pub fn write_pretty<W: std::io::Write>(check: &Check, mut out: W) -> std::io::Result<()> {
    use rayon::prelude::*;
    let count = check.report.findings.len();
    // The document around its findings: the pretty printer writes a top-level member's key on its own
    // line after two spaces, and a string never holds a raw newline, so this text occurs once.
    let frame = serde_json::to_vec_pretty(&CheckDocument::around_findings(check))?;
    const EMPTY: &[u8] = b"\n  \"findings\": []";
    let at = frame
        .windows(EMPTY.len())
        .position(|w| w == EMPTY)
        .ok_or_else(|| std::io::Error::other("the document has no findings member"))?;
    let open = at + EMPTY.len() - 1;
    out.write_all(&frame[..open])?;
    // Each chunk is rendered into the same buffers, a run of findings to each: they keep their capacity
    // from chunk to chunk, so the write grows no memory after its first chunk (fresh pages cost the
    // kernel a zeroing each, and a buffer per finding reallocates as it grows).
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); FINDINGS_PER_CHUNK.div_ceil(FINDINGS_PER_BUFFER)];
    for start in (0..count).step_by(FINDINGS_PER_CHUNK) {
        let end = count.min(start + FINDINGS_PER_CHUNK);
        buffers.par_iter_mut().enumerate().try_for_each(|(k, text)| {
            text.clear();
            let from = start + k * FINDINGS_PER_BUFFER;
            for i in from..end.min(from + FINDINGS_PER_BUFFER) {
                text.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
                let formatter = PrettyAt {
                    depth: 2,
                    has_value: false,
                };
                finding_row(check, i).serialize(&mut serde_json::Serializer::with_formatter(&mut *text, formatter))?;
            }
            Ok::<(), serde_json::Error>(())
        })?;
        for text in &buffers {
            out.write_all(text)?;
        }
    }
    if count > 0 {
        out.write_all(b"\n  ")?;
    }
    out.write_all(&frame[open..])
}

/// serde_json's pretty printer (two spaces a level, `": "` after a key) starting `depth` levels in: a
/// finding rendered alone is then the element of a top-level member's array that the printer writes,
/// byte for byte. Each indentation is written as one slice.
struct PrettyAt {
    depth: usize,
    has_value: bool,
}

impl PrettyAt {
    fn indent<W: ?Sized + std::io::Write>(&self, writer: &mut W) -> std::io::Result<()> {
        const SPACES: &[u8] = &[b' '; 64];
        let mut n = 2 * self.depth;
        while n > 0 {
            let k = n.min(SPACES.len());
            writer.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }

    fn open<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(bracket)
    }

    fn next<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }
}

impl serde_json::ser::Formatter for PrettyAt {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        self.next(writer, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        self.next(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{write_pretty, CheckDocument, GeoJson};
    use crate::check::{check, CheckRequest, Source};
    use crate::model::{Level, Mode};

    /// The streamed document is the pretty printer's, byte for byte: with a run's record (its head
    /// flattened in, each finding naming its units), with a ledger, with more findings than a chunk
    /// holds, and with no findings at all.
    #[test]
    fn a_document_written_in_chunks_is_the_pretty_printers() {
        let demo = crate::load::load_dataset("geodata/demo".as_ref()).unwrap();
        let rules = ["mawei-2020", "anxi-2022", "gb50180-2018"]
            .map(|r| crate::rules::load_ruleset(format!("rules/{r}.toml").as_ref()).unwrap())
            .to_vec();
        let source = Source::new("demo", demo);
        let mut request = CheckRequest::new(rules, Mode::Audit);
        request.by = Some(Level::Street);
        let judged = check(&source, request).unwrap();
        assert!(judged.report.findings.len() > 20, "the demo fails some rules");
        let record = judged.record("run-1", "2026-12-07T00:00:00Z");
        for view in [judged.view(None), judged.view(Some(&record))] {
            let expected = expected_text(&view);
            let mut written = Vec::new();
            write_pretty(&view, &mut written).unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
        // The record's findings name their units, and the document lists those units.
        let kept = String::from_utf8(expected_text(&judged.view(Some(&record)))).unwrap();
        assert!(kept.contains("\"units\": {") && kept.contains("\"admin_units\": ["));
        // Chunks of 8 192: a synthetic city failing more than that.
        let city = crate::synth::synthesize(60_000, 300, 3);
        let source = Source::new("synth", city);
        let rules = vec![crate::rules::load_ruleset("rules/anxi-2022.toml".as_ref()).unwrap()];
        let judged = check(&source, CheckRequest::new(rules, Mode::Audit)).unwrap();
        assert!(judged.report.findings.len() > 2 * super::FINDINGS_PER_CHUNK);
        let view = judged.view(None);
        let mut written = Vec::new();
        write_pretty(&view, &mut written).unwrap();
        assert!(written == expected_text(&view));
        assert!(String::from_utf8(expected_text(&view))
            .unwrap()
            .contains("\n  \"findings\": [\n    {\n      \"rule\""));
        // No findings: the member is an empty array, as the printer writes one.
        let mut none = judged.report.clone();
        none.findings.clear();
        let view = crate::report::Check { report: &none, ..view };
        let expected = expected_text(&view);
        assert!(String::from_utf8_lossy(&expected).contains("\"findings\": [],"));
        let mut written = Vec::new();
        write_pretty(&view, &mut written).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }

    /// The document as serde_json's pretty printer writes it whole.
    fn expected_text(view: &crate::report::Check) -> Vec<u8> {
        serde_json::to_vec_pretty(&CheckDocument::new(view)).unwrap()
    }

    use geo::{coord, Geometry, LineString, MultiPoint, MultiPolygon, Point, Polygon, Rect};

    /// What `GeoJson` writes is what `geojson::Geometry` writes, byte for byte, compact and pretty.
    #[test]
    fn writes_what_the_geojson_crate_writes() {
        let square = |x: f64| {
            Polygon::new(
                LineString::from(vec![(x, 0.1), (x + 1.0, 0.1), (x + 1.0, 1.0 / 3.0), (x, 0.1)]),
                vec![LineString::from(vec![
                    (x + 0.2, 0.2),
                    (x + 0.3, 0.2),
                    (x + 0.3, 0.25),
                    (x + 0.2, 0.2),
                ])],
            )
        };
        let shapes: Vec<Geometry<f64>> = vec![
            Geometry::Point(Point::new(119.403_996_830_878_28, 25.973_233_920_229_966)),
            Geometry::MultiPoint(MultiPoint::from(vec![(1.5, -2.0), (1e-9, 123_456.789)])),
            Geometry::LineString(LineString::from(vec![(0.0, 0.0), (1.0, 2.0)])),
            Geometry::MultiLineString(geo::MultiLineString(vec![LineString::from(vec![
                (0.0, 0.0),
                (1.0, 2.0),
            ])])),
            Geometry::Polygon(square(0.0)),
            Geometry::MultiPolygon(MultiPolygon(vec![square(0.0), square(5.0)])),
            Geometry::GeometryCollection(geo::GeometryCollection(vec![
                Geometry::Point(Point::new(1.0, 2.0)),
                Geometry::Polygon(square(3.0)),
            ])),
            Geometry::Rect(Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 2.0, y: 1.0 })),
            Geometry::Line(geo::Line::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 2.0, y: 1.0 })),
        ];
        for g in &shapes {
            let theirs = geojson::Geometry::from(g);
            assert_eq!(
                serde_json::to_string(&GeoJson(g)).unwrap(),
                serde_json::to_string(&theirs).unwrap()
            );
            assert_eq!(
                serde_json::to_string_pretty(&GeoJson(g)).unwrap(),
                serde_json::to_string_pretty(&theirs).unwrap()
            );
        }
    }
}
