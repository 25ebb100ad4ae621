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
        Status::Passed(time) | Status::Known(time, _) | Status::Failed(time, _) => *time,
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
        Status::Known(_, reason) => writeln!(
            out,
            r#"><skipped message="{}"/></testcase>"#,
            attribute(reason)
        ),
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
    use crate::report::Reported;

    fn summary(name: &str, message: &str) -> Summary {
        let reported = Reported {
            message: message.into(),
            failure: None,
        };
        Summary {
            cases: vec![
                Case {
                    name: name.into(),
                    classname: name.into(),
                    status: Status::Failed(Duration::from_millis(5), reported),
                },
                Case {
                    name: "t::exists".into(),
                    classname: "t".into(),
                    status: Status::Skipped,
                },
            ],
            filtered_out: 0,
            time: Duration::from_secs(1),
        }
    }

    proptest::proptest! {
        /// Whatever a name or message holds, a real XML parser reads the document back, and
        /// every character XML can hold comes back as it was.
        #[test]
        fn any_text_gives_well_formed_xml(name in "\\PC*|[<>&\"'\\]\\]>\r\n\t\x00-\x1f\u{fffe}\u{ffff}a]*", message in "\\PC*|[<>&\"\r\n\x00\x1b\u{fffe}a]*") {
            let mut out = Vec::new();
            write(&summary(&name, &message), &mut out).unwrap();
            let xml = String::from_utf8(out).unwrap();
            let doc = roxmltree::Document::parse(&xml).map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}: {xml}")))?;
            let case = doc.descendants().find(|n| n.has_tag_name("testcase")).unwrap();
            let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
            if name.chars().all(is_xml_char) {
                proptest::prop_assert_eq!(case.attribute("name"), Some(name.as_str()));
            }
            if message.chars().all(is_xml_char) {
                proptest::prop_assert_eq!(failure.text().unwrap_or_default(), message.as_str());
            }
        }
    }

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
