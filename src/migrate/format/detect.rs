//! `format = "auto"`: which tool owns a chain, from its files' markers first, then from the
//! layout rules of the formats, in their documented order (see the documentation of
//! [`super`]).

use std::path::Path;

use super::tool::Listing;
use super::{DiscoverError, Format, TOOLS, entries, markers};

/// Recognises the layout of `dir` (see the module documentation of [`super`]). Never returns
/// `Auto` or `Command`.
pub fn detect(dir: &Path) -> Result<Format, DiscoverError> {
    if dir.is_file()
        && let Some(tool) = TOOLS.iter().find(|tool| tool.names_chain_file(dir))
    {
        return Ok(tool.format());
    }
    let entries = entries(dir)?;
    if let Some(format) = markers::decide(dir, &entries)? {
        return Ok(format);
    }
    let listing = Listing::new(dir, &entries);
    let mut ruled: Vec<_> = (TOOLS.iter())
        .filter_map(|tool| Some((tool.layout_rule()?, tool)))
        .collect();
    ruled.sort_by_key(|(rule, _)| *rule);
    for (_, tool) in ruled {
        if tool.has_layout(&listing)? {
            return Ok(tool.format());
        }
    }
    Ok(Format::SqlDir)
}
