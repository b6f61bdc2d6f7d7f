//! The helper threads of an import into SQLite: one renders each batch's events into the rows
//! the writer inserts (Feature JSON, folded search text, terms, diffs against the stored
//! state), another frees what the writer is done with. Both live as long as the import, so that
//! the memory they allocate and free stays with threads that are still running.
//!
//! The writer thread bounds an import's speed; everything that is not SQLite work happens
//! here, on the other core.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::Scope;

use uuid::Uuid;

use crate::domain::Event;
use crate::domain::event::EventData;
use crate::store::prepare::Prepared;
use crate::store::rules::{Current, same_fields};

/// What the writer does with one imported event.
pub enum Step {
    /// A new event, to insert.
    New(Box<Prepared>),
    /// A stored event whose fields changed: numbered `seq`, with its fields `before`.
    Changed { p: Box<Prepared>, seq: i64, before: Box<EventData> },
    /// The stored event is the same (or deleted, which an import does not undo).
    Unchanged,
}

/// Steps travel in chunks: one wake-up of the writer per chunk, not per event.
const CHUNK: usize = 256;

/// One batch to render: its events, and the stored state of those that exist.
struct Job {
    events: Vec<Event>,
    existing: HashMap<Uuid, Current>,
}

/// What the renderer sends back for a job.
enum Rendered {
    Steps(Vec<Step>),
    /// Every step of the job was sent.
    Done,
}

/// The renderer and the disposer of one import, as seen from the writer.
pub struct Workers {
    jobs: SyncSender<Job>,
    rendered: Receiver<Rendered>,
    dispose: Sender<Vec<Step>>,
}

impl Workers {
    /// Starts both threads in `scope`; they end when the returned value is dropped.
    pub fn start<'scope>(scope: &'scope Scope<'scope, '_>) -> Self {
        let (jobs, job_rx) = sync_channel::<Job>(1);
        let (rendered_tx, rendered) = sync_channel::<Rendered>(8);
        scope.spawn(move || render(job_rx, rendered_tx));
        let (dispose, disposal) = channel::<Vec<Step>>();
        // Freeing an event's many small allocations took the writer about 5 % of its time.
        scope.spawn(move || disposal.into_iter().for_each(drop));
        Self { jobs, rendered, dispose }
    }

    /// Renders `events` (given the stored state of those in `existing`), handing the writer each
    /// chunk of steps in order; the chunks go to the disposer after `write` returns.
    pub fn run<E>(
        &self,
        events: Vec<Event>,
        existing: HashMap<Uuid, Current>,
        mut write: impl FnMut(&mut [Step]) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.jobs.send(Job { events, existing }).is_err() {
            unreachable!("the renderer lives as long as the workers");
        }
        loop {
            match self.rendered.recv() {
                Ok(Rendered::Steps(mut chunk)) => {
                    let written = write(&mut chunk);
                    let _ = self.dispose.send(chunk);
                    if written.is_err() {
                        // The rest of the job is rendered and dropped, so that the next job's
                        // steps are the next to arrive.
                        while let Ok(Rendered::Steps(rest)) = self.rendered.recv() {
                            let _ = self.dispose.send(rest);
                        }
                        return written;
                    }
                }
                Ok(Rendered::Done) => return Ok(()),
                Err(_) => unreachable!("the renderer lives as long as the workers"),
            }
        }
    }
}

/// The renderer's loop: each job's steps in chunks, then [`Rendered::Done`]. Ends when the
/// writer drops its end of either channel.
fn render(jobs: Receiver<Job>, out: SyncSender<Rendered>) {
    for Job { events, existing } in jobs {
        let mut chunk = Vec::with_capacity(CHUNK);
        for mut ev in events {
            let step = match existing.get(&ev.id) {
                // A deletion is an editor's decision: re-importing does not undo it.
                Some(cur) if cur.deleted => Step::Unchanged,
                Some(cur) => match &cur.event {
                    Some(before) if !same_fields(&before.data, &ev.data) => {
                        ev.created_at = before.created_at;
                        ev.revision = cur.revision + 1;
                        Step::Changed {
                            p: Box::new(Prepared::new(ev)),
                            seq: cur.seq,
                            before: Box::new(before.data.clone()),
                        }
                    }
                    _ => Step::Unchanged,
                },
                None => Step::New(Box::new(Prepared::new(ev))),
            };
            chunk.push(step);
            if chunk.len() == CHUNK
                && out.send(Rendered::Steps(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)))).is_err()
            {
                return;
            }
        }
        if (!chunk.is_empty() && out.send(Rendered::Steps(chunk)).is_err()) || out.send(Rendered::Done).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventInput, Vocabulary};
    use serde_json::json;

    fn event(i: u128, title: &str) -> Event {
        let data = EventInput::from_json(json!({"title": title, "start": "2025-02-10", "places": [
            {"name": "Tartus", "lon": 35.88, "lat": 34.88}]}))
        .unwrap()
        .validate(&Vocabulary::default())
        .unwrap();
        Event::new(Uuid::from_u128(i), data, chrono::Utc::now())
    }

    fn kinds(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .map(|s| match s {
                Step::New(p) => format!("new {}", p.event.data.title),
                Step::Changed { p, seq, before } => format!("changed {seq} {} -> {}", before.title, p.event.data.title),
                Step::Unchanged => "unchanged".into(),
            })
            .collect()
    }

    #[test]
    fn every_event_of_each_job_comes_back_in_order_as_new_changed_or_unchanged() {
        std::thread::scope(|scope| {
            let workers = Workers::start(scope);
            for round in 0..3 {
                let events: Vec<Event> = (0..600).map(|i| event(i, &format!("e{i}"))).collect();
                let mut existing = HashMap::new();
                existing.insert(
                    Uuid::from_u128(1),
                    Current { seq: 7, revision: 2, deleted: false, event: Some(event(1, "old")) },
                );
                existing.insert(
                    Uuid::from_u128(2),
                    Current { seq: 8, revision: 1, deleted: false, event: Some(event(2, "e2")) },
                );
                existing.insert(Uuid::from_u128(3), Current { seq: 9, revision: 3, deleted: true, event: None });
                let mut seen = Vec::new();
                workers
                    .run::<()>(events, existing, |chunk| {
                        assert!(chunk.len() <= CHUNK);
                        seen.extend(kinds(chunk));
                        Ok(())
                    })
                    .unwrap();
                assert_eq!(seen.len(), 600, "round {round}");
                assert_eq!(seen[0], "new e0");
                assert_eq!(seen[1], "changed 7 old -> e1");
                assert_eq!(seen[2], "unchanged", "the same fields");
                assert_eq!(seen[3], "unchanged", "deleted stays deleted");
                assert_eq!(seen[599], "new e599");
            }
        });
    }

    #[test]
    fn a_failed_write_stops_the_job_and_the_next_job_starts_clean() {
        std::thread::scope(|scope| {
            let workers = Workers::start(scope);
            let events: Vec<Event> = (0..2000).map(|i| event(i, "x")).collect();
            let mut calls = 0;
            let r = workers.run(events, HashMap::new(), |_| {
                calls += 1;
                Err("disk full")
            });
            assert_eq!((r, calls), (Err("disk full"), 1));
            let mut seen = Vec::new();
            workers
                .run::<()>(vec![event(5000, "next")], HashMap::new(), |c| {
                    seen.extend(kinds(c));
                    Ok(())
                })
                .unwrap();
            assert_eq!(seen, ["new next"]);
        });
    }
}
