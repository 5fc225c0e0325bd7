//! `CONFORMANCE.md` (at the repository root) maps every normative statement of MQTT 5.0 and
//! MQTT 3.1.1 to the test that checks it, or to the reason it does not apply to a client. This
//! test keeps that table honest:
//!
//! - every identifier appears once per protocol table, and each table numbers the statements of
//!   a section without gaps (a missing row shows up as a hole);
//! - every row has a known status, and a `covered` row names at least one test;
//! - every test a row names exists: a scenario file `tests/NAME.json`, or a Rust function
//!   `PATH.rs::NAME` in that file;
//! - every test a row names mentions the row's identifier: anywhere in a scenario file, and in
//!   a Rust test's own text (its doc comment, attributes and body, plus any `const`/`static`
//!   table of the same file the body names);
//! - the counts in the summary table match the rows.
//!
//! Run: `cargo test -p iotmqtt --test conformance_table`.

// A failing test panics: helpers outside `#[test]` functions index like the tests do.
#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const STATUSES: [&str; 4] = ["covered", "server", "n/a", "uncovered"];

/// Sections whose numbering does not start at 1 in the published specification.
/// (MQTT 5.0 §2.2.1 starts at [MQTT-2.2.1-2]: the first statement was removed before the
/// standard was published.)
const FIRST_NUMBER: [(&str, &str, u32); 1] = [("MQTT 5.0", "2.2.1", 2)];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

#[derive(Debug)]
struct Row {
    table: String,
    line: usize,
    id: String,
    status: String,
    refs: Vec<String>,
}

/// The rows of every `## MQTT …` table, in order.
fn rows(text: &str) -> (Vec<Row>, Vec<String>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut table: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        if let Some(title) = line.strip_prefix("## ") {
            table = title.starts_with("MQTT ").then(|| title.trim().to_string());
            continue;
        }
        let Some(table) = &table else { continue };
        if !line.starts_with("| [MQTT-") {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // "", id, statement, status, evidence, ""
        if cells.len() != 6 {
            problems.push(format!(
                "line {line_no}: expected 4 cells, got {}",
                cells.len() - 2
            ));
            continue;
        }
        let id = cells[1]
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let refs = backticked(cells[4])
            .into_iter()
            .filter(|r| is_test_ref(r))
            .collect();
        rows.push(Row {
            table: table.clone(),
            line: line_no,
            id,
            status: cells[3].to_string(),
            refs,
        });
    }
    (rows, problems)
}

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// A test reference: `tests/NAME.json` or `PATH.rs::NAME`.
fn is_test_ref(s: &str) -> bool {
    (s.starts_with("tests/") && s.ends_with(".json") && !s.contains("::"))
        || s.split_once(".rs::").is_some()
}

/// `text` names `id` as a whole identifier (`MQTT-3.1.2-3` is not in `MQTT-3.1.2-30`).
fn mentions(text: &str, id: &str) -> bool {
    text.match_indices(id)
        .any(|(i, _)| !text[i + id.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Splits `MQTT-3.1.2-30` into ("3.1.2", 30).
fn section_and_number(id: &str) -> Option<(String, u32)> {
    let rest = id.strip_prefix("MQTT-")?;
    let (section, n) = rest.rsplit_once('-')?;
    let parts: Vec<&str> = section.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.parse::<u32>().is_err()) {
        return None;
    }
    Some((section.to_string(), n.parse().ok()?))
}

/// The text of `fn name` in `source`: the comments and attributes right above it and its body
/// (braces counted), plus every top-level `const`/`static` item of the file the body names.
fn function_text(source: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let start = lines.iter().position(|l| {
        let t = l.trim_start();
        let t = t.strip_prefix("pub(super) ").unwrap_or(t);
        let t = t.strip_prefix("pub(crate) ").unwrap_or(t);
        let t = t.strip_prefix("pub ").unwrap_or(t);
        let t = t.strip_prefix("async ").unwrap_or(t);
        t.strip_prefix("fn ")
            .and_then(|r| r.strip_prefix(name))
            .is_some_and(|r| r.starts_with('(') || r.starts_with('<'))
    })?;
    let mut first = start;
    while first > 0 {
        let above = lines[first - 1].trim_start();
        if above.starts_with("//") || above.starts_with("#[") {
            first -= 1;
        } else {
            break;
        }
    }
    let mut depth = 0i64;
    let mut seen_open = false;
    let mut end = start;
    for (i, l) in lines.iter().enumerate().skip(start) {
        for ch in l.chars() {
            match ch {
                '{' => {
                    depth += 1;
                    seen_open = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        end = i;
        if seen_open && depth <= 0 {
            break;
        }
    }
    let mut text = lines[first..=end].join("\n");
    for (item, item_text) in top_level_tables(source) {
        if text.contains(&item) {
            text.push('\n');
            text.push_str(&item_text);
        }
    }
    Some(text)
}

/// Top-level `const NAME` / `static NAME` items with the text up to their closing `;`.
fn top_level_tables(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let lines: Vec<&str> = source.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let rest = l
            .strip_prefix("const ")
            .or_else(|| l.strip_prefix("static "))
            .or_else(|| l.strip_prefix("pub const "));
        let Some(rest) = rest else { continue };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        let end = (i..lines.len())
            .find(|&j| lines[j].starts_with("];") || lines[j].trim_end().ends_with(';') && j == i)
            .unwrap_or(i);
        out.push((name, lines[i..=end].join("\n")));
    }
    out
}

#[test]
fn the_conformance_table_is_consistent_with_the_tests() {
    let root = repo_root();
    let path = root.join("CONFORMANCE.md");
    let text = fs::read_to_string(&path).expect("CONFORMANCE.md at the repository root");
    let (rows, mut problems) = rows(&text);
    assert!(!rows.is_empty(), "no rows found in {}", path.display());

    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut numbers: BTreeMap<(String, String), BTreeSet<u32>> = BTreeMap::new();
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut sources: BTreeMap<String, Option<String>> = BTreeMap::new();

    for row in &rows {
        let at = format!(
            "CONFORMANCE.md line {} ({} {})",
            row.line, row.table, row.id
        );
        if !seen.insert((row.table.clone(), row.id.clone())) {
            problems.push(format!("{at}: listed twice"));
        }
        match section_and_number(&row.id) {
            Some((section, n)) => {
                numbers
                    .entry((row.table.clone(), section))
                    .or_default()
                    .insert(n);
            }
            None => problems.push(format!("{at}: not an MQTT-x.y.z-n identifier")),
        }
        if !STATUSES.contains(&row.status.as_str()) {
            problems.push(format!("{at}: unknown status {:?}", row.status));
        }
        *counts
            .entry((row.table.clone(), row.status.clone()))
            .or_default() += 1;
        if row.status == "covered" && row.refs.is_empty() {
            problems.push(format!("{at}: covered but names no test"));
        }
        for r in &row.refs {
            let (file, function) = match r.split_once("::") {
                Some((f, name)) => (f.to_string(), Some(name.to_string())),
                None => (r.clone(), None),
            };
            let source = sources
                .entry(file.clone())
                .or_insert_with(|| fs::read_to_string(root.join(&file)).ok());
            let Some(source) = source else {
                problems.push(format!("{at}: {file} does not exist"));
                continue;
            };
            let mentioned_in = match &function {
                Some(name) => match function_text(source, name) {
                    Some(t) => t,
                    None => {
                        problems.push(format!("{at}: no fn {name} in {file}"));
                        continue;
                    }
                },
                None => source.clone(),
            };
            if !mentions(&mentioned_in, &row.id) {
                problems.push(format!("{at}: {r} does not mention {}", row.id));
            }
        }
    }

    for ((table, section), ns) in &numbers {
        let first = FIRST_NUMBER
            .iter()
            .find(|(t, s, _)| t == table && s == section)
            .map_or(1, |f| f.2);
        let max = ns.iter().max().copied().unwrap_or(0);
        let missing: Vec<u32> = (first..=max).filter(|n| !ns.contains(n)).collect();
        if !missing.is_empty() || ns.iter().any(|&n| n < first) {
            problems.push(format!(
                "{table} §{section}: numbers {missing:?} are missing (rows: {ns:?})"
            ));
        }
    }

    // The summary table: "| MQTT 5.0 | total | covered | server | n/a | uncovered |".
    let tables: BTreeSet<&String> = rows.iter().map(|r| &r.table).collect();
    for table in tables {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("| {table} |")))
            .unwrap_or("");
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let total = rows.iter().filter(|r| &r.table == table).count();
        let mut expected = vec![total.to_string()];
        for s in STATUSES {
            expected.push(
                counts
                    .get(&(table.clone(), s.to_string()))
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            );
        }
        let got: Vec<&str> = cells.iter().skip(2).take(5).copied().collect();
        if got != expected {
            problems.push(format!(
                "summary row for {table}: expected total/covered/server/n/a/uncovered {expected:?}, found {got:?}"
            ));
        }
    }

    assert!(
        problems.is_empty(),
        "CONFORMANCE.md has {} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn function_text_takes_the_doc_comment_the_body_and_named_tables() {
    let src = "const CASES: &[u8] = &[\n    1, // [MQTT-9.9.9-1]\n];\n\n/// [MQTT-1.1.1-1]\n#[test]\nfn a() {\n    let x = { 1 };\n    let _ = CASES;\n}\n\nfn b() {\n    // [MQTT-2.2.2-2]\n}\n";
    let a = function_text(src, "a").unwrap();
    assert!(a.contains("[MQTT-1.1.1-1]"));
    assert!(a.contains("[MQTT-9.9.9-1]"), "the table the body names");
    assert!(!a.contains("[MQTT-2.2.2-2]"), "not the next function");
    assert!(function_text(src, "c").is_none());
    assert!(function_text(src, "b").unwrap().contains("MQTT-2.2.2-2"));
}

#[test]
fn a_mention_is_a_whole_identifier() {
    assert!(mentions("see [MQTT-3.1.2-3].", "MQTT-3.1.2-3"));
    assert!(!mentions("see [MQTT-3.1.2-30].", "MQTT-3.1.2-3"));
    assert!(mentions("MQTT-3.1.2-30, MQTT-3.1.2-3", "MQTT-3.1.2-3"));
}

#[test]
fn identifiers_split_into_section_and_number() {
    assert_eq!(
        section_and_number("MQTT-3.1.2-30"),
        Some(("3.1.2".to_string(), 30))
    );
    assert_eq!(section_and_number("MQTT-3.1.2"), None);
    assert_eq!(section_and_number("MQTT-3.1-2"), None);
}
