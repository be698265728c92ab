//! Reading documents from a file or standard input (`-`), with a size bound.

use anyhow::{Context, bail};
use std::io::Read;
use std::path::Path;

/// Largest JSON document read from a file or stdin (orders, keystores): 1 MiB.
pub(crate) const MAX_DOCUMENT: u64 = 1 << 20;

/// Reads `path` (or stdin for `-`) as UTF-8 text of at most [`MAX_DOCUMENT`] bytes.
pub(crate) fn read_document(path: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    let reader: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
        )
    };
    reader
        .take(MAX_DOCUMENT + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {} as UTF-8 text", path.display()))?;
    if text.len() as u64 > MAX_DOCUMENT {
        bail!(
            "{} is larger than {} bytes; is it the right file?",
            path.display(),
            MAX_DOCUMENT
        );
    }
    Ok(text)
}
