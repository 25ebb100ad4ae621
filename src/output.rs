//! What `test` writes to stdout is a protocol (libtest's `test NAME ... ok` lines and
//! `---- NAME ----` sections, read by cargo, nextest and CI parsers): nothing the database holds
//! may forge a line of it, and a reader that stops reading (`| head -3`) ends the run quietly.
//!
//! Names are escaped where they are made ([`crate::names::shown`]); this module is the last line
//! of defence for whole lines: a test name keeps no unprintable character, and a failure message
//! keeps its line breaks but every line after the first is indented, so none can start with
//! `test ` or `---- `.

use std::sync::Once;

use crate::names::is_unprintable;

/// Exit code of a run cut short because stdout was closed and no check that ran had failed:
/// 128 + SIGPIPE, what a shell reports for a program a closed pipe ended. Never 0: the checks
/// that did not run have not passed.
pub const EXIT_STDOUT_CLOSED: u8 = 141;

/// `text` as one line, every unprintable character escaped: a test name (names made by the plan
/// have none), or a failure's promise, where only a name can bring a line break.
pub fn one_line(text: &str) -> String {
    escape_unprintable(text, |_| false)
}

/// A failure message as printed under `---- name ----`: line breaks kept, other unprintable
/// characters escaped (tabs kept), every non-empty line after the first indented.
pub fn message(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.is_empty() && !line.starts_with([' ', '\t']) {
                out.push_str("  ");
            }
        }
        out.push_str(&escape_unprintable(line, |c| c == '\t'));
    }
    out
}

fn escape_unprintable(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unprintable(c) && !keep(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Makes a panic caused by writing to a closed stdout silent. libtest-mimic unwraps every
/// write, so `| head -3` panics in its printer; the runner catches that panic, removes the
/// server and exits (see [`stdout_closed`]). Other panics are reported as before.
pub fn silence_closed_stdout_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !stdout_closed() {
                previous(info);
            }
        }));
    });
}

/// True when nobody reads stdout any more: the reading end of its pipe (or socket) is closed.
pub fn stdout_closed() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: poll(2) on one pollfd we own, with a zero timeout: it only fills `revents`.
    let ready = unsafe { libc::poll(&mut fd, 1, 0) };
    ready > 0 && fd.revents & (libc::POLLERR | libc::POLLHUP) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_lines_but_cannot_start_one() {
        let forged = "table t has no column \"x\ntest t::x::fk ... ok\n---- t ----\"\n  found: y";
        assert_eq!(
            message(forged),
            "table t has no column \"x\n  test t::x::fk ... ok\n  ---- t ----\"\n  found: y"
        );
        assert_eq!(message("a\rb\u{1b}[2K\tc"), "a\\rb\\u{1b}[2K\tc");
        assert_eq!(message("ok\n\n  indented"), "ok\n\n  indented");
    }

    #[test]
    fn names_are_one_line() {
        assert_eq!(one_line("t::a\nb::exists"), "t::a\\nb::exists");
        assert_eq!(one_line("t::a\\nb::exists"), "t::a\\nb::exists");
    }

    #[test]
    fn a_file_is_never_a_closed_stdout() {
        // Under `cargo test` stdout is captured or a terminal or a file; none is a closed pipe.
        assert!(!stdout_closed());
    }
}
