//! The Markdown report of a `suite` run: one table of every TARGETS.md
//! figure with its same-run baseline and ratio (and, with two binary sets,
//! old, new and new/old), then each sweep's points.

use std::fmt::Write as _;

use crate::results::{Figure, RunResult, SetResult};

/// The whole report.
pub fn render(run: &RunResult) -> String {
    let mut out = String::new();
    let m = &run.machine;
    let _ = writeln!(out, "# Switchboard benchmark, {}\n", run.started_at);
    let _ = writeln!(
        out,
        "Profile `{}`, {} arrivals; {} cores ({}), {} GiB memory, kernel {}, \
         open-files limit {}; commit `{}`; finished {}.\n",
        run.profile,
        run.arrivals,
        m.cores,
        if m.cpu_model.is_empty() {
            "unknown CPU"
        } else {
            &m.cpu_model
        },
        m.memory_bytes / (1 << 30),
        m.kernel,
        m.open_files_limit,
        m.git_commit,
        run.finished_at,
    );
    for set in &run.sets {
        let _ = writeln!(out, "- **{}**: binaries from `{}`", set.label, set.bin_dir);
    }
    out.push_str(
        "\nEvery ratio is the figure over its baseline measured in the same run, \
         on the same nats-server and machine (TARGETS.md).\n\n## Figures\n\n",
    );
    match run.sets.as_slice() {
        [old, new] => compare_table(&mut out, old, new),
        sets => {
            for set in sets {
                single_table(&mut out, set);
            }
        }
    }
    for set in &run.sets {
        sweeps(&mut out, set);
    }
    for set in run.sets.iter().filter(|set| !set.errors.is_empty()) {
        let _ = writeln!(out, "\n## Failed scenarios ({})\n", set.label);
        for error in &set.errors {
            let _ = writeln!(out, "- {}", error.replace('\n', " "));
        }
    }
    out
}

fn number(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), number)
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "–",
    }
}

fn single_table(out: &mut String, set: &SetResult) {
    let _ = writeln!(out, "### {}\n", set.label);
    out.push_str("| id | figure | unit | value | baseline | ratio | target | verdict |\n");
    out.push_str("|---|---|---|---:|---:|---:|---|---|\n");
    for f in &set.figures {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            f.id,
            f.name,
            f.unit,
            number(f.value),
            optional(f.baseline),
            optional(f.ratio),
            f.target,
            verdict(f.met)
        );
    }
    out.push('\n');
}

/// new / old, and whether that is an improvement for this kind of figure.
fn change(old: &Figure, new: &Figure) -> String {
    if old.value == 0.0 {
        return "–".to_owned();
    }
    let factor = new.value / old.value;
    let better = if new.higher_is_better {
        factor > 1.0
    } else {
        factor < 1.0
    };
    let word = if (factor - 1.0).abs() < 0.05 {
        "same"
    } else if better {
        "better"
    } else {
        "worse"
    };
    format!("{factor:.2} ({word})")
}

fn compare_table(out: &mut String, old: &SetResult, new: &SetResult) {
    out.push_str(
        "| id | figure | unit | old | old baseline | old ratio | new | new baseline | new ratio | \
         new/old | target | old → new |\n",
    );
    out.push_str("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    // Every figure either set has, in the order the new set lists them.
    let mut names: Vec<(&str, &str)> = new
        .figures
        .iter()
        .map(|f| (f.id.as_str(), f.name.as_str()))
        .collect();
    for f in &old.figures {
        if !names.contains(&(f.id.as_str(), f.name.as_str())) {
            names.push((&f.id, &f.name));
        }
    }
    names.sort_by_key(|(id, _)| *id);
    for (id, name) in names {
        let (o, n) = (old.figure(id, name), new.figure(id, name));
        let cell = |f: Option<&Figure>, pick: fn(&Figure) -> Option<f64>| {
            f.map_or_else(|| "–".to_owned(), |f| optional(pick(f)))
        };
        let any = o.or(n).expect("listed from one of them");
        let _ = writeln!(
            out,
            "| {id} | {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} → {} |",
            any.unit,
            cell(o, |f| Some(f.value)),
            cell(o, |f| f.baseline),
            cell(o, |f| f.ratio),
            cell(n, |f| Some(f.value)),
            cell(n, |f| f.baseline),
            cell(n, |f| f.ratio),
            match (o, n) {
                (Some(o), Some(n)) => change(o, n),
                _ => "–".to_owned(),
            },
            any.target,
            verdict(o.and_then(|f| f.met)),
            verdict(n.and_then(|f| f.met)),
        );
    }
    out.push('\n');
}

fn sweeps(out: &mut String, set: &SetResult) {
    for curve in &set.curves {
        let _ = writeln!(out, "\n### {}: {} (open loop)\n", set.label, curve.label);
        out.push_str("| offered /s | achieved /s | sent | arrived | late sends | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |\n");
        out.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for p in &curve.points {
            let l = &p.latency;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                number(p.offered_per_s),
                number(p.achieved_per_s),
                p.sent,
                p.arrived,
                p.late_sends,
                number(l.p50_ms),
                number(l.p90_ms),
                number(l.p99_ms),
                number(l.p99_9_ms),
                number(l.max_ms)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::tests::sample;

    #[test]
    fn two_sets_render_old_new_their_ratios_and_the_change() {
        let report = render(&sample());
        assert!(report.starts_with("# Switchboard benchmark, 2026-12-02T17:00:00Z"));
        assert!(report.contains("| old | old baseline | old ratio | new |"));
        // P1: old 6 ms (3x its 2 ms baseline), new 3 ms (1.5x): half the latency.
        assert!(
            report.contains(
                "| P1 | customer → agent p99 at 100/s | ms | 6.000 | 2.000 | 3.000 | 3.000 | 2.000 | 1.500 | 0.50 (better) | ratio ≤ 2 | **missed** → met |"
            ),
            "{report}"
        );
        assert!(report.contains("| P6 | pending timers memory | MiB | 80.0 | – | – | 80.0 | – | – | 1.00 (same) | ≤ 1024 MiB | met → met |"), "{report}");
        assert!(report.contains("### new: customer → agent (open loop)"));
        assert!(
            report.contains("| 300 | 300 | 100 | 100 | 0 | 3.000 | 4.800 | 6.000 | 9.000 | 12.0 |"),
            "{report}"
        );
    }

    #[test]
    fn one_set_renders_its_values_baselines_and_failures() {
        let mut run = sample();
        run.sets.truncate(1);
        run.sets[0]
            .errors
            .push("P6: timer service not ready\nat start".into());
        let report = render(&run);
        assert!(
            report.contains("| id | figure | unit | value | baseline | ratio | target | verdict |")
        );
        assert!(report.contains("| P1 | customer → agent p99 at 100/s | ms | 6.000 | 2.000 | 3.000 | ratio ≤ 2 | **missed** |"), "{report}");
        assert!(
            report.contains("## Failed scenarios (old)\n\n- P6: timer service not ready at start")
        );
    }
}
