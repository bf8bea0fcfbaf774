//! `carecircle bench`: times the radius rule and a whole check on synthetic data built in memory
//! (loading excluded), and reports peak memory.

use carecircle::engine::{judge, judge_rule, Context};
use carecircle::model::{Mode, Tier};
use carecircle::rules::{Metric, Rule, RuleKind, ServiceRadius, Severity};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct BenchArgs {
    #[arg(long, default_value_t = 100_000)]
    areas: usize,
    #[arg(long, default_value_t = 10_000)]
    facilities: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Timed runs of each measurement; the fastest and the median are shown.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Rulesets for the whole-check measurement (default: every rules/*.toml here).
    #[arg(long, num_args = 1..)]
    rules: Vec<PathBuf>,
}

pub fn run(args: BenchArgs) -> i32 {
    let started = Instant::now();
    let dataset = carecircle::synth::synthesize(args.areas, args.facilities, args.seed);
    println!(
        "合成 synthesized {} areas × {} facilities, {} admin units in {:.2} s (not timed below)",
        dataset.residential_areas.len(),
        dataset.facilities.len(),
        dataset.admin_units.len(),
        started.elapsed().as_secs_f64()
    );
    println!("threads: {}", rayon::current_num_threads());

    let radius = Rule {
        id: "bench/service-radius-700".into(),
        title: None,
        severity: Severity::Error,
        clause: String::new(),
        quote: String::new(),
        kind: RuleKind::ServiceRadius(ServiceRadius {
            radius_m: 700.0,
            tiers: Tier::COMMUNITY.to_vec(),
            metric: Metric::Euclidean,
            strict: true,
            target: 1.0,
        }),
    };
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
    if let Some(kib) = peak_memory_kib() {
        println!("peak memory (VmHWM): {:.0} MiB", kib as f64 / 1024.0);
    }
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

fn default_rules() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("rules")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
