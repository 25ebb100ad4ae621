//! The SQLSTATE codes synthesis and the sandbox decide on, by name (PostgreSQL's appendix A).

/// Class 22: a value its type or function refused (`invalid input syntax`, out of range).
pub const DATA_EXCEPTION_CLASS: &str = "22";
/// Class 42, 428xx: a value of the wrong type (`42804 datatype_mismatch`, `428C9` generated
/// column written).
pub const WRONG_OBJECT_TYPE_CLASS: &str = "428";
pub const NOT_NULL_VIOLATION: &str = "23502";
pub const FOREIGN_KEY_VIOLATION: &str = "23503";
/// `restrict_violation`: what PostgreSQL 18 reports when an `ON DELETE/UPDATE RESTRICT` key
/// refuses (15 to 17 report [`FOREIGN_KEY_VIOLATION`] for RESTRICT and NO ACTION alike).
pub const RESTRICT_VIOLATION: &str = "23001";
pub const UNIQUE_VIOLATION: &str = "23505";
pub const CHECK_VIOLATION: &str = "23514";
pub const EXCLUSION_VIOLATION: &str = "23P01";
pub const QUERY_CANCELED: &str = "57014";
pub const LOCK_NOT_AVAILABLE: &str = "55P03";
pub const DEADLOCK_DETECTED: &str = "40P01";

/// Whether the error is a foreign key refusing: 23503 on every version, or 23001, which
/// PostgreSQL 18 raises instead for a RESTRICT key (a NO ACTION key still gives 23503).
pub fn is_foreign_key_refusal(code: &str) -> bool {
    code == FOREIGN_KEY_VIOLATION || code == RESTRICT_VIOLATION
}

/// Whether the error is the server running out of something (class 53, insufficient
/// resources: memory, shared memory for locks, disk, connections; class 54, a program limit):
/// what it says is about the server a check ran on, never about the schema.
pub fn is_resource(code: &str) -> bool {
    code.starts_with("53") || code.starts_with("54")
}

/// What to raise after a resource error (`code`, PostgreSQL's `message`): the setting, and
/// where.
pub fn remedy(code: &str, message: &str) -> &'static str {
    match code {
        "53200" if message.contains("shared memory") => {
            "raise max_locks_per_transaction: [database] settings = { max_locks_per_transaction = \"1024\" } in pg-invariants.toml (each lock a check takes, one per table and index a cascade reaches, needs a slot; this server has max_locks_per_transaction × max_connections)"
        }
        "53200" => "give the server more memory (work_mem, or the machine's)",
        "53100" => "free disk space where the cluster lives (PG_INVARIANTS_TMPDIR moves it)",
        "53300" => "raise max_connections, or run fewer tests at once (--test-threads)",
        _ => "raise the server limit the message names ([database] settings in pg-invariants.toml)",
    }
}

/// Whether the error is a request being refused, as a function, a policy or a privilege
/// refuses one: raised by the function (`P0001` `RAISE EXCEPTION`, `P0002`, `P0003`, `P0004`
/// `ASSERT`), a missing privilege (`42501`), a constraint (class 23) or a view's `WITH CHECK
/// OPTION` (class 44). Anything else (a syntax or type error, a value its type refused, the
/// server's limits) says the call itself was wrong, not that the data was protected.
pub fn is_refusal(code: &str) -> bool {
    matches!(code, "P0001" | "P0002" | "P0003" | "P0004" | "42501")
        || code.starts_with("23")
        || code.starts_with("44")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_limits_are_resources_and_a_violation_is_not() {
        for resource in ["53200", "53100", "53300", "54000", "54001"] {
            assert!(is_resource(resource), "{resource}");
        }
        for schema in ["23503", "23514", "P0001", "42501", "57014"] {
            assert!(!is_resource(schema), "{schema}");
        }
        assert!(remedy("53200", "out of shared memory").contains("max_locks_per_transaction"));
    }

    #[test]
    fn a_raise_or_a_missing_grant_refuses_and_a_type_error_does_not() {
        for refused in ["P0001", "P0004", "42501", "23503", "44000"] {
            assert!(is_refusal(refused), "{refused}");
        }
        for wrong in ["42883", "42804", "22P02", "0A000", "53200", "57014"] {
            assert!(!is_refusal(wrong), "{wrong}");
        }
    }

    #[test]
    fn restrict_violation_of_18_is_a_foreign_key_refusal_like_23503() {
        assert!(is_foreign_key_refusal("23503"));
        assert!(is_foreign_key_refusal("23001"));
        for other in ["23502", "23505", "23514", "23P01", "P0001", ""] {
            assert!(!is_foreign_key_refusal(other), "{other}");
        }
    }
}
