//! The SQLSTATE codes synthesis and the sandbox decide on, by name (PostgreSQL's appendix A).

/// Class 22: a value its type or function refused (`invalid input syntax`, out of range).
pub const DATA_EXCEPTION_CLASS: &str = "22";
/// Class 42, 428xx: a value of the wrong type (`42804 datatype_mismatch`, `428C9` generated
/// column written).
pub const WRONG_OBJECT_TYPE_CLASS: &str = "428";
pub const NOT_NULL_VIOLATION: &str = "23502";
pub const FOREIGN_KEY_VIOLATION: &str = "23503";
pub const UNIQUE_VIOLATION: &str = "23505";
pub const CHECK_VIOLATION: &str = "23514";
pub const EXCLUSION_VIOLATION: &str = "23P01";
pub const QUERY_CANCELED: &str = "57014";
pub const LOCK_NOT_AVAILABLE: &str = "55P03";
pub const DEADLOCK_DETECTED: &str = "40P01";
