//! The commands the README shows work as written: each `cargo run --release -- …` line is run
//! with the built binary in a scratch directory (where its default database goes). `serve` is
//! left to the tests that start it (tests/startup.rs, the browser tests); a command whose input
//! file the reader brings is run only when that file is there, and says so otherwise.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_eventmap");

/// The README's commands: the part after `cargo run --release -- `, without the comment.
fn commands(readme: &str) -> Vec<String> {
    readme
        .lines()
        .filter_map(|l| l.strip_prefix("cargo run --release -- "))
        .map(|c| c.split("  #").next().unwrap_or(c).trim().to_string())
        .collect()
}

#[test]
fn every_command_in_the_readme_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let all = commands(&readme);
    assert!(all.len() >= 5, "the README's commands were not found: {all:?}");
    let scratch = tempfile::tempdir().unwrap();
    let mut ran = 0;
    for cmd in &all {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        if words[0] == "serve" {
            println!("not run here: `{cmd}` (tests/startup.rs and the browser tests start the server)");
            continue;
        }
        // A file named on the line: relative to the checkout, as a reader runs it from there.
        if let Some(file) = words.iter().find(|w| w.ends_with(".jsonl") || w.ends_with(".txt")) {
            if !root.join(file).exists() {
                println!("skipped: `{cmd}` needs {file}, which the reader brings");
                continue;
            }
        }
        let line = format!("cd {} && {BIN} {cmd}", root.display());
        let line = if cmd.starts_with("token ") {
            // Its default database would land in the checkout: give it the scratch one.
            format!("{BIN} --database sqlite://{}/readme.db {cmd}", scratch.path().display())
        } else {
            line
        };
        let out = Command::new("sh").arg("-c").arg(&line).current_dir(scratch.path()).output().unwrap();
        assert!(
            out.status.success(),
            "`{cmd}` failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 2, "too few of the README's commands ran: {ran}");
}
