//! Reading libtest's output in tests.

/// The failure message libtest prints for `name` (between `---- name ----` and the next such
/// header or the list of failures); empty for a test that did not fail.
pub fn message<'s>(stdout: &'s str, name: &str) -> &'s str {
    let header = format!("---- {name} ----");
    let Some(start) = stdout.find(&header) else {
        return "";
    };
    let rest = &stdout[start + header.len()..];
    let end = [rest.find("\n---- "), rest.find("\nfailures:\n")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}
