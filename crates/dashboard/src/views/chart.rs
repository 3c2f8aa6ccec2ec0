//! The throughput chart: jobs done and attempts failed per second, one
//! point per minute, drawn as inline SVG (no script, no external asset).

use maud::{html, Markup};

use redspin_queue::admin::Minute;

const W: f64 = 720.0;
const H: f64 = 160.0;
/// Room for the axis labels.
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 20.0;
const TOP: f64 = 10.0;

/// The polyline points of `values` scaled to the plot area, highest at `max`.
pub fn points(values: &[f64], max: f64) -> String {
    let n = values.len().max(2) - 1;
    let (pw, ph) = (W - LEFT, H - BOTTOM - TOP);
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = LEFT + pw * i as f64 / n as f64;
            let y = TOP + ph - ph * (v / max).clamp(0.0, 1.0);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A "nice" upper bound for the y axis: 1, 2 or 5 times a power of ten.
pub fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * p)
}

fn label(v: f64) -> String {
    if v >= 10.0 || v == 0.0 {
        crate::format::thousands(v.round() as u64)
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

pub fn chart(series: &[Minute]) -> Markup {
    let done: Vec<f64> = series.iter().map(|m| m.done as f64 / 60.0).collect();
    let failed: Vec<f64> = series.iter().map(|m| m.failed as f64 / 60.0).collect();
    let max = nice_max(done.iter().chain(&failed).copied().fold(0.0, f64::max));
    let total_done: u64 = series.iter().map(|m| m.done).sum();
    let total_failed: u64 = series.iter().map(|m| m.failed).sum();
    let ph = H - BOTTOM - TOP;
    html! {
        figure.chart {
            svg viewBox=(format!("0 0 {W} {H}")) role="img" aria-labelledby="chart-title" {
                title id="chart-title" {
                    "Jobs done and attempts failed per second over the last hour: "
                    (total_done) " done, " (total_failed) " failed"
                }
                @for frac in [0.0, 0.5, 1.0] {
                    @let y = TOP + ph - ph * frac;
                    line.grid x1=(LEFT) x2=(W) y1=(y) y2=(y) {}
                    text.axis x=(LEFT - 6.0) y=(y + 4.0) text-anchor="end" { (label(max * frac)) }
                }
                text.axis x=(LEFT) y=(H - 4.0) { "-60 min" }
                text.axis x=((LEFT + W) / 2.0) y=(H - 4.0) text-anchor="middle" { "-30 min" }
                text.axis x=(W) y=(H - 4.0) text-anchor="end" { "now" }
                polyline.done points=(points(&done, max)) {}
                polyline.failed points=(points(&failed, max)) {}
            }
            figcaption {
                span.key.done { "done/s" } " "
                span.key.failed { "failed/s" }
                " — last hour: " (crate::format::thousands(total_done)) " done, "
                (crate::format::thousands(total_failed)) " failed"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_bounds_are_round() {
        let cases = [
            (0.0, 1.0),
            (0.3, 0.5),
            (1.0, 1.0),
            (1.2, 2.0),
            (3.0, 5.0),
            (7.0, 10.0),
            (1234.0, 2000.0),
            (f64::NAN, 1.0),
        ];
        for (v, want) in cases {
            assert!((nice_max(v) - want).abs() < 1e-9, "{v} -> {}", nice_max(v));
        }
    }

    #[test]
    fn points_span_the_plot_and_clamp() {
        assert_eq!(
            points(&[0.0, 2.0, 1.0], 2.0),
            "48.0,140.0 384.0,10.0 720.0,75.0"
        );
        assert_eq!(points(&[5.0], 2.0), "48.0,10.0");
        assert_eq!(points(&[], 1.0), "");
    }
}
