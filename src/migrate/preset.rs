//! What a preset installs before `before` and the chain (`[database] preset`, docs/tenancy.md): one SQL script per preset, run like a `before` file, so a chain written for a platform
//! applies on a bare PostgreSQL without a hand-written stub.

use std::path::PathBuf;

use super::migration::Migration;
use crate::spec::Preset;

/// Supabase's roles, `auth`, `storage` and `extensions` schemas and grants.
const SUPABASE: &str = include_str!("preset/supabase.sql");

/// The script of `preset`, as the first `before` file; `None` for `preset = "none"`.
pub fn script(preset: Preset) -> Option<Migration> {
    let (name, text) = match preset {
        Preset::None => return None,
        Preset::Supabase => ("supabase", SUPABASE),
    };
    Some(Migration {
        description: format!("preset {name}"),
        // Not a file of the project: an error in it reads `<preset supabase>:line:col`.
        ..Migration::new(PathBuf::from(format!("<preset {name}>")), text.to_string())
    })
}

/// The schemas `preset` makes before the chain: their tables are the platform's, not the
/// project's (never counted as the schemas the chain made tables in).
pub fn schemas(preset: Preset) -> &'static [&'static str] {
    match preset {
        Preset::None => &[],
        Preset::Supabase => &["auth", "storage", "extensions"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_installs_nothing() {
        assert!(script(Preset::None).is_none());
    }

    #[test]
    fn supabase_runs_in_one_transaction_and_splits_into_statements() {
        let script = script(Preset::Supabase).expect("a script");
        assert!(script.transaction);
        let statements = script.statements();
        // Dollar-quoted bodies stay whole: one statement per function.
        let functions = statements
            .iter()
            .filter(|s| script.sql()[s.range.clone()].contains("CREATE OR REPLACE FUNCTION"))
            .count();
        assert_eq!(functions, 7);
    }
}
