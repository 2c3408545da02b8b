//! An SVG chart of one figure over a report's buckets, one series per group.
//!
//! Written by hand rather than with `plotters`: the chart needs axes, a few
//! ticks, polylines or bars, a target line and a legend, about as much code
//! as configuring plotters would take, while plotters' SVG back end brings
//! four crates (some 30 000 lines) into every build of the library and
//! measures text with a stand-in font when built without its font features.
//! The output here is plain, deterministic SVG 1.1 that tests can read.

use std::fmt::Write as _;

use super::{Figure, Report, Unit};

/// How the series are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChartKind {
    /// A line per group, with a marker per bucket; an undefined value
    /// (the median of no tickets) breaks the line.
    Line,
    /// Side-by-side bars per bucket, one per group.
    Bars,
}

/// An SVG chart of one [`Figure`] of a [`Report`] over its buckets.
///
/// ```
/// use helpdesk::report::{compute, BucketSize, Chart, Dimension, Figure, ReportQuery, Stat};
/// use helpdesk::survey::TimeBasis;
/// let q = ReportQuery::new("2026-03-02T00:00:00Z".parse()?, "2026-03-30T00:00:00Z".parse()?, BucketSize::Week)
///     .group_by(Dimension::Channel);
/// let report = compute(&[], &q)?;
/// let svg = Chart::line(&report, Figure::FirstReply(Stat::Median, TimeBasis::Business))
///     .target(4.0 * 3600.0) // 4 business hours, in the figure's unit (seconds)
///     .to_svg();
/// assert!(svg.starts_with("<svg "));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Chart<'a> {
    report: &'a Report,
    figure: Figure,
    kind: ChartKind,
    target: Option<f64>,
    title: Option<String>,
    width: f64,
    height: f64,
}

/// Okabe and Ito's palette, told apart by colour-blind readers too.
const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000",
];

const LEFT: f64 = 72.0;
const RIGHT: f64 = 180.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 64.0;

impl<'a> Chart<'a> {
    /// A line chart.
    pub fn line(report: &'a Report, figure: Figure) -> Self {
        Chart {
            report,
            figure,
            kind: ChartKind::Line,
            target: None,
            title: None,
            width: 800.0,
            height: 400.0,
        }
    }

    /// A bar chart.
    pub fn bars(report: &'a Report, figure: Figure) -> Self {
        Chart {
            kind: ChartKind::Bars,
            ..Chart::line(report, figure)
        }
    }

    /// Draws a dashed target line at `value`, in the figure's own unit
    /// (seconds for durations, 0 to 1 for shares).
    pub fn target(mut self, value: f64) -> Self {
        self.target = Some(value).filter(|v| v.is_finite());
        self
    }

    /// Sets the title (default: the figure's label).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the size in pixels (at least 400 x 240).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = f64::from(width.max(400));
        self.height = f64::from(height.max(240));
        self
    }

    /// The chart as an SVG document.
    pub fn to_svg(&self) -> String {
        let report = self.report;
        let series: Vec<Vec<Option<f64>>> = (0..report.groups.len())
            .map(|g| report.series(g, self.figure))
            .collect();
        let scale = Scale::of(self.figure.unit(), &series, self.target);
        let (width, height) = (self.width, self.height);
        let plot_w = width - LEFT - RIGHT;
        let plot_h = height - TOP - BOTTOM;
        let slot = plot_w / report.buckets.len().max(1) as f64;
        let x_of = |b: usize| LEFT + slot * (b as f64 + 0.5);
        let y_of =
            |v: f64| TOP + plot_h * (1.0 - (scale.shown(v) - scale.lo) / (scale.hi - scale.lo));

        let mut svg = String::new();
        let title = self.title.clone().unwrap_or_else(|| self.figure.label());
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
        );
        let _ = write!(svg, "<title>{}</title>", esc(&title));
        let _ = write!(
            svg,
            r#"<rect width="{width}" height="{height}" fill="white"/><text x="{}" y="24" font-size="16" text-anchor="middle">{}</text>"#,
            LEFT + plot_w / 2.0,
            esc(&title)
        );

        // Axes, grid and ticks.
        let _ = write!(svg, r##"<g class="axes" stroke="#444" fill="none">"##);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{}"/><line x1="{LEFT}" y1="{}" x2="{}" y2="{}"/></g>"#,
            TOP + plot_h,
            TOP + plot_h,
            LEFT + plot_w,
            TOP + plot_h
        );
        for t in scale.ticks() {
            let ty = TOP + plot_h * (1.0 - (t - scale.lo) / (scale.hi - scale.lo));
            let _ = write!(
                svg,
                r##"<line x1="{LEFT}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                LEFT + plot_w,
                LEFT - 6.0,
                ty + 4.0,
                fmt_num(t)
            );
        }
        let every = (report.buckets.len() / 12).max(1);
        for (b, bucket) in report.buckets.iter().enumerate().step_by(every) {
            let _ = write!(
                svg,
                r#"<text class="x-label" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x_of(b),
                TOP + plot_h + 18.0,
                esc(&bucket.label)
            );
        }
        let _ = write!(
            svg,
            r#"<text class="x-title" x="{:.1}" y="{:.1}" text-anchor="middle">{} ({})</text>"#,
            LEFT + plot_w / 2.0,
            height - 16.0,
            report.query.bucket.as_str(),
            esc(report.query.time_zone.name())
        );
        let _ = write!(
            svg,
            r#"<text class="y-title" transform="translate(18,{:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
            TOP + plot_h / 2.0,
            esc(&y_title(self.figure, &scale))
        );

        // The series.
        let groups = series.len().max(1) as f64;
        for (g, values) in series.iter().enumerate() {
            let colour = PALETTE[g % PALETTE.len()];
            let name = esc(&report.group_label(g));
            let _ = write!(svg, r#"<g class="series" data-group="{name}">"#);
            match self.kind {
                ChartKind::Line => {
                    for run in runs(values) {
                        let points: Vec<String> = run
                            .iter()
                            .map(|&(b, v)| format!("{:.1},{:.1}", x_of(b), y_of(v)))
                            .collect();
                        let _ = write!(
                            svg,
                            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
                            points.join(" ")
                        );
                    }
                    for (b, v) in values.iter().enumerate() {
                        if let Some(v) = v {
                            let _ = write!(
                                svg,
                                r#"<circle class="point" cx="{:.1}" cy="{:.1}" r="3" fill="{colour}" data-bucket="{}" data-value="{v}"><title>{name}, {}: {}</title></circle>"#,
                                x_of(b),
                                y_of(*v),
                                esc(&report.buckets[b].label),
                                esc(&report.buckets[b].label),
                                scale.text(*v)
                            );
                        }
                    }
                }
                ChartKind::Bars => {
                    let bar = slot * 0.8 / groups;
                    for (b, v) in values.iter().enumerate() {
                        let Some(value) = *v else { continue };
                        let left = LEFT + slot * b as f64 + slot * 0.1 + bar * g as f64;
                        let (top, bottom) =
                            (y_of(value).min(y_of(0.0)), y_of(value).max(y_of(0.0)));
                        let _ = write!(
                            svg,
                            r#"<rect class="point" x="{left:.1}" y="{top:.1}" width="{bar:.1}" height="{:.1}" fill="{colour}" data-bucket="{}" data-value="{value}"><title>{name}, {}: {}</title></rect>"#,
                            bottom - top,
                            esc(&report.buckets[b].label),
                            esc(&report.buckets[b].label),
                            scale.text(value)
                        );
                    }
                }
            }
            let _ = write!(svg, "</g>");
        }

        // The target, and the legend.
        if let Some(t) = self.target {
            let ty = y_of(t);
            let _ = write!(
                svg,
                r##"<line class="target" x1="{LEFT}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="#D55E00" stroke-width="1.5" stroke-dasharray="6 4" data-value="{t}"/>"##,
                LEFT + plot_w
            );
        }
        let lx = LEFT + plot_w + 16.0;
        let _ = write!(svg, r#"<g class="legend">"#);
        let mut ly = TOP + 8.0;
        for g in 0..report.groups.len() {
            let colour = PALETTE[g % PALETTE.len()];
            let _ = write!(
                svg,
                r#"<rect x="{lx:.1}" y="{:.1}" width="12" height="12" fill="{colour}"/><text x="{:.1}" y="{ly:.1}">{}</text>"#,
                ly - 10.0,
                lx + 18.0,
                esc(&report.group_label(g))
            );
            ly += 18.0;
        }
        if let Some(t) = self.target {
            let _ = write!(
                svg,
                r##"<line x1="{lx:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#D55E00" stroke-width="1.5" stroke-dasharray="6 4"/><text x="{:.1}" y="{ly:.1}">target {}</text>"##,
                ly - 4.0,
                lx + 12.0,
                ly - 4.0,
                lx + 18.0,
                scale.text(t)
            );
        }
        let _ = write!(svg, "</g></svg>");
        svg
    }
}

/// The y axis: the shown range and how values are converted for it.
struct Scale {
    /// Shown values are `value / divisor` (hours for seconds, percent for shares).
    divisor: f64,
    unit_name: &'static str,
    lo: f64,
    hi: f64,
    step: f64,
}

impl Scale {
    fn of(unit: Unit, series: &[Vec<Option<f64>>], target: Option<f64>) -> Scale {
        let values = || series.iter().flatten().flatten().copied().chain(target);
        let max = values().fold(0.0_f64, f64::max);
        let min = values().fold(0.0_f64, f64::min);
        let (divisor, unit_name) = match unit {
            Unit::Count => (1.0, "tickets"),
            Unit::Score => (1.0, "score"),
            Unit::Share => (0.01, "%"),
            Unit::Seconds if max >= 7200.0 => (3600.0, "hours"),
            Unit::Seconds if max >= 120.0 => (60.0, "minutes"),
            Unit::Seconds => (1.0, "seconds"),
        };
        let (lo, hi) = (min / divisor, max / divisor);
        let step = nice_step((hi - lo).max(1.0) / 5.0);
        let lo = (lo / step).floor() * step;
        let hi = ((hi / step).ceil() * step).max(lo + step);
        Scale {
            divisor,
            unit_name,
            lo,
            hi,
            step,
        }
    }

    fn shown(&self, v: f64) -> f64 {
        v / self.divisor
    }

    fn ticks(&self) -> Vec<f64> {
        let n = ((self.hi - self.lo) / self.step).round() as usize;
        (0..=n).map(|i| self.lo + self.step * i as f64).collect()
    }

    fn text(&self, v: f64) -> String {
        let unit = match self.unit_name {
            "%" => "%",
            "hours" => " h",
            "minutes" => " min",
            "seconds" => " s",
            _ => "",
        };
        format!("{}{unit}", fmt_num(self.shown(v)))
    }
}

/// The y axis's title: the figure's label, with the unit shown.
fn y_title(figure: Figure, scale: &Scale) -> String {
    let label = figure.label();
    match figure.unit() {
        Unit::Seconds => label.replace("hours", scale.unit_name),
        Unit::Share => format!("{label} (%)"),
        _ => label,
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// A number with at most two decimals and no trailing zeros.
fn fmt_num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// The runs of consecutive defined values, with their bucket indices.
fn runs(values: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut out: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (b, v) in values.iter().enumerate() {
        match v {
            Some(v) => current.push((b, *v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Text for XML content and attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::float_cmp)] // exact: small multiples of powers of ten
    fn steps_and_numbers_read_well() {
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(2.1), 5.0);
        assert_eq!(nice_step(730.0), 1000.0);
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(40.0), "40");
        assert_eq!(fmt_num(-0.001), "0");
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn gaps_break_lines() {
        let runs = runs(&[Some(1.0), None, Some(2.0), Some(3.0), None]);
        assert_eq!(runs, vec![vec![(0, 1.0)], vec![(2, 2.0), (3, 3.0)]]);
    }
}
