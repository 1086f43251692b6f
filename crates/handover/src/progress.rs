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
