//! Starting the real binary while another process uses the database: `serve` and another
//! command started together on a new database both succeed (the migrations run once, one
//! process at a time), and `serve` waits out a lock another process holds for a few seconds.
//! `serve` runs with the allocator settings that keep its memory bounded.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::server::{BIN, Server};
use common::{Backend, TestDb, backends};

/// Waits until `server` is ready or has exited; whether it became ready.
async fn ready_or_exited(server: &mut Server) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if server.ready_within(Duration::from_millis(200)).await {
            return true;
        }
        if server.child.try_wait().expect("the server's status").is_some() {
            return false;
        }
    }
    false
}

fn finished(cmd: std::process::Child) -> Output {
    cmd.wait_with_output().expect("the command runs")
}

#[tokio::test]
async fn serve_and_other_commands_started_together_on_a_new_database_all_succeed() {
    for backend in backends() {
        for trial in 0..4 {
            let db = TestDb::on(&backend).await;
            // Started within a millisecond of each other, all on a database that does not exist
            // yet (SQLite) or has no tables (PostgreSQL).
            let mut server = Server::launch(&db.url, &[]);
            let spawn = |args: &[&str]| {
                Command::new(BIN)
                    .args(args)
                    .args(["--database", &db.url])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("eventmap starts")
            };
            let token = spawn(&["token", "create", "--name", "desk", "--role", "editor"]);
            let migrate = spawn(&["migrate"]);
            let (token, migrate) = (finished(token), finished(migrate));
            for (what, out) in [("token create", &token), ("migrate", &migrate)] {
                assert!(
                    out.status.success(),
                    "trial {trial} on {}: {what} failed:\n{}",
                    backend.name(),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            assert!(
                ready_or_exited(&mut server).await,
                "trial {trial} on {}: serve failed:\n{}",
                backend.name(),
                server.log()
            );
            // The token made meanwhile works against the server.
            let key = String::from_utf8_lossy(&token.stdout).trim().to_string();
            let r = reqwest::Client::new()
                .get(format!("{}/api/tokens", server.base))
                .bearer_auth(&key)
                .send()
                .await
                .expect("request sent");
            assert_eq!(r.status(), 403, "an editor token is known (and may not list tokens)");
        }
    }
}

#[tokio::test]
async fn serve_waits_for_a_sqlite_database_another_process_holds_for_five_seconds() {
    let db = TestDb::on(&Backend::Sqlite).await;
    drop(db.store().await);
    let path = db.url.strip_prefix("sqlite://").expect("a SQLite URL").to_string();
    // Another process loads the database as `eventmap import` does into an empty one: with a
    // rollback journal instead of the log, writing for five seconds, then back to WAL. The
    // documented wait is ten seconds.
    let held = Duration::from_secs(5);
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let c = rusqlite::Connection::open(&path).expect("the database opens");
        c.execute_batch(
            "PRAGMA journal_mode = DELETE; BEGIN IMMEDIATE; INSERT INTO meta (key, value) VALUES ('held', 1);",
        )
        .expect("the lock is taken");
        locked_tx.send(Instant::now()).expect("the test waits");
        std::thread::sleep(held);
        c.execute_batch("COMMIT; PRAGMA journal_mode = WAL;").expect("the load ends");
    });
    let locked_at = locked_rx.recv().expect("the lock is taken");
    let mut server = Server::launch(&db.url, &[]);
    let ready = ready_or_exited(&mut server).await;
    holder.join().expect("the holder ends");
    assert!(ready, "serve gave up after {:?}:\n{}", locked_at.elapsed(), server.log());
}

/// The environment the running server process has now, from `/proc`.
#[cfg(target_os = "linux")]
fn environment_of(server: &Server) -> Vec<String> {
    let raw = std::fs::read(format!("/proc/{}/environ", server.child.id())).expect("the server's environment");
    raw.split(|b| *b == 0).map(|v| String::from_utf8_lossy(v).into_owned()).collect()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn serve_sets_the_allocator_variables_the_operator_left_unset_and_keeps_the_others() {
    let db = TestDb::new().await;
    let server = Server::start(&db.url).await;
    let env = environment_of(&server);
    for wanted in ["MALLOC_ARENA_MAX=2", "MIMALLOC_PURGE_DELAY=0"] {
        assert!(env.iter().any(|v| v == wanted), "{wanted} missing from the server's environment: {env:?}");
    }
    drop(server);

    let server = Server::launch(&db.url, &[("MALLOC_ARENA_MAX", "6")]);
    assert!(server.ready_within(Duration::from_secs(60)).await, "not ready:\n{}", server.log());
    let env = environment_of(&server);
    assert!(env.iter().any(|v| v == "MALLOC_ARENA_MAX=6"), "the operator's value was replaced: {env:?}");
    assert!(env.iter().any(|v| v == "MIMALLOC_PURGE_DELAY=0"), "{env:?}");
    assert!(!server.log().contains("could not restart"), "{}", server.log());
}
