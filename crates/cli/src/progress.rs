//! Progress bars for long work (on a terminal only; hidden under `--json` or in pipes).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Files smaller than this finish too fast for a bar to help.
const MIN_BYTES_FOR_BAR: u64 = 32 << 20;

/// A byte-count bar for `total` bytes, or a hidden one.
pub(crate) fn bytes(total: u64, message: &'static str, json: bool) -> ProgressBar {
    if json || total < MIN_BYTES_FOR_BAR {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{msg} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(message);
    bar
}
