//! UTC calendar arithmetic for the timestamps tools put in migration names: `YYYYMMDDHHMMSS`
//! (Supabase, Prisma, goose, Atlas...), node-pg-migrate's `yyyyMMddHHmmssSSS`, milliseconds
//! since 1970. No time zone database: every tool names migrations in UTC.

use std::ops::Range;
use std::time::SystemTime;

/// Milliseconds since 1970 of `now`.
pub(super) fn millis(now: SystemTime) -> u128 {
    now.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// `YYYYMMDDHHMMSS` of `secs` after the Unix epoch, in UTC.
pub(super) fn timestamp(secs: u64) -> String {
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let time = secs % 86_400;
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

/// The proleptic Gregorian date of a day number (days after 1970-01-01), after Howard Hinnant's
/// `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Milliseconds since 1970 of `yyyyMMddHHmmssSSS`, `None` when it names no valid time.
pub(super) fn millis_of(prefix: &str) -> Option<i64> {
    let part = |range: Range<usize>| prefix.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (part(0..4)?, part(4..6)?, part(6..8)?);
    let (hour, minute, second, millis) =
        (part(8..10)?, part(10..12)?, part(12..14)?, part(14..17)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Days from 1970-01-01 to a proleptic Gregorian date, after Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case::epoch(0, "19700101000000")]
    #[case::leap_day(951_782_400, "20000229000000")]
    #[case::new_year(1_704_067_199, "20231231235959")]
    #[case::now(1_709_618_828, "20240305060708")]
    fn timestamps_are_utc_calendar_dates(#[case] secs: u64, #[case] expected: &str) {
        assert_eq!(timestamp(secs), expected);
    }

    #[rstest]
    #[case::epoch("19700101000000000", Some(0))]
    #[case::known("20231114221320000", Some(1_700_000_000_000))]
    #[case::leap_day("20240229000000001", Some(1_709_164_800_001))]
    #[case::no_leap_day("20230229000000000", None)]
    #[case::month_13("20231301000000000", None)]
    #[case::hour_24("20230101240000000", None)]
    fn utc_prefixes(#[case] prefix: &str, #[case] expected: Option<i64>) {
        assert_eq!(millis_of(prefix), expected);
    }

    proptest! {
        #[test]
        fn a_utc_name_reads_back_as_its_milliseconds(ms in 0i64..8_000_000_000_000) {
            let secs = u64::try_from(ms / 1000).unwrap();
            let name = format!("{}{:03}", timestamp(secs), ms % 1000);
            prop_assert_eq!(millis_of(&name), Some(ms));
        }
    }
}
