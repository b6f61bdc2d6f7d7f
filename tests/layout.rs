//! The house rules of `docs/ARCHITECTURE.md`, checked on the source tree: the arrows that must
//! never exist, and files small enough to read in one sitting.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every `.rs` file below `dir` (relative to the crate), with its text.
fn sources(dir: &str) -> Vec<(String, String)> {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())) {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&Path::new(ROOT).join(dir), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(ROOT).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The code of a file without its comments (a doc comment may name any module).
fn code(text: &str) -> String {
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The files of `dir` whose code mentions `needle`, but for those `allowed` says may.
fn offenders(dir: &str, needle: &str, allowed: impl Fn(&str) -> bool) -> Vec<String> {
    sources(dir).into_iter().filter(|(f, t)| !allowed(f) && code(t).contains(needle)).map(|(f, _)| f).collect()
}

#[test]
fn nothing_below_the_api_imports_the_api() {
    let allowed = |f: &str| f.starts_with("src/api/") || f == "src/main.rs" || f == "src/commands/serve.rs";
    assert_eq!(offenders("src", "crate::api", allowed), Vec::<String>::new());
}

#[test]
fn only_the_api_and_the_server_know_axum() {
    let allowed = |f: &str| f.starts_with("src/api/") || f == "src/main.rs" || f == "src/commands/serve.rs";
    assert_eq!(offenders("src", "axum::", allowed), Vec::<String>::new());
}

#[test]
fn the_domain_depends_on_nothing_of_ours_but_text_folding() {
    for m in ["api", "store", "gazetteer", "geoparse", "ingest", "import", "formats", "web", "commands", "auth"] {
        assert_eq!(offenders("src/domain", &format!("crate::{m}"), |_| false), Vec::<String>::new(), "domain → {m}");
    }
}

#[test]
fn the_store_knows_no_http_and_no_gazetteer() {
    for needle in ["crate::api", "crate::web", "crate::gazetteer", "axum", "utoipa", "clap"] {
        assert_eq!(offenders("src/store", needle, |_| false), Vec::<String>::new(), "store → {needle}");
    }
}

#[test]
fn the_gazetteer_and_the_auth_module_never_read_the_database() {
    assert_eq!(offenders("src/gazetteer", "crate::store", |_| false), Vec::<String>::new());
    let auth = std::fs::read_to_string(Path::new(ROOT).join("src/auth.rs")).unwrap();
    assert!(!code(&auth).contains("crate::store"), "auth uses its own TokenStore trait");
}

#[test]
fn every_module_says_what_it_owns_and_none_is_over_700_lines() {
    let mut faults = Vec::new();
    for dir in ["src", "tests", "benches"] {
        for (f, text) in sources(dir) {
            let lines = text.lines().count();
            if lines > 700 {
                faults.push(format!("{f} has {lines} lines"));
            }
            if dir == "src" && !text.trim_start().starts_with("//!") {
                faults.push(format!("{f} has no //! line"));
            }
        }
    }
    assert_eq!(faults, Vec::<String>::new());
}

/// The files of `src/api/` that each file of it uses (`super::name`), but for `mod.rs`, which
/// only declares them and builds the router.
fn api_uses() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let files: Vec<(String, String)> = sources("src/api")
        .into_iter()
        .map(|(f, t)| (f.trim_start_matches("src/api/").trim_end_matches(".rs").to_string(), t))
        .filter(|(m, _)| m != "mod")
        .collect();
    let names: std::collections::BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut uses = std::collections::BTreeMap::new();
    for (m, text) in &files {
        let code = code(text.split("#[cfg(test)]").next().unwrap_or_default());
        let mut used = std::collections::BTreeSet::new();
        for part in code.split("super::").skip(1) {
            let words: Vec<&str> = if let Some(group) = part.strip_prefix('{') {
                group.split('}').next().unwrap_or_default().split(|c: char| !c.is_alphanumeric() && c != '_').collect()
            } else {
                part.split(|c: char| !c.is_alphanumeric() && c != '_').take(1).collect()
            };
            used.extend(words.into_iter().filter(|w| names.contains(*w) && *w != m).map(str::to_string));
        }
        uses.insert(m.clone(), used);
    }
    uses
}

#[test]
fn the_files_of_the_api_form_no_circle_but_ogc_and_its_document() {
    let uses = api_uses();
    // Every path from a file back to itself, found by a walk from each file.
    let mut circles = std::collections::BTreeSet::new();
    for start in uses.keys() {
        let mut stack = vec![vec![start.clone()]];
        while let Some(path) = stack.pop() {
            for next in &uses[path.last().unwrap()] {
                if next == start {
                    let mut c = path.clone();
                    c.sort();
                    circles.insert(c.join(" ↔ "));
                } else if !path.contains(next) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push(p);
                }
            }
        }
    }
    assert_eq!(circles.into_iter().collect::<Vec<_>>(), ["ogc ↔ ogc_doc"], "{uses:#?}");
}
