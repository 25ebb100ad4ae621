//! What check kinds share and are not checks themselves: running behavioural cases in
//! rolled-back transactions (`behaviour`), sharing their work across checks (`batch`), building
//! and deleting rows (`deletion`), the graph of what depends on a row (`dependents`), counting
//! rows (`data`), and repairs as values (`repair`).

pub(super) mod arguments;
pub(super) mod batch;
pub(super) mod behaviour;
pub(super) mod data;
pub(super) mod deletion;
pub(super) mod dependents;
pub(super) mod interference;
pub(super) mod repair;
