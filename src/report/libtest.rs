//! libtest's own output (`--format pretty`, `--format terse` / `-q`), written here rather than
//! by libtest-mimic: a known failure prints as libtest prints `#[ignore = "reason"]`,
//! `test NAME ... ignored, <reason>`, which libtest-mimic 0.8 cannot (it writes
//! `ignored (<reason>)`). Everything else is byte for byte what libtest-mimic prints: the title,
//! one line per test as it ends (names padded to the longest), the failures with their messages,
//! and the result line.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use libtest_mimic::{Arguments, ColorSetting, FormatSetting};

use super::Status;

/// libtest's colours, as anstyle writes them.
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

/// The live printer of one run: tests are reported as they end, from libtest-mimic's threads.
pub struct Live {
    terse: bool,
    color: bool,
    /// The longest name among the tests that run, for the padding.
    width: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Failed tests in the order they ended, with their messages.
    failures: Vec<(String, String)>,
    passed: usize,
    ignored: usize,
    /// A write failed: stdout is closed.
    broken: bool,
}

impl Live {
    /// The printer for `args`, for the tests named `running` (those not filtered out).
    pub fn new(args: &Arguments, running: &[&str]) -> Self {
        let color = match args.color.unwrap_or(ColorSetting::Auto) {
            ColorSetting::Always => true,
            ColorSetting::Never => false,
            ColorSetting::Auto => io::stdout().is_terminal(),
        };
        Self {
            terse: args.quiet || args.format == Some(FormatSetting::Terse),
            color,
            width: running.iter().map(|n| n.chars().count()).max().unwrap_or(0),
            state: Mutex::new(State::default()),
        }
    }

    /// `running N tests`, before any test ends.
    pub fn title(&self, tests: usize) {
        let s = if tests == 1 { "" } else { "s" };
        self.write(&format!("\nrunning {tests} test{s}\n"));
    }

    /// One test's line (a character in terse mode), as it ends.
    pub fn ended(&self, name: &str, status: &Status) {
        {
            let mut state = self.lock();
            match status {
                Status::Passed(_) => state.passed += 1,
                Status::Known(..) | Status::Skipped => state.ignored += 1,
                Status::Failed(_, reported) => state
                    .failures
                    .push((name.to_string(), reported.message.clone())),
            }
        }
        self.write(&self.line(name, status));
    }

    /// What [`Self::ended`] prints.
    fn line(&self, name: &str, status: &Status) -> String {
        let (word, color, terse) = match status {
            Status::Passed(_) => ("ok".to_string(), GREEN, '.'),
            Status::Failed(..) => ("FAILED".to_string(), RED, 'F'),
            Status::Known(_, reason) => (format!("ignored, {reason}"), YELLOW, 'i'),
            Status::Skipped => ("ignored".to_string(), YELLOW, 'i'),
        };
        if self.terse {
            return self.paint(&terse.to_string(), color);
        }
        format!(
            "test {name:<width$} ... {}\n",
            self.paint(&word, color),
            width = self.width
        )
    }

    /// The failures, then `test result: …`; `filtered_out` tests were not run. False when
    /// stdout was closed along the way.
    pub fn finish(&self, filtered_out: usize, time: Duration) -> bool {
        let (failures, passed, ignored) = {
            let state = self.lock();
            (state.failures.clone(), state.passed, state.ignored)
        };
        let mut out = String::new();
        if !failures.is_empty() {
            out.push_str("\nfailures:\n\n");
            for (name, message) in &failures {
                out.push_str(&format!("---- {name} ----\n{message}\n\n"));
            }
            out.push_str("\nfailures:\n");
            for (name, _) in &failures {
                out.push_str(&format!("    {name}\n"));
            }
        }
        let verdict = match failures.is_empty() {
            true => self.paint("ok", GREEN),
            false => self.paint("FAILED", RED),
        };
        out.push_str(&format!(
            "\ntest result: {verdict}. {passed} passed; {} failed; {ignored} ignored; 0 measured; \
             {filtered_out} filtered out; finished in {:.2}s\n\n",
            failures.len(),
            time.as_secs_f64()
        ));
        self.write(&out);
        !self.lock().broken
    }

    fn paint(&self, text: &str, color: &str) -> String {
        match self.color {
            true => format!("{color}{text}{RESET}"),
            false => text.to_string(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes and flushes `text` at once (a line is never split between threads); a failed
    /// write means nobody reads stdout any more.
    fn write(&self, text: &str) {
        let mut state = self.lock();
        if state.broken {
            return;
        }
        let mut out = io::stdout().lock();
        if out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            state.broken = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Reported;

    fn live(color: ColorSetting, quiet: bool) -> Live {
        let args = Arguments {
            color: Some(color),
            quiet,
            ..Arguments::default()
        };
        Live::new(&args, &["a::b", "a::bbbb"])
    }

    #[test]
    fn lines_are_libtests_with_a_known_failure_as_an_ignore_reason() {
        let live = live(ColorSetting::Never, false);
        let known = Status::Known(Duration::ZERO, "tracked in #412".into());
        assert_eq!(
            live.line("a::b", &known),
            "test a::b    ... ignored, tracked in #412\n"
        );
        assert_eq!(
            live.line("a::bbbb", &Status::Passed(Duration::ZERO)),
            "test a::bbbb ... ok\n"
        );
        let failed = Status::Failed(
            Duration::ZERO,
            Reported {
                message: "m".into(),
                failure: None,
            },
        );
        assert_eq!(live.line("a::b", &failed), "test a::b    ... FAILED\n");
        let colored = live_colored();
        assert_eq!(
            colored.line("a::b", &Status::Passed(Duration::ZERO)),
            "test a::b    ... \x1b[32mok\x1b[0m\n"
        );
        let terse = super::tests::live(ColorSetting::Never, true);
        assert_eq!(terse.line("a::b", &known), "i");
        assert_eq!(terse.line("a::b", &failed), "F");
    }

    fn live_colored() -> Live {
        live(ColorSetting::Always, false)
    }
}
