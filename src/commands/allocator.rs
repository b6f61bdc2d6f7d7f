//! The allocators' settings for a long-running `serve`: both keep freed memory resident unless
//! told otherwise, so `serve` starts itself again with them set when the operator has not.
//!
//! The C library's `malloc` (SQLite's) keeps an arena per thread that ever called it, and
//! mimalloc (ours) holds freed pages for a while before it returns them. Under the soak bench's
//! mixed writes resident memory rose to 342 MiB with the defaults and stayed at 236–271 MiB
//! with `MALLOC_ARENA_MAX=2` and `MIMALLOC_PURGE_DELAY=0` (docs/PERFORMANCE.md). Both are read
//! from the environment when a process starts, and changing them from inside needs unsafe
//! code, so `serve` replaces itself (`exec`, same process id) with the variables set. A value
//! the operator gave is kept.

use std::ffi::OsString;

/// The allocator variables `serve` sets when they are absent, with their values.
pub const SETTINGS: [(&str, &str); 2] = [("MALLOC_ARENA_MAX", "2"), ("MIMALLOC_PURGE_DELAY", "0")];

/// Set in the environment of the process that replaced itself, so that it does not again.
const DONE: &str = "EVENTMAP_ALLOCATOR_SET";

/// The variables to add to an environment read by `get`: those of [`SETTINGS`] it lacks. Empty
/// when nothing is missing or when this process already replaced itself.
pub fn missing(get: impl Fn(&str) -> Option<OsString>) -> Vec<(&'static str, &'static str)> {
    if get(DONE).is_some() {
        return Vec::new();
    }
    SETTINGS.iter().copied().filter(|(k, _)| get(k).is_none()).collect()
}

/// Replaces this process with the same program and arguments and the allocator variables it
/// lacks. Returns only when nothing is missing, or when `exec` failed: then it says so on
/// standard error and the server runs on with the allocators' defaults.
pub fn settle() {
    let add = missing(|k| std::env::var_os(k));
    if add.is_empty() {
        return;
    }
    let e = exec_with(&add);
    eprintln!(
        "warning: could not restart with {} set ({e}); resident memory may grow beyond the \
         documented bound (docs/DEPLOYMENT.md)",
        add.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
    );
}

#[cfg(unix)]
/// Replaces this process; returns only the reason it could not.
fn exec_with(add: &[(&str, &str)]) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return e,
    };
    let mut cmd = std::process::Command::new(exe);
    cmd.args(std::env::args_os().skip(1)).env(DONE, "1");
    for (k, v) in add {
        cmd.env(k, v);
    }
    cmd.exec()
}

#[cfg(not(unix))]
fn exec_with(_add: &[(&str, &str)]) -> std::io::Error {
    std::io::Error::other("this platform cannot replace a running process")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| OsString::from(v))
    }

    #[test]
    fn only_the_variables_the_operator_left_unset_are_added() {
        assert_eq!(missing(env(&[])), SETTINGS.to_vec());
        assert_eq!(missing(env(&[("MALLOC_ARENA_MAX", "8")])), vec![("MIMALLOC_PURGE_DELAY", "0")]);
        assert!(missing(env(&[("MALLOC_ARENA_MAX", "8"), ("MIMALLOC_PURGE_DELAY", "100")])).is_empty());
    }

    #[test]
    fn a_process_that_already_replaced_itself_does_not_again() {
        assert!(missing(env(&[(DONE, "1")])).is_empty());
    }
}
