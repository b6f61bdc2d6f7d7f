//! The `eventmap` binary run as a user runs it, with its whole output kept for messages.

use std::process::{Command, Output};

/// Runs `eventmap ARGS --database DB` and waits for it.
pub fn eventmap(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eventmap"))
        .args(args)
        .args(["--database", db])
        .env("EVENTMAP_LOG", "warn")
        .output()
        .expect("eventmap runs")
}

/// Status, standard output and standard error, for an assertion message.
pub fn text(o: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
