//! `carecircle bench`: times the radius rule (straight-line and walking), a whole check and the map on
//! synthetic data built in memory
//! (loading excluded), and reports peak memory.

use carecircle::engine::{judge, judge_rule, Context};
use carecircle::map;
use carecircle::model::{Mode, Tier};
use carecircle::rules::{Metric, Rule, RuleKind, ServiceRadius};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct BenchArgs {
    /// Residential areas of the synthetic city (at most 10 000 000).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=carecircle::limits::SYNTH_AREAS))]
    areas: u64,
    /// Facilities (at most 1 000 000).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=carecircle::limits::SYNTH_FACILITIES))]
    facilities: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Timed runs of each measurement; the fastest and the median are shown.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Rulesets for the whole-check measurement (default: every built-in ruleset).
    #[arg(long, num_args = 1..)]
    rules: Vec<PathBuf>,
    /// Also time drawing the coverage map (PNG and SVG, 1600 px wide) with the radius rule's coverage.
    #[arg(long)]
    map: bool,
    /// Instead: keep this many check runs in an embedded store (a temporary state directory), as
    /// `POST /checks` does, and show resident memory as they accumulate (with --map, runs keep their maps).
    #[arg(long, value_name = "N")]
    keep_runs: Option<usize>,
    /// Instead: time a whole check of this dataset folder, phase by phase, as `check --format json`
    /// runs it (load: read, parse, check and convert every layer; judge: indexes and every rule; write:
    /// the JSON document streamed out), with resident and peak memory after each phase.
    #[arg(long, value_name = "DIR")]
    phases: Option<PathBuf>,
    /// Instead: time one facility's edit as a write to the service makes it — read and checked and
    /// spliced in (`edit::apply`), then judged before and after under the rulesets (`check::flips`) —
    /// beside a whole check of the same city.
    #[arg(long)]
    edits: bool,
}

pub fn run(args: BenchArgs) -> i32 {
    if let Some(dir) = &args.phases {
        return bench_phases(dir, &args.rules);
    }
    let started = Instant::now();
    let dataset = carecircle::synth::synthesize(args.areas as usize, args.facilities as usize, args.seed);
    println!(
        "合成 synthesized {} areas × {} facilities, {} admin units in {:.2} s (not timed below)",
        dataset.residential_areas.len(),
        dataset.facilities.len(),
        dataset.admin_units.len(),
        started.elapsed().as_secs_f64()
    );
    println!("threads: {}", rayon::current_num_threads());
    if let Some(n) = args.keep_runs {
        return bench_keep_runs(dataset, n, &args);
    }
    if args.edits {
        return bench_edits(&dataset, &args);
    }

    let radius = Rule::adhoc(
        "bench/service-radius-700",
        RuleKind::ServiceRadius(ServiceRadius {
            radius_m: 700.0,
            tiers: Tier::COMMUNITY.to_vec(),
            metric: Metric::Euclidean,
            strict: true,
            target: 1.0,
        }),
    );
    let mut outcome = None;
    let times = timed(args.runs, || {
        let context = Context::new(&dataset, Mode::Audit);
        outcome = Some(judge_rule(&radius, &context).0);
    });
    if let Some(o) = outcome {
        println!(
            "radius rule 700 m (index build + judge): fastest {:.3} s, median {:.3} s — checked {}, failed {}, household rate {:.3}",
            times[0],
            times[times.len() / 2],
            o.checked,
            o.failed,
            o.rate
        );
    }

    let walking = Rule::adhoc(
        "bench/walking-700",
        RuleKind::ServiceRadius(ServiceRadius {
            radius_m: 700.0,
            tiers: Tier::COMMUNITY.to_vec(),
            metric: Metric::Network,
            strict: true,
            target: 1.0,
        }),
    );
    let mut walked = None;
    let times = timed(args.runs, || {
        let context = Context::new(&dataset, Mode::Audit);
        walked = Some(judge_rule(&walking, &context).0);
    });
    if let Some(o) = walked {
        println!(
            "walking rule 700 m over {} streets (graph + joins + search): fastest {:.3} s, median {:.3} s — failed {}, household rate {:.3}",
            dataset.roads.len(),
            times[0],
            times[times.len() / 2],
            o.failed,
            o.rate
        );
    }

    let files = if args.rules.is_empty() {
        default_rules()
    } else {
        args.rules.clone()
    };
    match super::load_rulesets(&files) {
        Ok(rulesets) if !rulesets.is_empty() => {
            let mut counts = (0, 0);
            let times = timed(args.runs, || {
                let report = judge(&dataset, &rulesets, Mode::Audit);
                counts = (report.outcomes.len(), report.findings.len());
            });
            println!(
                "whole check ({} rules from {} rulesets): fastest {:.3} s, median {:.3} s — {} findings",
                counts.0,
                rulesets.len(),
                times[0],
                times[times.len() / 2],
                counts.1
            );
        }
        Ok(_) => println!("whole check: skipped, no rulesets found (give --rules)"),
        Err(errors) => {
            errors.iter().for_each(|e| eprint!("{e}"));
            return super::EXIT_BAD_INPUT;
        }
    }
    if args.map {
        if let Err(e) = bench_map(&dataset, &radius, args.runs) {
            eprintln!("{e}");
            return super::EXIT_BAD_INPUT;
        }
    }
    if let Some(kib) = peak_memory_kib() {
        println!("peak memory (VmHWM): {:.0} MiB", kib as f64 / 1024.0);
    }
    0
}

/// One whole check of a dataset folder, timed phase by phase, with memory after each.
fn bench_phases(dir: &std::path::Path, rules: &[PathBuf]) -> i32 {
    use carecircle::check::{check, CheckRequest, Source};
    let files = if rules.is_empty() {
        default_rules()
    } else {
        rules.to_vec()
    };
    let rulesets = match super::load_rulesets(&files) {
        Ok(r) => r,
        Err(errors) => {
            errors.iter().for_each(|e| eprint!("{e}"));
            return super::EXIT_BAD_INPUT;
        }
    };
    let memory = || {
        format!(
            "VmRSS {:>6.0} MiB, peak {:>6.0} MiB",
            resident_kib().unwrap_or(0) as f64 / 1024.0,
            peak_memory_kib().unwrap_or(0) as f64 / 1024.0
        )
    };
    let whole = Instant::now();
    let mut phase = Instant::now();
    let report = |name: &str, phase: &mut Instant| {
        println!("{name:<8} {:>7.3} s   {}", phase.elapsed().as_secs_f64(), memory());
        *phase = Instant::now();
    };
    let dataset = match carecircle::load::load_dataset(dir) {
        Ok(d) => d,
        Err(problems) => {
            eprint!("{problems}");
            return super::EXIT_BAD_INPUT;
        }
    };
    let (areas, facilities) = (dataset.residential_areas.len(), dataset.facilities.len());
    report("load", &mut phase);
    let source = Source::new(&super::folder_name(dir), dataset);
    let judged = match check(&source, CheckRequest::new(rulesets, Mode::Audit)) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("{e}");
            return super::EXIT_BAD_INPUT;
        }
    };
    report("judge", &mut phase);
    let view = judged.view(None);
    // As `check --format json` writes it: streamed, here to /dev/null.
    let written = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .map_err(|e| e.to_string())
        .and_then(|sink| {
            let mut counted = Counted(std::io::BufWriter::with_capacity(1 << 20, sink), 0);
            carecircle::report::json::write_pretty(&view, &mut counted).map_err(|e| e.to_string())?;
            Ok(counted.1)
        });
    let bytes = match written {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{e}");
            return super::EXIT_BAD_INPUT;
        }
    };
    report("write", &mut phase);
    println!(
        "whole    {:>7.3} s   ({areas} areas, {facilities} facilities, {} findings, {:.0} MB of JSON)",
        whole.elapsed().as_secs_f64(),
        judged.report.findings.len(),
        bytes as f64 / 1e6
    );
    0
}

/// A writer that counts what passes through it.
struct Counted<W>(W, usize);

impl<W: std::io::Write> std::io::Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(buf)?;
        self.1 += n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Keeps `n` runs in an embedded store and reports resident memory and disk as they accumulate.
fn bench_keep_runs(dataset: carecircle::model::Dataset, n: usize, args: &BenchArgs) -> i32 {
    use carecircle::check::{check, CheckRequest};
    use carecircle::store::{embedded::EmbeddedStore, keep, Store};
    let rulesets = match super::load_rulesets(&default_rules()) {
        Ok(r) => r,
        Err(errors) => {
            errors.iter().for_each(|e| eprint!("{e}"));
            return super::EXIT_BAD_INPUT;
        }
    };
    let maps = args.map && map::find_font(None).and_then(|p| map::register(&p)).is_ok();
    let state = match tempfile_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return super::EXIT_BAD_INPUT;
        }
    };
    let result = (|| -> Result<(), carecircle::store::StoreError> {
        let store = EmbeddedStore::open(vec![("synth".into(), dataset)], &state)?;
        let source = store.dataset("synth")?;
        println!("runs kept | VmRSS MiB | state dir MiB | s per run (judge + render + keep) | list all runs s");
        let started = Instant::now();
        let mut last = (0, Instant::now());
        for i in 1..=n {
            let request = CheckRequest::new(rulesets.clone(), Mode::Audit);
            let judged = check(&source, request).map_err(|e| carecircle::store::StoreError::Backend(e.to_string()))?;
            keep(&store, &judged, maps.then_some(map::Lang::Chinese), None)?;
            if i == 1 || i % (n / 4).max(1) == 0 || i == n {
                let per_run = last.1.elapsed().as_secs_f64() / (i - last.0) as f64;
                let listed = Instant::now();
                let kept = store.runs()?.len();
                println!(
                    "{kept:>9} | {:>9.1} | {:>13.1} | {per_run:>34.4} | {:.4}",
                    resident_kib().unwrap_or(0) as f64 / 1024.0,
                    dir_bytes(&state) as f64 / 1_048_576.0,
                    listed.elapsed().as_secs_f64()
                );
                last = (i, Instant::now());
            }
        }
        println!("{n} runs in {:.1} s", started.elapsed().as_secs_f64());
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&state);
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{e}");
            super::EXIT_BAD_INPUT
        }
    }
}

/// A fresh folder under the system's temporary directory.
fn tempfile_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("carecircle-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => dir_bytes(&e.path()),
                    _ => e.metadata().map(|m| m.len()).unwrap_or(0),
                })
                .sum()
        })
        .unwrap_or(0)
}

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn bench_map(dataset: &carecircle::model::Dataset, radius: &Rule, runs: usize) -> Result<(), map::MapError> {
    map::register(&map::find_font(None)?)?;
    let (_, findings) = judge_rule(radius, &Context::new(dataset, Mode::Audit));
    let coverage = map::Coverage {
        rule: radius.id.clone(),
        radius_m: 700.0,
        tiers: Tier::COMMUNITY.to_vec(),
        walking: false,
        uncovered: findings.iter().map(|f| f.id.clone()).collect(),
        added: Vec::new(),
        caption: None,
    };
    let spec = map::MapSpec {
        dataset,
        mode: Mode::Audit,
        coverage: Some(&coverage),
        findings: &findings,
        bbox: None,
        width: 1600,
        lang: map::Lang::Chinese,
        shading: None,
    };
    let mut sizes = (0, 0);
    let mut failed = None;
    let png = timed(runs, || match map::render_png(&spec) {
        Ok(p) => sizes.0 = p.len(),
        Err(e) => failed = Some(e),
    });
    let svg = timed(runs, || match map::render_svg(&spec) {
        Ok(s) => sizes.1 = s.len(),
        Err(e) => failed = Some(e),
    });
    if let Some(e) = failed {
        return Err(e);
    }
    println!(
        "coverage map, {} areas, {} facilities: PNG fastest {:.3} s ({} KiB), SVG fastest {:.3} s ({} KiB)",
        dataset.residential_areas.len(),
        dataset.facilities.len(),
        png[0],
        sizes.0 / 1024,
        svg[0],
        sizes.1 / 1024
    );
    Ok(())
}

/// One facility's edit: applied, then judged on save, each timed; a whole check beside them.
fn bench_edits(dataset: &carecircle::model::Dataset, args: &BenchArgs) -> i32 {
    let files = if args.rules.is_empty() {
        default_rules()
    } else {
        args.rules.clone()
    };
    let rulesets = match super::load_rulesets(&files) {
        Ok(r) => r,
        Err(errors) => {
            errors.iter().for_each(|e| eprint!("{e}"));
            return super::EXIT_BAD_INPUT;
        }
    };
    let Some(facility) = dataset.facilities.get(dataset.facilities.len() / 2) else {
        eprintln!("the synthetic city has no facility to edit");
        return super::EXIT_BAD_INPUT;
    };
    let edit = carecircle::edit::Edit::update(
        "facilities",
        &facility.id,
        serde_json::json!({"properties": {"status": "closed", "floor_area_m2": facility.floor_area_m2 + 1.0}}),
    );
    let mut applied = None;
    let apply_times = timed(args.runs, || applied = carecircle::edit::apply(dataset, &edit).ok());
    let Some(applied) = applied else {
        eprintln!("the edit of {} was refused", facility.id);
        return super::EXIT_BAD_INPUT;
    };
    let mut flipped = (0, 0);
    let judge_times = timed(args.runs, || {
        let f = carecircle::check::flips(dataset, &applied.dataset, &rulesets, Mode::Audit);
        flipped = (f.rules.len(), f.subjects.len());
    });
    // As the service judges a write: the version's rule totals kept (one whole judgement per version, not
    // timed here), then only what the edit can touch, on its window.
    let totals = carecircle::check::Totals::of(&judge(dataset, &rulesets, Mode::Audit));
    let touched = carecircle::check::Touched {
        layer: "facilities",
        before: Some(applied.position),
        after: Some(applied.position),
    };
    let mut near_flipped = (0, 0);
    let near_times = timed(args.runs.max(5), || {
        let (f, _) = carecircle::check::flips_near(dataset, &applied.dataset, &totals, touched, &rulesets, Mode::Audit);
        near_flipped = (f.rules.len(), f.subjects.len());
    });
    let whole_times = timed(args.runs, || {
        judge(dataset, &rulesets, Mode::Audit);
    });
    // Where a whole judgement's time goes, rule by rule (each on a context of its own, so each pays for
    // the look-ups it needs).
    for ruleset in &rulesets {
        for rule in &ruleset.rules {
            let t = Instant::now();
            let context = Context::new(dataset, Mode::Audit);
            judge_rule(rule, &context);
            println!("  {:<40} {:>8.3} s", rule.id, t.elapsed().as_secs_f64());
        }
    }
    let median = |t: &[f64]| t[t.len() / 2];
    println!(
        "the same edit judged on its window (as the service judges a write): fastest {:.4} s, median {:.4} s — {} rules and {} subjects flip",
        near_times[0],
        median(&near_times),
        near_flipped.0,
        near_flipped.1
    );
    println!(
        "edit of facility {} (closed): applied (read, checked, spliced) fastest {:.3} s, median {:.3} s; judged on save (both sides, {} rulesets) fastest {:.3} s, median {:.3} s — {} rules and {} subjects flip; a whole check: fastest {:.3} s, median {:.3} s",
        facility.id,
        apply_times[0],
        median(&apply_times),
        rulesets.len(),
        judge_times[0],
        median(&judge_times),
        flipped.0,
        flipped.1,
        whole_times[0],
        median(&whole_times)
    );
    0
}

fn timed(runs: usize, mut f: impl FnMut()) -> Vec<f64> {
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

/// The built-in rulesets, by id (`load_rulesets` reads a path when one exists, else the built-in).
fn default_rules() -> Vec<PathBuf> {
    carecircle::builtin::RULESETS
        .iter()
        .map(|(id, _)| PathBuf::from(id))
        .collect()
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
