//! `[database] settings`: server settings (`-c name=value`) a project gives the throwaway
//! server. Checked when the project file is read, because each one ends up on the postmaster's
//! command line: a name or value PostgreSQL would refuse, one too long for a command line, or
//! one that would change where the superuser server listens must stop the run at its line.

use serde_spanned::Spanned;

use super::error::SpecError;
use super::source::Source;

/// Settings that would change where the throwaway superuser server listens or what it trusts:
/// a careless or hostile value would open it on TCP. `unix_socket_*` is a prefix.
const FORBIDDEN_SETTINGS: [&str; 5] = [
    "listen_addresses",
    "port",
    "unix_socket_",
    "hba_file",
    "data_directory",
];
/// The longest setting name taken: PostgreSQL's own are under 40 bytes; a longer one is a
/// mistake (a 2 MB name made the server's command line too long to start).
const MAX_SETTING_NAME: usize = 127;
/// The longest setting value taken: one `-c name=value` argument must fit the command line.
const MAX_SETTING_VALUE: usize = 8192;

/// A name PostgreSQL takes for a setting: `work_mem`, `app.tenant_id`.
fn is_setting_name(name: &str) -> bool {
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$');
    starts_well && name.len() <= MAX_SETTING_NAME && name.chars().all(valid)
}

/// A server setting as PostgreSQL's `-c name=value` wants it.
pub(super) fn setting(
    src: &Source,
    key: &Spanned<String>,
    value: &Spanned<toml::Value>,
) -> Result<(String, String), SpecError> {
    let name = key.get_ref();
    if !is_setting_name(name) {
        let shown: String = name.chars().take(40).collect();
        return Err(src.error_at(
            key,
            format!(
                "`{shown}{}` is not a setting name: letters, digits, `_` and `.` ({MAX_SETTING_NAME} bytes at most), as `work_mem` or `app.tenant_id`",
                if shown.len() < name.len() { "…" } else { "" }
            ),
        ));
    }
    let lower = name.to_lowercase();
    let forbidden = |f: &&str| match f.strip_suffix('_') {
        Some(_) => lower.starts_with(f),
        None => lower == *f,
    };
    if FORBIDDEN_SETTINGS.iter().any(forbidden) {
        return Err(src.error_at(
            key,
            format!(
                "setting `{name}` may not be set: pg-invariants decides where its throwaway server listens and whom it trusts (never {})",
                "listen_addresses, port, unix_socket_*, hba_file, data_directory"
            ),
        ));
    }
    let text = match value.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => if *b { "on" } else { "off" }.to_string(),
        _ => {
            return Err(src.error_at(
                value,
                format!("setting `{name}` must be a string, number or boolean"),
            ));
        }
    };
    if text.len() > MAX_SETTING_VALUE {
        return Err(src.error_at(
            value,
            format!(
                "the value of setting `{name}` is {} bytes long; at most {MAX_SETTING_VALUE}",
                text.len()
            ),
        ));
    }
    Ok((name.to_string(), text))
}
