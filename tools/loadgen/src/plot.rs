//! The latency plot of a `suite` run, as SVG: p50 and p99 against offered
//! rate for each open-loop sweep of each binary set, with the same-run bare
//! JetStream baseline drawn in grey. plotters' SVG backend writes text as
//! `<text>` elements, so no font files are needed.

use plotters::prelude::*;

use crate::results::{Curve, RatePoint, RunResult};

const WIDTH: u32 = 960;
const HEIGHT: u32 = 600;

/// Colours for the sets' curves, in order; baselines are grey.
const PALETTE: [RGBColor; 4] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x94, 0x67, 0xbd),
];

fn p99(point: &RatePoint) -> f64 {
    point.latency.p99_ms
}

fn p50(point: &RatePoint) -> f64 {
    point.latency.p50_ms
}

fn is_baseline(curve: &Curve) -> bool {
    curve.label.starts_with("bare")
}

/// The SVG document, or an error naming what plotters refused.
pub fn svg(run: &RunResult) -> anyhow::Result<String> {
    let curves: Vec<(String, &Curve)> = run
        .sets
        .iter()
        .flat_map(|set| {
            set.curves
                .iter()
                .map(move |curve| (format!("{}: {}", set.label, curve.label), curve))
        })
        .collect();
    let points = curves.iter().flat_map(|(_, c)| c.points.iter());
    let max_rate = points.clone().map(|p| p.offered_per_s).fold(1.0, f64::max);
    let max_ms = points.map(|p| p.latency.p99_ms).fold(1.0, f64::max);
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "Latency against offered rate ({}, {})",
                    run.profile, run.started_at
                ),
                ("sans-serif", 18),
            )
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..max_rate * 1.05, (0.1..max_ms * 1.5).log_scale())
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .x_desc("offered rate (messages/s)")
            .y_desc("latency (ms, log scale)")
            .draw()
            .map_err(plot_error)?;
        let mut colour = 0;
        for (label, curve) in &curves {
            let base = if is_baseline(curve) {
                RGBColor(0x80, 0x80, 0x80)
            } else {
                colour += 1;
                PALETTE[(colour - 1) % PALETTE.len()]
            };
            for (quantile, width, pick) in
                [("p99", 2, p99 as fn(&RatePoint) -> f64), ("p50", 1, p50)]
            {
                let style = base.stroke_width(width);
                let series: Vec<(f64, f64)> = curve
                    .points
                    .iter()
                    .map(|p| (p.offered_per_s, pick(p).max(0.1)))
                    .collect();
                chart
                    .draw_series(LineSeries::new(series.clone(), style))
                    .map_err(plot_error)?
                    .label(format!("{label} {quantile}"))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
                chart
                    .draw_series(
                        series
                            .into_iter()
                            .map(|at| Circle::new(at, 3, base.filled())),
                    )
                    .map_err(plot_error)?;
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }
    Ok(text)
}

fn plot_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing the plot: {e:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::tests::sample;

    #[test]
    fn the_plot_draws_every_curve_of_every_set_with_its_legend() {
        let svg = svg(&sample()).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        for label in [
            "old: customer → agent p99",
            "new: customer → agent p50",
            "new: bare JetStream publish → consume p99",
        ] {
            assert!(svg.contains(label), "no `{label}` in the plot");
        }
        // Two quantiles of two curves of two sets: eight lines, besides the mesh.
        assert!(svg.matches("<polyline").count() >= 8);
    }

    #[test]
    fn a_run_without_sweeps_still_draws_empty_axes() {
        let mut run = sample();
        for set in &mut run.sets {
            set.curves.clear();
        }
        assert!(svg(&run).unwrap().contains("offered rate"));
    }
}
