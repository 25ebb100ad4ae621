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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restrict_violation_of_18_is_a_foreign_key_refusal_like_23503() {
        assert!(is_foreign_key_refusal("23503"));
        assert!(is_foreign_key_refusal("23001"));
        for other in ["23502", "23505", "23514", "23P01", "P0001", ""] {
            assert!(!is_foreign_key_refusal(other), "{other}");
        }
    }
}
