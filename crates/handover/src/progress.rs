//! Progress bars for long runs: shown on a terminal, silent when piped.

use handover_core::forecast::{Forecast, ForecastResult};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Run a forecast with a progress bar on standard error when it is a terminal.
pub fn run(forecast: &Forecast, samples: u64) -> ForecastResult {
    if !std::io::stderr().is_terminal() {
        return forecast.run();
    }
    let bar = ProgressBar::with_draw_target(Some(samples), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} forecast {bar:40} {pos}/{len} samples ({per_sec}, eta {eta})",
        )
        .expect("valid template"),
    );
    let result = forecast.run_with_progress(&|k| bar.inc(k));
    bar.finish_and_clear();
    result
}

/// A progress bar for `total` samples on a terminal (hidden otherwise), with `label`.
pub fn bar(total: u64, label: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {label} {{bar:40}} {{pos}}/{{len}} samples ({{per_sec}}, eta {{eta}})"
        ))
        .expect("valid template"),
    );
    bar
}
