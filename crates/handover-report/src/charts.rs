//! Charts as SVG text, drawn with plotters: level against target with glide
//! paths, the forecast fan, and the sensitivity tornado. Deterministic: the
//! same data give the same bytes, so charts can be snapshot-tested.
//!
//! Every chart is an image with a name (`role="img"`, `aria-label` and a
//! `<title>` saying what it shows), and every series it draws is one group,
//! `<g class="series" data-series="...">`, so that readers, tests and
//! accessibility tools can tell the series apart and count them:
//!
//! | chart | series (`data-series`) |
//! |---|---|
//! | level | `target`, one `glide-path` per deadline (with `data-deadline`), `level` |
//! | fan | `p10-p90` (the band), `p50` |
//! | tornado | one `rho` per input (with `data-input`) |
//!
//! Deadline marks are `<g class="deadline" data-deadline="...">` and the
//! legend is `<g class="legend">`. plotters has no way to open a group, so
//! each is drawn as a marker text and [`svg`] replaces the markers with
//! `<g ...>` and `</g>` once plotters is done.

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

/// Starts a marker text that [`group`] replaces (a private-use character,
/// which no chart text contains).
const MARK: char = '\u{E000}';
/// The marker that closes the innermost group.
const END: &str = "end";

/// A date as a fractional year, the x axis of the time charts.
fn year(d: NaiveDate) -> f64 {
    d.year() as f64 + (d.ordinal0() as f64 + 1.0) / if d.leap_year() { 366.0 } else { 365.0 }
}

/// Text escaped for an XML attribute value or element content.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            MARK => {}
            c => out.push(c),
        }
    }
    out
}

/// The groups a chart opens, by number; markers name them (see [`group`]).
#[derive(Default)]
struct Groups(Vec<String>);

impl Groups {
    /// Open a group with these attributes (`class="series" ...`, values
    /// escaped by the caller); everything drawn until [`Groups::close`]
    /// goes in it.
    fn open(&mut self, chart: &mut Chart<'_, '_>, attrs: String) -> Result<(), String> {
        let i = self.0.len();
        self.0.push(attrs);
        mark(chart, format!("{MARK}{i}"))
    }

    /// Close the innermost open group.
    fn close(&mut self, chart: &mut Chart<'_, '_>) -> Result<(), String> {
        mark(chart, format!("{MARK}{END}"))
    }

    /// Draw a series in a group `class="series" data-series="{name}" {extra}`.
    fn series<'a, 'b>(
        &mut self,
        chart: &mut Chart<'a, 'b>,
        name: &str,
        extra: &str,
        draw: impl FnOnce(&mut Chart<'a, 'b>) -> Result<(), String>,
    ) -> Result<(), String> {
        let sep = if extra.is_empty() { "" } else { " " };
        self.open(
            chart,
            format!(
                "class=\"series\" data-series=\"{}\"{sep}{extra}",
                escape(name)
            ),
        )?;
        draw(chart)?;
        self.close(chart)
    }
}

/// A marker: a text element whose content is `text`, inside the plot.
fn mark(chart: &mut Chart<'_, '_>, text: String) -> Result<(), String> {
    let at = (chart.x_range().start, chart.y_range().start);
    chart
        .draw_series([Text::new(text, at, ("sans-serif", 1).into_font())])
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Replace the marker texts of plotters' SVG by the groups they stand for:
/// `<text ...>{MARK}3</text>` by `<g {groups[3]}>`, `<text ...>{MARK}end</text>`
/// by `</g>`. An unknown or unbalanced marker is an error (never expected).
fn group(svg: &str, groups: &[String]) -> Result<String, String> {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    let mut depth = 0usize;
    while let Some(m) = rest.find(MARK) {
        let open = rest[..m]
            .rfind("<text")
            .ok_or("a chart marker outside a text element")?;
        let close_at = rest[m..]
            .find("</text>")
            .ok_or("a chart marker text is not closed")?
            + m;
        let body = rest[m + MARK.len_utf8()..close_at].trim();
        let mut after = close_at + "</text>".len();
        if rest[after..].starts_with('\n') {
            after += 1;
        }
        out.push_str(&rest[..open]);
        if body == END {
            depth = depth.checked_sub(1).ok_or("a chart group closed twice")?;
            out.push_str("</g>\n");
        } else {
            let attrs = body
                .parse::<usize>()
                .ok()
                .and_then(|i| groups.get(i))
                .ok_or_else(|| format!("unknown chart marker `{body}`"))?;
            depth += 1;
            out.push_str(&format!("<g {attrs}>\n"));
        }
        rest = &rest[after..];
    }
    if depth != 0 {
        return Err(format!("{depth} chart group(s) not closed"));
    }
    out.push_str(rest);
    Ok(out)
}

/// Name the image: `role="img"` and `aria-label` on the `<svg>` element,
/// and a `<title>` as its first child (shown as a tooltip, and the name of a
/// standalone SVG file).
fn name_image(svg: &str, label: &str) -> String {
    let label = escape(label);
    match (svg.strip_prefix("<svg"), svg.find('>')) {
        (Some(_), Some(end)) => {
            let (tag, body) = svg.split_at(end + 1);
            let body = body.strip_prefix('\n').unwrap_or(body);
            format!(
                "<svg role=\"img\" aria-label=\"{label}\"{}\n<title>{label}</title>\n{body}",
                &tag["<svg".len()..]
            )
        }
        _ => svg.to_string(),
    }
}

/// Draw into an SVG string named `label`; a drawing error (never expected)
/// gives an SVG that says so rather than a panic.
fn svg(
    label: &str,
    draw: impl FnOnce(
        &DrawingArea<SVGBackend, plotters::coord::Shift>,
        &mut Groups,
    ) -> Result<(), String>,
) -> String {
    let mut out = String::new();
    let mut groups = Groups::default();
    let result = {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        let r = root
            .fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|_| draw(&root, &mut groups));
        r.and_then(|_| root.present().map_err(|e| e.to_string()))
    };
    match result.and_then(|()| group(&out, &groups.0)) {
        Ok(grouped) => name_image(&grouped, label),
        Err(e) => name_image(
            &format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">\n<text x=\"10\" y=\"20\">chart could not be drawn: {}</text></svg>",
                SIZE.0,
                SIZE.1,
                escape(&e)
            ),
            label,
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
    groups: &mut Groups,
    deadlines: &[(String, NaiveDate)],
    top: f64,
) -> Result<(), String> {
    for (id, d) in deadlines {
        let x = year(*d);
        groups.open(
            chart,
            format!("class=\"deadline\" data-deadline=\"{}\"", escape(id)),
        )?;
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
        groups.close(chart)?;
    }
    groups.open(chart, "class=\"legend\"".into())?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(GREY)
        .draw()
        .map_err(|e| e.to_string())?;
    groups.close(chart)
}

/// European level against the target over time, with the glide path to
/// each deadline (in units: glide coverage × target) and a mark at each
/// deadline. `glides` are coverage series; `deadlines` are `(id, date)`;
/// `label` says what the chart shows (its accessible name).
///
/// Series: `target`, one `glide-path` per entry of `glides` (its
/// `data-deadline` the id), `level`.
pub fn level_chart(
    label: &str,
    unit: &str,
    dates: &[NaiveDate],
    level: &[f64],
    target: f64,
    glides: &[(String, Vec<f64>)],
    deadlines: &[(String, NaiveDate)],
) -> String {
    svg(label, |root, groups| {
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
        groups.series(&mut chart, "target", "", |chart| {
            chart
                .draw_series(LineSeries::new(
                    [(x0, target), (x1, target)],
                    RED.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?
                .label(format!("target {}", crate::fmt::level(target)))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], RED));
            Ok(())
        })?;
        for (i, (id, g)) in glides.iter().enumerate() {
            let colour = GLIDE[i % GLIDE.len()];
            let extra = format!("data-deadline=\"{}\"", escape(id));
            groups.series(&mut chart, "glide-path", &extra, |chart| {
                chart
                    .draw_series(LineSeries::new(
                        xs.iter().zip(g).map(|(x, c)| (*x, c * target)),
                        colour.stroke_width(1),
                    ))
                    .map_err(|e| e.to_string())?
                    .label(format!("glide path to {id}"))
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], colour));
                Ok(())
            })?;
        }
        groups.series(&mut chart, "level", "", |chart| {
            chart
                .draw_series(LineSeries::new(
                    xs.iter().zip(level).map(|(x, y)| (*x, *y)),
                    BLUE.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label("European level")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLUE.stroke_width(2)));
            Ok(())
        })?;
        deadlines_and_legend(&mut chart, groups, deadlines, top)
    })
}

/// The forecast fan: the P10–P90 band of coverage per period and the P50
/// line; `label` says what the chart shows.
///
/// Series: `p10-p90` (the band), `p50`.
pub fn fan_chart(
    label: &str,
    dates: &[NaiveDate],
    p10: &[f64],
    p50: &[f64],
    p90: &[f64],
    deadlines: &[(String, NaiveDate)],
) -> String {
    svg(label, |root, groups| {
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
        groups.series(&mut chart, "p10-p90", "", |chart| {
            chart
                .draw_series([Polygon::new(band, BLUE.mix(0.25).filled())])
                .map_err(|e| e.to_string())?
                .label("P10–P90")
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 16, y + 5)], BLUE.mix(0.25).filled())
                });
            Ok(())
        })?;
        groups.series(&mut chart, "p50", "", |chart| {
            chart
                .draw_series(LineSeries::new(
                    xs.iter().zip(p50).map(|(x, y)| (*x, *y)),
                    BLUE.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label("P50")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLUE.stroke_width(2)));
            Ok(())
        })?;
        deadlines_and_legend(&mut chart, groups, deadlines, 1.05)
    })
}

/// The sensitivity tornado: one bar per input, its Spearman rho, largest
/// `|rho|` on top; `label` says what the chart shows.
///
/// Series: one `rho` per input (its `data-input` the input's name).
pub fn tornado_chart(label: &str, inputs: &[(String, f64)]) -> String {
    svg(label, |root, groups| {
        let n = inputs.len().max(1);
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(230)
            .build_cartesian_2d(-1.0..1.0, -0.5..(n as f64 - 0.5))
            .map_err(|e| e.to_string())?;
        let row_label = |y: &f64| {
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
            .y_label_formatter(&row_label)
            .x_desc("Spearman rank correlation with coverage at the deadline")
            .x_label_formatter(&|x| format!("{x:+.1}"))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (name, rho)) in inputs.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let colour = if *rho < 0.0 { RED } else { BLUE };
            let extra = format!("data-input=\"{}\"", escape(name));
            groups.series(&mut chart, "rho", &extra, |chart| {
                chart
                    .draw_series([Rectangle::new(
                        [(0.0, y - 0.35), (*rho, y + 0.35)],
                        colour.filled(),
                    )])
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })?;
        }
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

    /// The `data-series` of every series group, in drawing order.
    fn series(svg: &str) -> Vec<&str> {
        svg.split("<g class=\"series\" data-series=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect()
    }

    /// Every `<g` is closed, no marker is left, the SVG is named.
    fn well_formed(svg: &str, label: &str) {
        assert!(!svg.contains(MARK), "a marker was left in the SVG");
        assert_eq!(
            svg.matches("<g ").count(),
            svg.matches("</g>").count(),
            "groups balanced"
        );
        let head = &svg[..svg.find('>').unwrap()];
        assert!(
            head.starts_with("<svg role=\"img\" aria-label=\""),
            "{head}"
        );
        assert!(
            head.contains("xmlns=\"http://www.w3.org/2000/svg\""),
            "{head}"
        );
        assert!(svg.contains(&format!("<title>{}</title>", escape(label))));
    }

    #[test]
    fn level_chart_is_an_svg_with_its_series_and_is_deterministic() {
        let d = dates(24);
        let level: Vec<f64> = (0..24).map(|k| 10.0 + k as f64).collect();
        let glide: Vec<f64> = (0..24).map(|k| 0.2 + 0.8 * (k as f64 / 23.0)).collect();
        let dl = [
            ("us-2027".to_string(), d[11]),
            ("eu-2030".to_string(), d[23]),
        ];
        let glides = [
            ("us-2027".to_string(), glide.clone()),
            ("eu-2030".to_string(), glide.clone()),
        ];
        let a = level_chart("tanks: level", "tanks", &d, &level, 50.0, &glides, &dl);
        assert!(a.starts_with("<svg"), "{}", &a[..40]);
        assert!(a.contains("European level"));
        assert!(a.contains("target 50"));
        assert!(a.contains("glide path to us-2027"));
        well_formed(&a, "tanks: level");
        // Level, target, one glide path per deadline: each one group with its
        // line in it.
        assert_eq!(series(&a), ["target", "glide-path", "glide-path", "level"]);
        assert!(a.contains("data-series=\"glide-path\" data-deadline=\"eu-2030\""));
        for part in a.split("<g class=\"series\"").skip(1) {
            let body = &part[..part.find("</g>").unwrap()];
            assert_eq!(body.matches("<polyline").count(), 1, "{body}");
        }
        assert_eq!(a.matches("<g class=\"deadline\"").count(), 2);
        assert_eq!(a.matches("<g class=\"legend\"").count(), 1);
        let b = level_chart("tanks: level", "tanks", &d, &level, 50.0, &glides, &dl);
        assert_eq!(a, b);
    }

    #[test]
    fn fan_and_tornado_draw_their_series() {
        let d = dates(12);
        let p: Vec<f64> = (0..12).map(|k| k as f64 / 12.0).collect();
        let f = fan_chart("fan", &d, &p, &p, &p, &[]);
        assert!(f.contains("P10–P90") && f.contains("<polygon"));
        well_formed(&f, "fan");
        assert_eq!(series(&f), ["p10-p90", "p50"]);
        let band = f.split("data-series=\"p10-p90\">").nth(1).unwrap();
        assert!(band[..band.find("</g>").unwrap()].contains("<polygon"));
        let t = tornado_chart(
            "what moves it",
            &[
                ("orders.csv:3 date".into(), -0.7),
                ("lines.csv:2 lead_time_months".into(), 0.2),
            ],
        );
        assert!(t.contains("orders.csv:3 date"));
        assert!(t.matches("<rect").count() >= 3, "background and two bars");
        well_formed(&t, "what moves it");
        assert_eq!(series(&t), ["rho", "rho"]);
        assert!(t.contains("data-series=\"rho\" data-input=\"lines.csv:2 lead_time_months\""));
    }

    #[test]
    fn names_and_attributes_are_escaped() {
        let label = "a <b> & \"c\"";
        let t = tornado_chart(label, &[("x\"><script>".into(), 0.5)]);
        well_formed(&t, label);
        assert!(t.contains("aria-label=\"a &lt;b&gt; &amp; &quot;c&quot;\""));
        assert!(t.contains("data-input=\"x&quot;&gt;&lt;script&gt;\""));
        assert!(!t.contains("<script"));
    }

    #[test]
    fn markers_become_groups_and_bad_markers_are_errors() {
        let groups = vec!["class=\"series\" data-series=\"a\"".to_string()];
        let svg = format!(
            "<svg>\n<text x=\"1\">\n{MARK}0\n</text>\n<polyline/>\n<text x=\"1\">\n{MARK}end\n</text>\n<rect/>\n</svg>\n"
        );
        assert_eq!(
            group(&svg, &groups).unwrap(),
            "<svg>\n<g class=\"series\" data-series=\"a\">\n<polyline/>\n</g>\n<rect/>\n</svg>\n"
        );
        let unclosed = format!("<svg><text>{MARK}0</text></svg>");
        assert!(group(&unclosed, &groups)
            .unwrap_err()
            .contains("not closed"));
        let twice = format!("<svg><text>{MARK}end</text></svg>");
        assert!(group(&twice, &groups).unwrap_err().contains("closed twice"));
        let unknown = format!("<svg><text>{MARK}7</text></svg>");
        assert!(group(&unknown, &groups).unwrap_err().contains("unknown"));
        // Text that is not a marker is left alone.
        assert_eq!(
            group("<svg><text>a</text></svg>", &[]).unwrap(),
            "<svg><text>a</text></svg>"
        );
    }
}
