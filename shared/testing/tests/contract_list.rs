//! `store_contract_tests!` lists every case of the contract: a case written
//! in `src/contract/` but not listed would run against no store.

use std::collections::BTreeSet;
use std::path::Path;

/// The cases the contract's files define (`pub async fn <case>(`).
fn written() -> BTreeSet<String> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/contract");
    let mut cases = BTreeSet::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("pub async fn ") {
                cases.insert(rest.split(['(', '<']).next().unwrap().to_owned());
            }
        }
    }
    cases
}

/// The cases the macro runs.
fn listed() -> BTreeSet<String> {
    let text = include_str!("../src/contract/mod.rs");
    let start = text.find("@cases $make;").expect("the macro's list") + "@cases $make;".len();
    let end = start + text[start..].find(");").expect("the list's end");
    text[start..end]
        .split(',')
        .map(str::trim)
        .filter(|case| !case.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_case_written_is_listed_and_every_case_listed_is_written() {
    let (written, listed) = (written(), listed());
    assert!(written.len() > 30, "read the cases: {written:?}");
    let unlisted: Vec<_> = written.difference(&listed).collect();
    let unwritten: Vec<_> = listed.difference(&written).collect();
    assert!(unlisted.is_empty(), "written but not listed: {unlisted:?}");
    assert!(unwritten.is_empty(), "listed but not written: {unwritten:?}");
}
