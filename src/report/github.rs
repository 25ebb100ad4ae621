//! GitHub Actions annotations (`GITHUB_ACTIONS=true`): one `::error` workflow command per
//! failure, pointing at the invariant that failed, so the failure shows on the pull request's
//! diff. Escaping follows GitHub's rules for workflow commands (the runner's
//! `ActionCommand`): in the message `%`, `\r`, `\n`; in properties also `:` and `,`.

use std::io::{self, Write};

use super::{Case, Reported, Summary};

/// Writes an annotation for every failure of the run, and a warning for every known failure
/// (its `[known]` reason), so the baseline stays visible on every pull request.
pub fn write(summary: &Summary, out: &mut impl Write) -> io::Result<()> {
    for (case, reported) in summary.failed() {
        writeln!(out, "{}", annotation(case, reported))?;
    }
    for (case, reason) in summary.known() {
        writeln!(
            out,
            "::warning title={}::known failure ([known]): {}",
            property(&case.name),
            data(reason)
        )?;
    }
    out.flush()
}

/// `::error file=F,line=L,col=C,title=NAME::MESSAGE`; without a location, only the title.
fn annotation(case: &Case, reported: &Reported) -> String {
    let mut properties = Vec::new();
    if let Some(at) = reported.failure.as_ref().and_then(|f| f.at.as_ref()) {
        properties.push(format!("file={}", property(&at.path.display().to_string())));
        properties.push(format!("line={}", at.line));
        properties.push(format!("col={}", at.column));
    }
    properties.push(format!("title={}", property(&case.name)));
    format!(
        "::error {}::{}",
        properties.join(","),
        data(&reported.message)
    )
}

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Failure;
    use crate::location::Location;
    use crate::report::Status;
    use std::time::Duration;

    #[test]
    fn annotations_escape_as_github_reads_them() {
        let reported = Reported {
            message: "100% wrong\r\nsecond: line".into(),
            failure: Some(Box::new(Failure {
                at: Some(Location {
                    path: "inv/a,b:c.toml".into(),
                    line: 3,
                    column: 7,
                }),
                promise: String::new(),
                expected: String::new(),
                found: String::new(),
                fix: None,
            })),
        };
        let case = Case {
            name: "t::a,b::c".into(),
            classname: "t".into(),
            status: Status::Failed(Duration::ZERO, reported.clone()),
        };
        assert_eq!(
            annotation(&case, &reported),
            "::error file=inv/a%2Cb%3Ac.toml,line=3,col=7,title=t%3A%3Aa%2Cb%3A%3Ac::100%25 wrong%0D%0Asecond: line"
        );
        let bare = Reported {
            failure: None,
            ..reported
        };
        assert_eq!(
            annotation(&case, &bare),
            "::error title=t%3A%3Aa%2Cb%3A%3Ac::100%25 wrong%0D%0Asecond: line"
        );
    }
}
