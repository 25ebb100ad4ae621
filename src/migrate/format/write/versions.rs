//! The versions new migrations are named with, continuing a chain: timestamps, or numbers with
//! their padding kept. Each format picks its own ([`super::super::tool::Tool::next_versions`]).

use std::time::SystemTime;

use crate::migrate::format::utc::timestamp;
use crate::migrate::format::version::cmp_numeric;
use crate::migrate::migration::Migration;

/// After a chain of sqlx, golang-migrate, dbmate, goose or atlas: timestamps after a timestamp
/// (or an empty chain), else the next numbers.
pub(crate) fn continuing(existing: &[Migration], count: usize, now: SystemTime) -> Vec<String> {
    let last_version = existing.last().map(|m| m.version.as_str());
    match last_version {
        Some(v) if v.len() != 14 => sequence(v, count),
        _ => timestamps(last_version, count, now),
    }
}

/// `count` timestamps from now, or numbers after `last` when now does not sort after it.
pub(crate) fn timestamps(last: Option<&str>, count: usize, now: SystemTime) -> Vec<String> {
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let first = timestamp(secs);
    match last {
        Some(last) if cmp_numeric(&first, last).is_le() => sequence(last, count),
        _ => (0..count as u64).map(|i| timestamp(secs + i)).collect(),
    }
}

/// `count` numbers after `last`, zero padding kept: `0009` → `0010`, `0011`.
pub(crate) fn sequence(last: &str, count: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(count);
    let mut current = last.to_string();
    for _ in 0..count {
        current = increment(&current);
        out.push(current.clone());
    }
    out
}

/// A string of digits plus one, as wide as before unless it overflows: `0099` → `0100`,
/// `99` → `100`, `` → `1`.
fn increment(digits: &str) -> String {
    let mut bytes = digits.as_bytes().to_vec();
    for b in bytes.iter_mut().rev() {
        if *b == b'9' {
            *b = b'0';
        } else {
            *b += 1;
            return String::from_utf8(bytes).unwrap_or_default();
        }
    }
    format!("1{}", String::from_utf8(bytes).unwrap_or_default())
}

/// sqitch's `YYYY-MM-DDTHH:MM:SSZ` from `YYYYMMDDHHMMSS`.
pub(crate) fn iso_timestamp(t: &str) -> String {
    if t.len() != 14 {
        return t.to_string();
    }
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &t[..4],
        &t[4..6],
        &t[6..8],
        &t[8..10],
        &t[10..12],
        &t[12..]
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::{outside, tx, written};
    use super::*;
    use crate::migrate::format::discover;
    use crate::migrate::format::fixture::Fixture;
    use crate::spec::Format;
    use rstest::rstest;

    #[rstest]
    #[case("0009", "0010")]
    #[case("99", "100")]
    #[case("", "1")]
    #[case("20240101000000", "20240101000001")]
    fn increments_keep_the_padding(#[case] digits: &str, #[case] expected: &str) {
        assert_eq!(increment(digits), expected);
    }

    #[rstest]
    #[case::supabase(
        Format::Supabase,
        &[("20240101000000_init.sql", "SELECT 1;")],
        &["20240305060708_fix_1.sql", "20240305060709_fix_2.sql"]
    )]
    #[case::supabase_future_timestamp(
        Format::Supabase,
        &[("20990101000000_init.sql", "SELECT 1;")],
        &["20990101000001_fix_1.sql", "20990101000002_fix_2.sql"]
    )]
    #[case::prisma(
        Format::Prisma,
        &[("20240101000000_init/migration.sql", "SELECT 1;"), ("migration_lock.toml", "")],
        &["20240305060708_fix_1/migration.sql", "20240305060709_fix_2/migration.sql"]
    )]
    #[case::diesel(
        Format::Diesel,
        &[("00000000000000_diesel_initial_setup/up.sql", "SELECT 1;"), ("2024-01-01-000000_init/up.sql", "SELECT 1;")],
        &["2024-03-05-060708_fix_1/up.sql", "2024-03-05-060708_fix_1/down.sql",
          "2024-03-05-060709_fix_2/up.sql", "2024-03-05-060709_fix_2/down.sql", "2024-03-05-060709_fix_2/metadata.toml"]
    )]
    #[case::sqlx_sequential(
        Format::Sqlx,
        &[("0001_init.sql", "SELECT 1;"), ("0002_more.sql", "SELECT 1;")],
        &["0003_fix_1.sql", "0004_fix_2.sql"]
    )]
    #[case::sqlx_reversible(
        Format::Sqlx,
        &[("20240101000000_init.up.sql", "SELECT 1;"), ("20240101000000_init.down.sql", "")],
        &["20240305060708_fix_1.up.sql", "20240305060708_fix_1.down.sql",
          "20240305060709_fix_2.up.sql", "20240305060709_fix_2.down.sql"]
    )]
    #[case::golang_migrate(
        Format::GolangMigrate,
        &[("000001_init.up.sql", "SELECT 1;"), ("000001_init.down.sql", "")],
        &["000002_fix_1.up.sql", "000002_fix_1.down.sql", "000003_fix_2.up.sql", "000003_fix_2.down.sql"]
    )]
    #[case::dbmate(
        Format::Dbmate,
        &[("20240101000000_init.sql", "-- migrate:up\nSELECT 1;\n")],
        &["20240305060708_fix_1.sql", "20240305060709_fix_2.sql"]
    )]
    #[case::flyway_dots_then_repeatables(
        Format::Flyway,
        &[("V1.9__a.sql", "SELECT 1;"), ("V1.10__b.sql", "SELECT 1;"), ("R__views.sql", "SELECT 1;")],
        &["V1.11__fix_1.sql", "V1.12__fix_2.sql"]
    )]
    #[case::flyway_underscores(
        Format::Flyway,
        &[("V001_009__a.sql", "SELECT 1;")],
        &["V001_010__fix_1.sql", "V001_011__fix_2.sql"]
    )]
    #[case::sql_dir_numbered(
        Format::SqlDir,
        &[("009-a.sql", "SELECT 1;"), ("010-b.sql", "SELECT 1;")],
        &["011-fix_1.sql", "012-fix_2.sql"]
    )]
    #[case::sql_dir_unnumbered_last(
        Format::SqlDir,
        &[("1_a.sql", "SELECT 1;"), ("schema.sql", "SELECT 1;")],
        &["schema_fix_1.sql", "schema_fix_2.sql"]
    )]
    #[case::auto_on_an_empty_directory(Format::Auto, &[], &["1_fix_1.sql", "2_fix_2.sql"])]
    fn new_migrations_are_named_after_the_last(
        #[case] format: Format,
        #[case] files: &[(&str, &str)],
        #[case] expected: &[&str],
    ) {
        let fixture = Fixture::new(files);
        let new = [
            tx("SELECT 1;\n"),
            outside("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n"),
        ];
        assert_eq!(written(&fixture, format, &new), expected);
        let chain = discover(format, fixture.path()).expect("rediscovered");
        let modes: Vec<bool> = chain
            .iter()
            .filter(|m| m.path.to_string_lossy().contains("fix_"))
            .map(|m| m.transaction)
            .collect();
        // golang-migrate and Prisma never wrap a file: each is one message (see `NEVER_WRAPPED`).
        let wrapped = !matches!(format, Format::GolangMigrate | Format::Prisma);
        assert_eq!(modes, [wrapped, false]);
    }
}
