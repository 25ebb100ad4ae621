//! The layering of ARCHITECTURE.md, held true by reading `src/` (issue 24).
//!
//! The layer table is parsed from ARCHITECTURE.md itself, so the document cannot drift from the
//! code: every top-level module of `src/lib.rs` must have a row, every `crate::…` path (a `use`,
//! a `use crate::{a, b}` group, an inline path, a doc link) and every `super::` path that climbs
//! to the crate root must name a module on the same layer or below, and the top-level module
//! graph must have no cycle. `#[cfg(test)]` modules are left out: a test may build what it
//! needs from anywhere. The same reading holds the size limits: no file over 600 production
//! lines, no function over 80 lines.
//!
//! A plain text scan, no parser: the code is rustfmt'd, so a test module's closing brace is the
//! first line after it at the `mod` line's indentation, and strings and comments are skipped by
//! a small lexer when braces are counted.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 80;

/// A top-level module's row of the layer table.
#[derive(Debug, Clone)]
struct Layer {
    number: u32,
    name: String,
}

/// One source file, its test modules blanked out (line numbers kept).
struct Source {
    /// Relative to the repository root: `src/checks/fk.rs`.
    path: String,
    /// The module path of the file: `["checks", "fk"]` (`mod.rs` is its folder's module).
    module: Vec<String>,
    production: String,
    production_lines: usize,
}

/// One import: which top-level module `from` names `to`, where.
#[derive(Debug, Clone)]
struct Edge {
    from: String,
    to: String,
    at: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rows of ARCHITECTURE.md's table: `| <number> | <name> | `module` | owns |`.
fn layers() -> BTreeMap<String, Layer> {
    let text = fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut layers = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(number) = cells.get(1).and_then(|c| c.parse::<u32>().ok()) else {
            continue;
        };
        let module = cells[3].trim_matches('`').to_string();
        let layer = Layer {
            number,
            name: cells[2].to_string(),
        };
        assert!(
            layers.insert(module.clone(), layer).is_none(),
            "ARCHITECTURE.md: `{module}` has two rows"
        );
    }
    assert!(!layers.is_empty(), "ARCHITECTURE.md: no layer table found");
    layers
}

/// The modules `src/lib.rs` declares.
fn declared_modules() -> BTreeSet<String> {
    let text = fs::read_to_string(root().join("src/lib.rs")).expect("src/lib.rs");
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line
                .strip_prefix("pub mod ")
                .or(line.strip_prefix("mod "))?;
            Some(rest.trim_end_matches(';').trim().to_string())
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every file of `src/` but `lib.rs` and `main.rs`, which sit above every layer.
fn sources() -> Vec<Source> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files
        .into_iter()
        .filter_map(|path| {
            let rel = path.strip_prefix(root().join("src")).unwrap();
            let rel = rel.to_string_lossy().to_string();
            if rel == "lib.rs" || rel == "main.rs" {
                return None;
            }
            let text = fs::read_to_string(&path).expect("a readable source file");
            Some(source(&rel, &text))
        })
        .collect()
}

fn source(rel: &str, text: &str) -> Source {
    let mut module: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if module.last().is_some_and(|last| last == "mod") {
        module.pop();
    }
    let (production, production_lines) = without_test_modules(text);
    Source {
        path: format!("src/{rel}"),
        module,
        production,
        production_lines,
    }
}

/// `text` with every `#[cfg(test)] mod … { … }` block blanked (its lines kept, empty), and the
/// number of lines left: the file's production lines.
fn without_test_modules(text: &str) -> (String, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = Vec::with_capacity(lines.len());
    let mut blanked = 0;
    let mut i = 0;
    while i < lines.len() {
        let opens_test_module = lines[i].trim() == "#[cfg(test)]"
            && lines.get(i + 1).is_some_and(|next| is_mod_block(next));
        if !opens_test_module {
            kept.push(lines[i]);
            i += 1;
            continue;
        }
        let mod_line = lines[i + 1];
        let close = format!(
            "{}}}",
            &mod_line[..mod_line.len() - mod_line.trim_start().len()]
        );
        let end = (i + 2..lines.len())
            .find(|&j| lines[j] == close)
            .unwrap_or(lines.len() - 1);
        kept.extend(std::iter::repeat_n("", end + 1 - i));
        blanked += end + 1 - i;
        i = end + 1;
    }
    (kept.join("\n"), lines.len() - blanked)
}

fn is_mod_block(line: &str) -> bool {
    let line = line.trim_start();
    let line = line
        .strip_prefix("pub(crate) ")
        .or(line.strip_prefix("pub "))
        .unwrap_or(line);
    line.strip_prefix("mod ")
        .is_some_and(|rest| rest.trim_end().ends_with('{'))
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The top-level modules a `crate::` path names, `rest` being the text after `crate::`:
/// one name, or the first name of each item of a `{a, b::{c, d}}` group.
fn named_after_crate(rest: &str) -> Vec<String> {
    let leading =
        |item: &str| -> String { item.trim().chars().take_while(|&c| is_ident(c)).collect() };
    let Some(group) = rest.strip_prefix('{') else {
        return Some(leading(rest))
            .filter(|n| !n.is_empty())
            .into_iter()
            .collect();
    };
    let mut items = vec![String::new()];
    let mut depth = 0;
    for c in group.chars() {
        match c {
            '}' if depth == 0 => break,
            ',' if depth == 0 => items.push(String::new()),
            _ => {
                depth += usize::from(c == '{');
                depth -= usize::from(c == '}');
                items.last_mut().unwrap().push(c);
            }
        }
    }
    items
        .iter()
        .map(|item| leading(item))
        .filter(|n| !n.is_empty() && n != "self")
        .collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The top-level modules `source` names, each with the line it names it on.
fn imports(source: &Source) -> Vec<(String, usize)> {
    let text = &source.production;
    let mut found = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == '$') {
            continue;
        }
        for name in named_after_crate(&text[at + "crate::".len()..]) {
            found.push((name, line_of(text, at)));
        }
    }
    found.extend(climbing_imports(source));
    found
}

/// `super::super::x` in a file two modules deep names the top-level module `x`.
fn climbing_imports(source: &Source) -> Vec<(String, usize)> {
    let text = &source.production;
    let depth = source.module.len();
    let climb = "super::".repeat(depth);
    let mut found = Vec::new();
    for (at, _) in text.match_indices(&climb) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == ':') {
            continue;
        }
        let rest = &text[at + climb.len()..];
        if rest.starts_with("super::") {
            continue;
        }
        for name in named_after_crate(rest) {
            found.push((name, line_of(text, at)));
        }
    }
    found
}

/// Every edge between two different top-level modules of the table.
fn edges(layers: &BTreeMap<String, Layer>) -> Vec<Edge> {
    let mut edges = Vec::new();
    for source in sources() {
        let from = source.module[0].clone();
        for (to, line) in imports(&source) {
            if to == from || !layers.contains_key(&to) {
                continue;
            }
            edges.push(Edge {
                from: from.clone(),
                to,
                at: format!("{}:{line}", source.path),
            });
        }
    }
    edges
}

#[test]
fn every_module_has_a_row_in_the_layer_table() {
    let layers = layers();
    let declared = declared_modules();
    let mut problems = Vec::new();
    for module in declared.iter().filter(|m| !layers.contains_key(*m)) {
        problems.push(format!(
            "src/lib.rs declares `{module}`, which has no row in ARCHITECTURE.md"
        ));
    }
    for module in layers.keys().filter(|m| !declared.contains(*m)) {
        problems.push(format!(
            "ARCHITECTURE.md has a row for `{module}`, which src/lib.rs does not declare"
        ));
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn imports_follow_the_layers() {
    let layers = layers();
    let problems: Vec<String> = edges(&layers)
        .into_iter()
        .filter(|e| layers[&e.to].number > layers[&e.from].number)
        .map(|e| {
            let (from, to) = (&layers[&e.from], &layers[&e.to]);
            format!(
                "{}: `{}` (layer {} {}) names `{}` (layer {} {}), a higher layer",
                e.at, e.from, from.number, from.name, e.to, to.number, to.name
            )
        })
        .collect();
    assert!(
        problems.is_empty(),
        "imports against the layering of ARCHITECTURE.md:\n{}\n",
        problems.join("\n")
    );
}

/// The first cycle of the graph, as the edges that close it.
fn cycle(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Vec<(String, String)>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<(String, String)>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut nodes = path[start..].to_vec();
            nodes.push(node.to_string());
            let edges = nodes.windows(2).map(|w| (w[0].clone(), w[1].clone()));
            return Some(edges.collect());
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|n| n.keys()) {
            if let Some(found) = visit(next, graph, done, path) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

#[test]
fn the_module_graph_has_no_cycle() {
    let layers = layers();
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for edge in edges(&layers) {
        graph
            .entry(edge.from)
            .or_default()
            .entry(edge.to)
            .or_insert(edge.at);
    }
    if let Some(cycle) = cycle(&graph) {
        let shown: Vec<String> = cycle
            .iter()
            .map(|(a, b)| format!("  {a} -> {b} ({})", graph[a][b]))
            .collect();
        panic!(
            "the top-level modules form a cycle:\n{}\n",
            shown.join("\n")
        );
    }
}

#[test]
fn files_at_most_600_production_lines() {
    let problems: Vec<String> = sources()
        .into_iter()
        .filter(|s| s.production_lines > MAX_FILE_LINES)
        .map(|s| {
            format!(
                "{}:1: {} production lines (at most {MAX_FILE_LINES})",
                s.path, s.production_lines
            )
        })
        .collect();
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// For each byte of `text`: true when it is code (not inside a string, char or comment).
fn code_mask(text: &str) -> Vec<bool> {
    let bytes = text.as_bytes();
    let mut mask = vec![true; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        let skip = non_code_len(bytes, i);
        if skip == 0 {
            i += 1;
            continue;
        }
        let end = (i + skip).min(bytes.len());
        mask[i..end].iter_mut().for_each(|m| *m = false);
        i = end;
    }
    mask
}

/// How many bytes from `i` are a comment, string or char literal (0 when code starts there).
fn non_code_len(b: &[u8], i: usize) -> usize {
    let rest = &b[i..];
    let after_ident = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    if rest.starts_with(b"//") {
        return rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
    }
    if rest.starts_with(b"/*") {
        return block_comment_len(rest);
    }
    if !after_ident && (rest.starts_with(b"r#") || rest.starts_with(b"r\"")) {
        return raw_string_len(rest);
    }
    if !after_ident && (rest.starts_with(b"br#") || rest.starts_with(b"br\"")) {
        return 1 + raw_string_len(&rest[1..]);
    }
    if rest[0] == b'"' {
        return quoted_len(rest, b'"');
    }
    if rest[0] == b'\'' {
        return char_len(rest);
    }
    0
}

fn block_comment_len(rest: &[u8]) -> usize {
    let mut depth = 0;
    let mut j = 0;
    while j < rest.len() {
        if rest[j..].starts_with(b"/*") {
            depth += 1;
            j += 2;
        } else if rest[j..].starts_with(b"*/") {
            depth -= 1;
            j += 2;
            if depth == 0 {
                return j;
            }
        } else {
            j += 1;
        }
    }
    rest.len()
}

fn raw_string_len(rest: &[u8]) -> usize {
    let hashes = rest[1..].iter().take_while(|&&c| c == b'#').count();
    if rest.get(1 + hashes) != Some(&b'"') {
        return 0;
    }
    let mut close = vec![b'"'];
    close.extend(std::iter::repeat_n(b'#', hashes));
    let body = 2 + hashes;
    rest[body..]
        .windows(close.len())
        .position(|w| w == close.as_slice())
        .map_or(rest.len(), |p| body + p + close.len())
}

fn quoted_len(rest: &[u8], quote: u8) -> usize {
    let mut j = 1;
    while j < rest.len() {
        match rest[j] {
            b'\\' => j += 2,
            c if c == quote => return j + 1,
            _ => j += 1,
        }
    }
    rest.len()
}

/// A char literal (`'x'`, `'\n'`, `'é'`), or 0 for a lifetime (`'a`).
fn char_len(rest: &[u8]) -> usize {
    if rest.get(1) == Some(&b'\\') {
        return quoted_len(rest, b'\'');
    }
    let width = match rest.get(1) {
        Some(&c) if c >= 0xF0 => 4,
        Some(&c) if c >= 0xE0 => 3,
        Some(&c) if c >= 0xC0 => 2,
        _ => 1,
    };
    if rest.get(1 + width) == Some(&b'\'') {
        width + 2
    } else {
        0
    }
}

/// The name of the function a line declares (`pub(crate) async fn name(`), if it does.
fn declares_fn(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    let prefixes = [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ];
    while let Some(p) = prefixes.iter().find(|p| rest.starts_with(**p)) {
        rest = &rest[p.len()..];
    }
    let rest = rest.strip_prefix("fn ")?;
    let name = &rest[..rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len())];
    (!name.is_empty()).then_some(name)
}

/// The functions of `text` with a body: (name, first line, number of lines).
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let mask = code_mask(text);
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut offset = 0;
    for (index, line) in text.split('\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        let Some(name) = declares_fn(line) else {
            continue;
        };
        if !mask[start + line.len() - line.trim_start().len()] {
            continue;
        }
        let mut depth = 0usize;
        let body = (start..bytes.len())
            .filter(|&j| mask[j])
            .find_map(|j| match bytes[j] {
                b';' if depth == 0 => Some(None),
                b'{' => {
                    depth += 1;
                    None
                }
                b'}' if depth == 1 => Some(Some(j)),
                b'}' => {
                    depth -= 1;
                    None
                }
                _ => None,
            });
        if let Some(Some(end)) = body {
            let lines = line_of(text, end) - index;
            found.push((name.to_string(), index + 1, lines));
        }
    }
    found
}

#[test]
fn functions_at_most_80_lines() {
    let mut problems = Vec::new();
    for source in sources() {
        for (name, line, lines) in functions(&source.production) {
            if lines > MAX_FN_LINES {
                problems.push(format!(
                    "{}:{line}: fn {name} is {lines} lines (at most {MAX_FN_LINES})",
                    source.path
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn the_scan_reads_groups_paths_and_doc_links_and_skips_test_modules() {
    let text = "//! See [`crate::report`].\n\
                use crate::{names::TableName, spec::{self, Spec}, sql};\n\
                use crate::catalog::Catalog;\n\
                use super::super::plan::Check;\n\
                use super::super::super::setup::Setup;\n\
                fn f() { let _ = crate::env::load(); let _ = $crate::x; }\n\
                #[cfg(test)]\n\
                mod tests {\n    use crate::synth::Synth;\n}\n\
                fn after() {}\n";
    let source = source("checks/machinery/x.rs", text);
    let mut named: Vec<(String, usize)> = imports(&source);
    named.sort();
    let expected = [
        ("catalog", 3),
        ("env", 6),
        ("names", 2),
        ("report", 1),
        ("setup", 5),
        ("spec", 2),
        ("sql", 2),
    ];
    let expected: Vec<(String, usize)> =
        expected.iter().map(|(n, l)| (n.to_string(), *l)).collect();
    assert_eq!(named, expected);
    assert_eq!(source.module, ["checks", "machinery", "x"]);
    assert_eq!(source.production_lines, 7);
}

#[test]
fn functions_are_measured_from_signature_to_closing_brace() {
    let text = "pub(crate) async fn long(\n    a: u8,\n) -> u8 {\n    let s = \"}\";\n    \
                let c = '}';\n    // }\n    a\n}\n\nfn decl();\nfn short<'a>(x: &'a str) -> &'a str { x }\n";
    let found = functions(text);
    assert_eq!(
        found,
        [("long".to_string(), 1, 8), ("short".to_string(), 11, 1)]
    );
}
