//! A formatted SQL changeset's rollback, its Down part ([`Migration::down`]), as Liquibase's
//! `rollback` runs it.
//!
//! Liquibase's rollback SQL is the text after `--rollback ` on each such line of the changeset,
//! and the lines between a `/* liquibase rollback` line and the `*/` that closes it. It is sent
//! as the changeset's SQL is, in its transaction mode (`runInTransaction`), its statements split
//! as `rollbackSplitStatements` and `rollbackEndDelimiter` say. A rollback that says `not
//! required` or `empty` runs nothing: the Down part is there, empty. One that names another
//! changeset (`changesetId:<id> changesetAuthor:<author>`) runs that changeset's SQL: the Down
//! part is that changeset's migration, when it comes earlier in the same changelog (one named
//! in another changelog, or by `changesetPath`, is not followed: no Down part). A changeset
//! without rollback has none.
//!
//! The Down part keeps the changelog as its file: its text is the changelog's with everything
//! but the rollback SQL blanked (line breaks kept), so that a location names the line and
//! column of the rollback SQL in the changelog. Liquibase joins the lines of a rollback block
//! without line breaks; they are kept here, which sends the same statements unless a line of
//! the block ends inside a word or holds a `--` comment.

use std::ops::Range;
use std::path::Path;

use super::sql::{Open, migration};
use crate::migrate::migration::Migration;

/// The rollback SQL of a `--rollback <sql>` line, as a range of `line`: what follows
/// `rollback ` (Liquibase's `\s*--\s*rollback (.*)`); `None` for any other line.
pub(super) fn in_line(line: &str) -> Option<Range<usize>> {
    let content = line.trim_end_matches(['\n', '\r']);
    let after_dashes = content.trim_start().strip_prefix("--")?.trim_start();
    let word = after_dashes.get(.."rollback ".len())?;
    if !word.eq_ignore_ascii_case("rollback ") {
        return None;
    }
    Some(content.len() - after_dashes.len() + word.len()..content.len())
}

/// The rollback SQL of a line inside a `/* liquibase rollback` block, as a range of `line`: the
/// line, or what comes before its `*/` when it is the `last`.
pub(super) fn in_block(line: &str, last: bool) -> Range<usize> {
    let content = line.trim_end_matches(['\n', '\r']);
    match last {
        true => 0..content.rfind("*/").unwrap_or(content.len()),
        false => 0..content.len(),
    }
}

/// `text` with everything but the rollback SQL of `changesets` blanked, byte for byte (line
/// breaks kept), so that offsets and line numbers are the changelog's.
pub(super) fn only<'a>(text: &str, changesets: impl Iterator<Item = &'a Open>) -> String {
    let mut kept = vec![false; text.len()];
    for range in changesets.flat_map(|c| c.rollback_sql.iter()) {
        kept[range.clone()].fill(true);
    }
    let mut out = String::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        match kept[at] || c == '\n' || c == '\r' {
            true => out.push(c),
            false => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
        }
    }
    out
}

/// The Down part of changeset `c`, whose SQL is `body` of the changelog at `path`; `text` is the
/// changelog's text with only rollback SQL left ([`only`]), `earlier` the migrations of the
/// changesets before it, for a rollback that names one.
pub(super) fn down<'a>(
    path: &Path,
    text: &str,
    c: &Open,
    body: Range<usize>,
    mut earlier: impl Iterator<Item = &'a Migration>,
) -> Option<Migration> {
    let first = c.rollback_sql.first()?;
    let said: Vec<&str> = (c.rollback_sql.iter()).map(|r| &text[r.clone()]).collect();
    let said = said.join("\n");
    let lower = said.trim().to_ascii_lowercase();
    let nothing = lower.starts_with("not required") || lower.starts_with("empty");
    if nothing && !lower.contains('\n') {
        return Some(migration(
            path,
            text,
            c,
            &c.rollback,
            first.start..first.start,
        ));
    }
    if !lower.contains("changesetid") {
        return Some(migration(path, text, c, &c.rollback, body));
    }
    let flat = said.replace(['\n', '\r'], "");
    if attribute(&flat, "changesetpath:").is_some() {
        return None;
    }
    let named = format!(
        "{}:{}",
        attribute(&flat, "changesetauthor:")?,
        attribute(&flat, "changesetid:")?
    );
    let referenced = earlier.find(|m| m.version.eq_ignore_ascii_case(&named))?;
    Some(Migration {
        transaction: c.transaction,
        down: None,
        ..referenced.clone()
    })
}

/// The value after the last `key` (lower case) in `text`, up to whitespace, as Liquibase's
/// `.*key(\S+).*` (case-insensitive) finds it.
fn attribute<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let at = text.to_ascii_lowercase().rfind(key)? + key.len();
    let value = text[at..].split(char::is_whitespace).next()?;
    (!value.is_empty()).then_some(value)
}
