//! Charts as SVG text, drawn with plotters: level against target with glide
//! paths, the forecast fan, and the sensitivity tornado. Deterministic: the
//! same data give the same bytes, so charts can be snapshot-tested.

use chrono::{Datelike, NaiveDate};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (720, 300);

const BLUE: RGBColor = RGBColor(31, 90, 160);
const GREY: RGBColor = RGBColor(120, 120, 120);
const RED: RGBColor = RGBColor(190, 40, 40);
const GLIDE: [RGBColor; 3] = [
    RGBColor(230, 140, 20),
    RGBColor(40, 150, 80),
    RGBColor(140, 70, 170),
];

/// A date as a fractional year, the x axis of the time charts.
fn year(d: NaiveDate) -> f64 {
    d.year() as f64 + (d.ordinal0() as f64 + 1.0) / if d.leap_year() { 366.0 } else { 365.0 }
}

/// Draw into an SVG string; a drawing error (never expected) gives an SVG
/// that says so rather than a panic.
fn svg(
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<(), String>,
) -> String {
    let mut out = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        let r = root
            .fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|_| draw(&root));
        r.and_then(|_| root.present().map_err(|e| e.to_string()))
    };
    match result {
        Ok(()) => out,
        Err(e) => format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\"><text x=\"10\" y=\"20\">chart could not be drawn: {}</text></svg>",
            SIZE.0,
            SIZE.1,
            e.replace('<', "&lt;")
        ),
    }
}

fn x_range(dates: &[NaiveDate]) -> std::ops::Range<f64> {
    let first = dates.first().map_or(2026.0, |d| year(*d) - 1.0 / 12.0);
    let last = dates.last().map_or(2027.0, |d| year(*d));
    first..last.max(first + 0.1)
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A vertical line and label at each deadline, then the legend.
fn deadlines_and_legend<'a>(
    chart: &mut Chart<'a, 'a>,
    deadlines: &[(String, NaiveDate)],
    top: f64,
) -> Result<(), String> {
    for (id, d) in deadlines {
        let x = year(*d);
        chart
            .draw_series(LineSeries::new([(x, 0.0), (x, top)], GREY.stroke_width(1)))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series([Text::new(
                id.clone(),
                (x, top * 0.97),
                ("sans-serif", 11).into_font().color(&GREY),
            )])
            .map_err(|e| e.to_string())?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(GREY)
        .draw()
        .map_err(|e| e.to_string())
}

/// European level against the target over time, with the glide path to
/// each deadline (in units: glide coverage × target) and a mark at each
/// deadline. `glides` are coverage series; `deadlines` are `(id, date)`.
pub fn level_chart(
    unit: &str,
    dates: &[NaiveDate],
    level: &[f64],
    target: f64,
    glides: &[(String, Vec<f64>)],
    deadlines: &[(String, NaiveDate)],
) -> String {
    svg(|root| {
        let top = level.iter().copied().chain([target]).fold(0.0f64, f64::max) * 1.1;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(70)
            .build_cartesian_2d(x_range(dates), 0.0..top.max(1.0))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_labels(12)
            .x_label_formatter(&|x| format!("{:.0}", x.floor()))
            .y_desc(unit)
            .y_label_formatter(&|y| crate::fmt::number(*y, 0))
            .draw()
            .map_err(|e| e.to_string())?;
        let xs: Vec<f64> = dates.iter().map(|d| year(*d)).collect();
        let (x0, x1) = (
            xs.first().copied().unwrap_or(0.0),
            xs.last().copied().unwrap_or(1.0),
        );
        chart
            .draw_series(LineSeries::new(
                [(x0, target), (x1, target)],
                RED.stroke_width(1),
            ))
            .map_err(|e| e.to_string())?
            .label(format!("target {}", crate::fmt::level(target)))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], RED));
        for (i, (id, g)) in glides.iter().enumerate() {
            let colour = GLIDE[i % GLIDE.len()];
            chart
                .draw_series(LineSeries::new(
                    xs.iter().zip(g).map(|(x, c)| (*x, c * target)),
                    colour.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?
                .label(format!("glide path to {id}"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], colour));
        }
        chart
            .draw_series(LineSeries::new(
                xs.iter().zip(level).map(|(x, y)| (*x, *y)),
                BLUE.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("European level")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLUE.stroke_width(2)));
        deadlines_and_legend(&mut chart, deadlines, top)
    })
}

/// The forecast fan: the P10–P90 band of coverage per period, the P50 line,
/// and the deterministic coverage for comparison.
pub fn fan_chart(
    dates: &[NaiveDate],
    p10: &[f64],
    p50: &[f64],
    p90: &[f64],
    deadlines: &[(String, NaiveDate)],
) -> String {
    svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(50)
            .build_cartesian_2d(x_range(dates), 0.0..1.05)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_labels(12)
            .x_label_formatter(&|x| format!("{:.0}", x.floor()))
            .y_desc("coverage")
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .draw()
            .map_err(|e| e.to_string())?;
        let xs: Vec<f64> = dates.iter().map(|d| year(*d)).collect();
        let band: Vec<(f64, f64)> = xs
            .iter()
            .zip(p90)
            .map(|(x, y)| (*x, *y))
            .chain(xs.iter().zip(p10).rev().map(|(x, y)| (*x, *y)))
            .collect();
        chart
            .draw_series([Polygon::new(band, BLUE.mix(0.25).filled())])
            .map_err(|e| e.to_string())?
            .label("P10–P90")
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 5), (x + 16, y + 5)], BLUE.mix(0.25).filled())
            });
        chart
            .draw_series(LineSeries::new(
                xs.iter().zip(p50).map(|(x, y)| (*x, *y)),
                BLUE.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("P50")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLUE.stroke_width(2)));
        deadlines_and_legend(&mut chart, deadlines, 1.05)
    })
}

/// The sensitivity tornado: one bar per input, its Spearman rho, largest
/// `|rho|` on top.
pub fn tornado_chart(inputs: &[(String, f64)]) -> String {
    svg(|root| {
        let n = inputs.len().max(1);
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(230)
            .build_cartesian_2d(-1.0..1.0, -0.5..(n as f64 - 0.5))
            .map_err(|e| e.to_string())?;
        let label = |y: &f64| {
            let i = y.round();
            if (y - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            // Top row is the first input.
            let idx = n - 1 - i as usize;
            inputs.get(idx).map_or(String::new(), |(name, _)| {
                if name.chars().count() > 34 {
                    let tail: String = name
                        .chars()
                        .rev()
                        .take(33)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    format!("…{tail}")
                } else {
                    name.clone()
                }
            })
        };
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .y_labels(n)
            .y_label_formatter(&label)
            .x_desc("Spearman rank correlation with coverage at the deadline")
            .x_label_formatter(&|x| format!("{x:+.1}"))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(inputs.iter().enumerate().map(|(i, (_, rho))| {
                let y = (n - 1 - i) as f64;
                let colour = if *rho < 0.0 { RED } else { BLUE };
                Rectangle::new([(0.0, y - 0.35), (*rho, y + 0.35)], colour.filled())
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(LineSeries::new([(0.0, -0.5), (0.0, n as f64 - 0.5)], BLACK))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(n: usize) -> Vec<NaiveDate> {
        (0..n)
            .map(|k| {
                NaiveDate::from_ymd_opt(2026 + (k / 12) as i32, (k % 12) as u32 + 1, 1)
                    .unwrap()
                    .pred_opt()
                    .unwrap()
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn level_chart_is_an_svg_with_its_series_and_is_deterministic() {
        let d = dates(24);
        let level: Vec<f64> = (0..24).map(|k| 10.0 + k as f64).collect();
        let glide: Vec<f64> = (0..24).map(|k| 0.2 + 0.8 * (k as f64 / 23.0)).collect();
        let dl = [("us-2027".to_string(), d[23])];
        let a = level_chart(
            "tanks",
            &d,
            &level,
            50.0,
            &[("us-2027".into(), glide.clone())],
            &dl,
        );
        assert!(a.starts_with("<svg"), "{}", &a[..40]);
        assert!(a.contains("European level"));
        assert!(a.contains("target 50"));
        assert!(a.contains("glide path to us-2027"));
        assert!(a.contains("<polyline"));
        let b = level_chart("tanks", &d, &level, 50.0, &[("us-2027".into(), glide)], &dl);
        assert_eq!(a, b);
    }

    #[test]
    fn fan_and_tornado_draw() {
        let d = dates(12);
        let p: Vec<f64> = (0..12).map(|k| k as f64 / 12.0).collect();
        let f = fan_chart(&d, &p, &p, &p, &[]);
        assert!(f.contains("P10–P90") && f.contains("<polygon"));
        let t = tornado_chart(&[
            ("orders.csv:3 date".into(), -0.7),
            ("lines.csv:2 lead_time_months".into(), 0.2),
        ]);
        assert!(t.contains("orders.csv:3 date"));
        assert!(t.matches("<rect").count() >= 3, "background and two bars");
    }
}
