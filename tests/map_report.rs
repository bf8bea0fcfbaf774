//! Maps, the HTML report and the Excel workbook that `check --out` writes, on the demo dataset.

use carecircle::engine::judge;
use carecircle::load::load_dataset;
use carecircle::map::{self, Coverage, Lang, MapSpec};
use carecircle::model::{Dataset, Mode, Tier};
use carecircle::rules::{load_ruleset, Ruleset};
use std::path::Path;
use std::process::Command;

fn setup() -> (Dataset, Vec<Ruleset>) {
    let font = map::find_font(None).expect("a CJK font (scripts/test installs fonts-wqy-microhei)");
    map::register(&font).unwrap();
    let dataset = load_dataset(Path::new("geodata/demo")).unwrap();
    let rulesets = ["anxi-2022", "mawei-2020"]
        .iter()
        .map(|r| load_ruleset(Path::new(&format!("rules/{r}.toml"))).unwrap())
        .collect();
    (dataset, rulesets)
}

/// Each tier's colour as the SVG writes it (src/map/style.rs).
const TIER_COLOURS: [(Tier, &str); 7] = [
    (Tier::RegionalCenter, "#7B1FA2"),
    (Tier::DaycareCenter, "#1976D2"),
    (Tier::Station, "#00897B"),
    (Tier::HappinessCourt, "#8D6E63"),
    (Tier::Institution, "#880E4F"),
    (Tier::Canteen, "#F57F17"),
    (Tier::Medical, "#C62828"),
];

#[test]
fn the_svg_is_stable_labelled_and_marks_every_facility() {
    let (d, rulesets) = setup();
    let report = judge(&d, &rulesets, Mode::Audit);
    let coverage = Coverage::of(&rulesets, &report).unwrap();
    assert_eq!(coverage.rule, "anxi-2022/service-radius");
    // The radius rule's own verdict: the same 5 areas the check finds uncovered.
    let uncovered = report
        .findings
        .iter()
        .filter(|f| &*f.rule == "anxi-2022/service-radius")
        .count();
    assert_eq!(coverage.uncovered.len(), uncovered);
    let spec = MapSpec {
        dataset: &d,
        mode: Mode::Audit,
        coverage: Some(&coverage),
        findings: &report.findings,
        bbox: None,
        width: 1600,
        lang: Lang::Chinese,
        shading: None,
    };
    let svg = map::render_svg(&spec).unwrap();
    assert_eq!(svg, map::render_svg(&spec).unwrap(), "same input, same SVG");
    for label in [
        "罗星街道",
        "琅岐镇",
        "图例",
        "养老服务设施覆盖图",
        "日间照料中心",
        "服务半径700米覆盖范围",
        "北",
    ] {
        assert!(svg.contains(label), "{label}");
    }
    // The demo district is four times as wide as it is tall: two slices, stacked, each an SVG of its own.
    assert_eq!(svg.matches("<svg").count(), 3);
    // Every facility marked in its tier's colour, plus the legend's sample (a facility on the slices'
    // overlap shows in both).
    for (tier, colour) in TIER_COLOURS {
        let n = d.facilities.iter().filter(|f| f.tier == tier).count();
        assert!(n > 0);
        let marks = svg.matches(colour).count();
        assert!(marks > n && marks <= 2 * n + 1, "{tier:?}: {marks} marks for {n}");
    }
    // One street, about square: one panel, and exactly one mark per facility inside the box.
    let luoxing = d.admin_units.iter().find(|u| u.name == "罗星街道").unwrap();
    let bbox = geo::BoundingRect::bounding_rect(&luoxing.boundary).unwrap();
    let street = map::render_svg(&MapSpec {
        bbox: Some(bbox),
        ..spec
    })
    .unwrap();
    assert_eq!(street.matches("<svg").count(), 2);
    for (tier, colour) in TIER_COLOURS {
        let inside = d
            .facilities
            .iter()
            .filter(|f| f.tier == tier && geo::Intersects::intersects(&bbox, &f.location))
            .count();
        let legend = usize::from(d.facilities.iter().any(|f| f.tier == tier));
        assert_eq!(street.matches(colour).count(), inside + legend, "{tier:?}");
    }
    let english = map::render_svg(&MapSpec {
        lang: Lang::English,
        shading: None,
        ..spec
    })
    .unwrap();
    assert!(english.contains("Legend") && english.contains("Day-care centre") && english.contains("罗星街道"));
    assert!(!english.contains("图例"));
}

#[test]
fn the_png_has_the_map_in_it() {
    let (d, rulesets) = setup();
    let report = judge(&d, &rulesets, Mode::Audit);
    let coverage = Coverage::of(&rulesets, &report).unwrap();
    let png = map::render_png(&MapSpec {
        dataset: &d,
        mode: Mode::Audit,
        coverage: Some(&coverage),
        findings: &report.findings,
        bbox: None,
        width: 1200,
        lang: Lang::Chinese,
        shading: None,
    })
    .unwrap();
    let image = image::load_from_memory(&png).unwrap().to_rgb8();
    assert_eq!(image.width(), 1200);
    // Stations are drawn in their teal: the picture holds their pixels.
    let teal = image.pixels().filter(|p| p.0 == [0, 137, 123]).count();
    assert!(teal > 100, "{teal}");
}

#[test]
fn check_out_writes_report_maps_and_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_carecircle"))
        .args([
            "check",
            "geodata/demo",
            "--rules",
            "rules/anxi-2022.toml",
            "rules/mawei-2020.toml",
        ])
        .args([
            "--by",
            "street",
            "--format",
            "json",
            "--out",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for name in [
        "report.html",
        "coverage.png",
        "coverage.svg",
        "findings.xlsx",
        "ledger.csv",
    ] {
        assert!(dir.path().join(name).is_file(), "{name}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("养老服务设施布局检查报告") && html.contains("<svg"));
    // Self-contained: nothing to fetch when it is opened.
    for fetch in ["<script", "<link", "src=\"http", "url(http", "@import"] {
        assert!(!html.contains(fetch), "{fetch}");
    }
    for s in doc["summary"].as_array().unwrap() {
        assert!(html.contains(s["rule"].as_str().unwrap()));
    }
    assert!(html.contains("「确保新建城区和住宅区按每百户不少于30平方米建筑面积"));
    assert!(html.contains("回头看台账"));

    use calamine::{open_workbook, Reader, Xlsx};
    let mut book: Xlsx<_> = open_workbook(dir.path().join("findings.xlsx")).unwrap();
    let sheets = book.sheet_names();
    assert_eq!(sheets, ["不合格 findings", "汇总 summary", "台账 ledger"]);
    let findings = book.worksheet_range("不合格 findings").unwrap();
    assert_eq!(findings.height(), doc["findings"].as_array().unwrap().len() + 1);
    let summary = book.worksheet_range("汇总 summary").unwrap();
    assert_eq!(summary.height(), doc["summary"].as_array().unwrap().len() + 1);
    let first = doc["findings"][0]["id"].as_str().unwrap();
    assert_eq!(findings.get((1, 3)).unwrap().to_string(), first);
    // Each finding names its street and community, by name and code, in Chinese values.
    let header: Vec<String> = findings.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        &header[5..9],
        [
            "街道（乡镇）street",
            "街道代码 street code",
            "社区（村）community",
            "社区代码 community code"
        ]
    );
    let r011 = findings
        .rows()
        .find(|r| r[3] == "R011")
        .expect("R011 fails the radius rule");
    assert_eq!(r011[2].to_string(), "居住区");
    assert_eq!(r011[1].to_string(), "不合规");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("check.json")).unwrap()).unwrap();
    let street = record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "R011")
        .unwrap()["units"]["street"]
        .clone();
    assert_eq!(r011[6].to_string(), street.as_str().unwrap());
    assert!(
        r011[5].to_string().ends_with("街道") || r011[5].to_string().ends_with("镇"),
        "{:?}",
        r011[5]
    );
    assert!(ledger_level_is_chinese(&mut book));
    let ledger = book.worksheet_range("台账 ledger").unwrap();
    assert_eq!(ledger.height(), doc["by_unit"].as_array().unwrap().len() + 1);
    assert!(ledger.rows().any(|r| r[1] == "琅岐镇"));
}

fn ledger_level_is_chinese(book: &mut calamine::Xlsx<std::io::BufReader<std::fs::File>>) -> bool {
    use calamine::Reader;
    let ledger = book.worksheet_range("台账 ledger").unwrap();
    ledger
        .rows()
        .skip(1)
        .all(|r| ["区", "街道", "镇", "村"].iter().any(|w| r[2].to_string().contains(w)))
}

#[test]
fn a_font_that_cannot_draw_chinese_is_refused_by_name() {
    let out = Command::new(env!("CARGO_BIN_EXE_carecircle"))
        .args([
            "map",
            "geodata/demo",
            "--rules",
            "rules/anxi-2022.toml",
            "--font",
            "/nonexistent/font.ttc",
        ])
        .args(["--out", "/tmp/never.png"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/font.ttc"));
    let not_found = map::FontError::NotFound { looked: "x".into() }.to_string();
    assert!(not_found.contains("fonts-wqy-microhei") && not_found.contains("--font"));
    let dejavu = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    if dejavu.is_file() {
        let err = Command::new(env!("CARGO_BIN_EXE_carecircle"))
            .args([
                "map",
                "geodata/demo",
                "--rules",
                "rules/anxi-2022.toml",
                "--font",
                dejavu.to_str().unwrap(),
            ])
            .args(["--out", "/tmp/never.png"])
            .output()
            .unwrap();
        assert_eq!(err.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&err.stderr).contains("does not draw Chinese"));
    }
}

/// A radius far past any rule's bound (the parser refuses it) still draws: the circles are clipped to the
/// picture instead of being rasterised at a billion pixels.
#[test]
fn an_absurd_radius_still_draws_promptly() {
    let (d, rulesets) = setup();
    let report = judge(&d, &rulesets, Mode::Audit);
    let mut coverage = Coverage::of(&rulesets, &report).unwrap();
    coverage.radius_m = 1e9;
    let png = map::render_png(&MapSpec {
        dataset: &d,
        mode: Mode::Audit,
        coverage: Some(&coverage),
        findings: &report.findings,
        bbox: None,
        width: 800,
        lang: Lang::Chinese,
        shading: None,
    })
    .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
}

/// A walking rule's reach is drawn along the roads, not as circles; a straight-line rule's as the union of
/// its circles in one flat tint.
#[test]
fn walking_reach_follows_the_roads() {
    let (d, _) = setup();
    let gb = vec![load_ruleset(Path::new("rules/gb50180-2018.toml")).unwrap()];
    let report = judge(&d, &gb, Mode::Audit);
    let coverage = Coverage::of(&gb, &report).unwrap();
    assert!(coverage.walking, "{}", coverage.rule);
    let spec = MapSpec {
        dataset: &d,
        mode: Mode::Audit,
        coverage: Some(&coverage),
        findings: &report.findings,
        bbox: None,
        width: 1600,
        lang: Lang::Chinese,
        shading: None,
    };
    let svg = map::render_svg(&spec).unwrap();
    // style::REACH and style::RADIUS_FILL as the SVG writes them.
    let (reach, circles) = ("#78B0E6", "#E3EFFA");
    assert!(svg.contains("步行300米可达的道路"), "the legend names the walk");
    assert!(svg.matches(reach).count() > 5, "roads within reach are drawn");
    assert!(!svg.contains(circles), "no circles for a walk");
    let (_, straight) = setup();
    let report = judge(&d, &straight, Mode::Audit);
    let coverage = Coverage::of(&straight, &report).unwrap();
    assert!(!coverage.walking);
    let svg = map::render_svg(&MapSpec {
        coverage: Some(&coverage),
        findings: &report.findings,
        ..spec
    })
    .unwrap();
    assert!(svg.contains(circles) && !svg.contains(reach));
    // The legend names the red outline only when the map draws one.
    assert!(svg.contains("红框：不合格的小区、设施"));
    let svg = map::render_svg(&MapSpec {
        coverage: Some(&coverage),
        findings: &[],
        ..spec
    })
    .unwrap();
    assert!(
        !svg.contains("红框：不合格的小区、设施"),
        "no findings, no outline in the legend"
    );
}

/// On a dense city, areas a few pixels wide are not outlined (thousands of red boxes would paint it red),
/// and the subtitle says how many were left unoutlined; zoomed in, they are outlined again.
#[test]
fn failing_areas_too_small_to_outline_are_counted_not_hidden() {
    let (_, rulesets) = setup();
    let city = carecircle::synth::synthesize(5_000, 300, 7);
    let report = judge(&city, &rulesets, Mode::Audit);
    let coverage = Coverage::of(&rulesets, &report).unwrap();
    use carecircle::engine::Layer;
    // Areas and pools of areas (集中配建), each once however many rules it fails.
    let failing_areas: std::collections::HashSet<(Layer, &str)> = report
        .findings
        .iter()
        .filter(|f| matches!(f.layer, Layer::ResidentialAreas | Layer::Pools))
        .map(|f| (f.layer, f.id.as_str()))
        .collect();
    assert!(failing_areas.len() > 50);
    let spec = MapSpec {
        dataset: &city,
        mode: Mode::Audit,
        coverage: Some(&coverage),
        findings: &report.findings,
        bbox: None,
        width: 800,
        lang: Lang::English,
        shading: None,
    };
    let svg = map::render_svg(&spec).unwrap();
    let note = svg
        .split(" failing areas too small to outline here")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("the subtitle counts the areas left unoutlined");
    assert!(
        note > 0 && note <= failing_areas.len(),
        "{note} of {}",
        failing_areas.len()
    );
    // A box of a few hundred metres: every failing area in it is large enough to outline.
    let first = city
        .residential_areas
        .iter()
        .find(|a| failing_areas.contains(&(Layer::ResidentialAreas, a.id.as_str())))
        .unwrap();
    let c = first.location;
    let bbox = geo::Rect::new((c.x() - 0.003, c.y() - 0.003), (c.x() + 0.003, c.y() + 0.003));
    let zoomed = map::render_svg(&MapSpec {
        bbox: Some(bbox),
        ..spec
    })
    .unwrap();
    assert!(!zoomed.contains("too small to outline"));
}
