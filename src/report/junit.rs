//! JUnit XML, as CI servers read it (Jenkins, GitLab, GitHub test reporters): one
//! `<testsuite name="pg-invariants">` inside `<testsuites>`, as libtest's own junit writes it,
//! one `<testcase>` per test that was not filtered out.
//!
//! Test names and messages come from the database and the user's files: everything written
//! goes through [`text`] or [`attribute`], which also keep the document well-formed XML 1.0
//! whatever the characters.

use std::io::{self, Write};
use std::time::Duration;

use super::{Case, Status, Summary};

pub fn write(summary: &Summary, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, "<testsuites>")?;
    writeln!(
        out,
        r#"<testsuite name="pg-invariants" tests="{}" failures="{}" errors="0" skipped="{}" time="{}">"#,
        summary.cases.len(),
        summary.failures(),
        summary.skipped(),
        seconds(summary.time),
    )?;
    for case in &summary.cases {
        write_case(case, out)?;
    }
    writeln!(out, "</testsuite>")?;
    writeln!(out, "</testsuites>")?;
    out.flush()
}

fn write_case(case: &Case, out: &mut impl Write) -> io::Result<()> {
    let time = match &case.status {
        Status::Skipped => Duration::ZERO,
        Status::Passed(time) | Status::Failed(time, _) => *time,
    };
    write!(
        out,
        r#"  <testcase name="{}" classname="{}" time="{}""#,
        attribute(&case.name),
        attribute(&case.classname),
        seconds(time),
    )?;
    match &case.status {
        Status::Passed(_) => writeln!(out, "/>"),
        Status::Skipped => writeln!(out, "><skipped/></testcase>"),
        Status::Failed(_, reported) => {
            let first = reported.message.lines().next().unwrap_or_default();
            writeln!(
                out,
                r#"><failure message="{}">{}</failure></testcase>"#,
                attribute(first),
                text(&reported.message),
            )
        }
    }
}

fn seconds(time: Duration) -> String {
    format!("{:.3}", time.as_secs_f64())
}

/// `s` as element content: markup characters as entities, carriage returns as a character
/// reference (a parser would turn a literal one into a line feed).
fn text(s: &str) -> String {
    escape(s, false)
}

/// `s` as an attribute value: as [`text`], and quotes and white space other than the space as
/// character references (a parser normalizes literal ones to spaces).
fn attribute(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' if in_attribute => out.push_str(&format!("&#{};", c as u32)),
            c if is_xml_char(c) => out.push(c),
            // Not even a character reference may name these in XML 1.0: written as Rust
            // escapes, as names with unprintable characters are everywhere else.
            c => out.extend(c.escape_default()),
        }
    }
    out
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_any_text_well_formed() {
        assert_eq!(text("a<b>&c\"\n\r"), "a&lt;b&gt;&amp;c\"\n&#13;");
        assert_eq!(attribute("a\"b\n\tc"), "a&quot;b&#10;&#9;c");
        assert_eq!(
            text("nul\u{0}esc\u{1b}ffff\u{FFFF}"),
            "nul\\u{0}esc\\u{1b}ffff\\u{ffff}"
        );
        assert_eq!(text("é\u{10348}"), "é\u{10348}");
    }
}
