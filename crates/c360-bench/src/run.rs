//! `c360-bench run`: `c360 run` on generated identity graphs and events, against an
//! in-memory union-find over the same edges.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use c360_bench::stitch::{union_find_csv, write_project, Generated, RunSize, AS_OF};
use serde_json::Value;

use crate::c360_binary;

/// The scenarios measured: stitching at two graph sizes, the larger event volume on the
/// smaller graph so that one run is the full 10M-event target.
const SCENARIOS: &[RunSize] = &[
    RunSize {
        edges: 1_000_000,
        events: 10_000_000,
        orders: 1_000_000,
    },
    RunSize {
        edges: 5_000_000,
        events: 1_000_000,
        orders: 100_000,
    },
];

/// The steps of the identity-graph part of a run, after the entity name and `_`.
const GRAPH_STEPS: &[&str] = &[
    "id_links",
    "id_nodes",
    "key_check",
    "id_edges",
    "overlinked",
    "stitch_init",
    "stitch",
    "keys",
    "ids",
];

/// One measured scenario.
struct Measured {
    size: RunSize,
    generated: Generated,
    generate: Duration,
    wall: Duration,
    peak_rss_kib: Option<u64>,
    load: Duration,
    steps: Vec<(String, Duration, Option<u64>)>,
    instances: u64,
    union_find: Duration,
}

impl Measured {
    fn step(&self, name: &str) -> Duration {
        self.steps
            .iter()
            .filter(|(step, _, _)| step == name)
            .map(|(_, d, _)| *d)
            .sum()
    }

    fn stitch(&self) -> Duration {
        self.step("customer_stitch_init") + self.step("customer_stitch")
    }

    fn graph(&self) -> Duration {
        GRAPH_STEPS
            .iter()
            .map(|s| self.step(&format!("customer_{s}")))
            .sum()
    }

    fn rounds(&self) -> u64 {
        self.steps
            .iter()
            .find(|(step, _, _)| step == "customer_stitch")
            .and_then(|(_, _, rounds)| *rounds)
            .unwrap_or(0)
    }
}

/// Runs every scenario in a temp dir (deleted afterwards) and returns the BENCHMARKS.md
/// section.
pub fn bench_run() -> Result<String, String> {
    let bin = c360_binary()?;
    let mut measured = Vec::new();
    for (i, &size) in SCENARIOS.iter().enumerate() {
        let dir = std::env::temp_dir().join(format!("c360-bench-run-{}-{i}", std::process::id()));
        let result = measure(&bin, &dir, size);
        let _ = std::fs::remove_dir_all(&dir);
        measured.push(result?);
    }
    Ok(report(&measured))
}

fn measure(bin: &Path, dir: &Path, size: RunSize) -> Result<Measured, String> {
    eprintln!(
        "generating {} edges, {} events, {} orders in {}",
        size.edges,
        size.events,
        size.orders,
        dir.display()
    );
    let start = Instant::now();
    let generated =
        write_project(dir, size).map_err(|e| format!("writing {}: {e}", dir.display()))?;
    let generate = start.elapsed();

    eprintln!("union-find over data/identifies.csv");
    let start = Instant::now();
    let components = union_find_csv(&dir.join("data/identifies.csv"))
        .map_err(|e| format!("reading the edges: {e}"))?;
    let union_find = start.elapsed();
    if components.components != generated.components || components.nodes != generated.nodes {
        return Err(format!(
            "the union-find found {} components of {} ids, the generator made {} of {}",
            components.components, components.nodes, generated.components, generated.nodes
        ));
    }

    eprintln!("c360 run");
    let start = Instant::now();
    let mut child = Command::new(bin)
        .args(["run", "--format", "json", "--as-of", AS_OF])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("running {}: {e}", bin.display()))?;
    // The peak resident set (VmHWM) only grows, so the last sample before exit is the peak
    // up to the final few milliseconds, which hold no large allocation (the summary prints).
    let pid = child.id();
    let stdout = child.stdout.take().ok_or("no stdout of c360 run")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut { stdout }, &mut text).map(|_| text)
    });
    let mut peak_rss_kib = None;
    let status = loop {
        if let Some(hwm) = vm_hwm_kib(pid) {
            peak_rss_kib = Some(hwm);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for c360 run: {e}")),
        }
    };
    let wall = start.elapsed();
    let text = reader
        .join()
        .map_err(|_| "the reader of c360 run's output panicked")?
        .map_err(|e| format!("reading c360 run's output: {e}"))?;
    if !status.success() {
        return Err(format!("`c360 run` failed ({status}):\n{text}"));
    }
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("c360 run's JSON summary: {e}"))?;
    let ms = |v: &Value| Duration::from_secs_f64(v["elapsed_ms"].as_f64().unwrap_or(0.0) / 1e3);
    let load = json["loaded"]["tables"]
        .as_array()
        .map(|tables| tables.iter().map(ms).sum())
        .unwrap_or_default();
    let steps = json["steps"]
        .as_array()
        .ok_or("the summary has no steps")?
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap_or("?").to_owned(),
                ms(s),
                s["rounds"].as_u64(),
            )
        })
        .collect();
    let instances = json["entities"][0]["instances"]
        .as_u64()
        .ok_or("the summary has no entity")?;
    assert_eq!(
        instances as usize, components.components,
        "the engine's customer instances equal the union-find's components"
    );
    Ok(Measured {
        size,
        generated,
        generate,
        wall,
        peak_rss_kib,
        load,
        steps,
        instances,
        union_find,
    })
}

/// The peak resident set of a live process, from `/proc/<pid>/status`.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn report(all: &[Measured]) -> String {
    let mut out = String::from(
        "| identity edges | ids | customers (= union-find components) | largest | stitch rounds | stitch (init + loop) | identity graph, all steps | union-find incl. reading the CSV | stitch ÷ union-find | graph ÷ union-find |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for m in all {
        let uf = m.union_find.as_secs_f64();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1}× | {:.1}× |\n",
            thousands(m.generated.edges),
            thousands(m.generated.nodes),
            thousands(m.instances as usize),
            m.generated.largest,
            m.rounds(),
            secs(m.stitch()),
            secs(m.graph()),
            secs(m.union_find),
            m.stitch().as_secs_f64() / uf,
            m.graph().as_secs_f64() / uf,
        ));
    }
    out.push_str(
        "\n| run | events | orders | generating the CSVs | loading the tables | `c360 run` wall | peak memory (VmHWM) |\n|---|---|---|---|---|---|---|\n",
    );
    for m in all {
        out.push_str(&format!(
            "| {} edges | {} | {} | {} | {} | {} | {} |\n",
            thousands(m.generated.edges),
            thousands(m.size.events),
            thousands(m.size.orders),
            secs(m.generate),
            secs(m.load),
            secs(m.wall),
            m.peak_rss_kib
                .map(|k| format!("{:.0} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "n/a".into()),
        ));
    }
    let stitch_met = all
        .iter()
        .all(|m| m.stitch().as_secs_f64() <= 2.0 * m.union_find.as_secs_f64());
    let ten_m = all.iter().find(|m| m.size.events >= 10_000_000);
    out.push_str(&format!(
        "\nTargets: stitching within 2× of the union-find (incl. reading the edges): **{}**; a `c360 run` over 10M events in < 60 s: **{}**.\n",
        if stitch_met { "met" } else { "missed" },
        match ten_m {
            Some(m) if m.wall.as_secs_f64() < 60.0 => format!("met ({})", secs(m.wall)),
            Some(m) => format!("missed ({})", secs(m.wall)),
            None => "not measured".into(),
        }
    ));
    for m in all {
        let mut graph: Vec<(&str, Duration)> = GRAPH_STEPS
            .iter()
            .map(|s| (*s, m.step(&format!("customer_{s}"))))
            .collect();
        graph.sort_by_key(|&(_, d)| std::cmp::Reverse(d));
        out.push_str(&format!(
            "\nWith {} edges the identity graph as a whole takes {:.1}× the union-find; its slowest steps are {}.\n",
            thousands(m.generated.edges),
            m.graph().as_secs_f64() / m.union_find.as_secs_f64(),
            graph
                .iter()
                .take(3)
                .map(|(s, d)| format!("`{s}` ({})", secs(*d)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for m in all {
        out.push_str(&format!(
            "\nSteps of the {} edges run (ms): {}.\n",
            thousands(m.generated.edges),
            m.steps
                .iter()
                .map(|(s, d, _)| format!("{s} {:.0}", d.as_secs_f64() * 1e3))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.trim_end().to_owned()
}
