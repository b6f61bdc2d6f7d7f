//! The map in a real browser: Debian's Chromium driven through chromedriver, against the real
//! application on port 0 with the demonstration data in a fresh SQLite database.
//!
//! The tests are in modules by what they check: `map` (the page, the drawing and listing of the
//! events, the panel, filters, the embed view, HTML in the text), `export` (the Export dialog),
//! `editor` (drafting from a pasted report), `correct` (status, detach, delete in the panel), `amend` (the edit form, merging, team places),
//! `captures` (the sources' captures in the panel, from one request per event),
//! `signin` (tokens checked at once, a private instance), `searches` (the Saved searches dialog),
//! `scale` (10,000 events), `tiles` (25,000 events drawn from the event tiles), `languages` (Arabic right to left, Russian, the language switcher)
//! and `layout` (desk and phone sizes, with the screenshots). `harness` holds what they share: the application, the browser and
//! the helpers, and `with_browser!`, which runs a test with both, one browser at a time across the
//! tests of this binary. `wd` is the WebDriver client, a small one over `reqwest`: chromedriver
//! speaks plain HTTP on localhost, and the few commands the tests use need no larger library
//! (`fantoccini`, tried first, brought a second TLS stack whose crypto provider clashed with
//! reqwest's).
//!
//! Without Chromium or chromedriver these tests print `skipped: <why>` and pass, unless
//! `EVENTMAP_REQUIRE_BROWSER=1` is set (as in CI), when they fail. `EVENTMAP_CHROMIUM` and
//! `EVENTMAP_CHROMEDRIVER` override the default paths (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`). The tests take turns: one Chromium at a time is plenty for a
//! 2-core machine, and WebGL in software is slow enough as it is.
//!
//! Screenshots of the desktop (1280×800) and phone (390×844) layouts are written to
//! `target/screenshots/`; with `EVENTMAP_UPDATE_SCREENSHOTS=1` also to `docs/screenshot.png` and
//! `docs/screenshot-phone.png`.

#[path = "../common/mod.rs"]
mod common;
mod harness;
mod wd;

mod amend;
mod captures;
mod correct;
mod editor;
mod export;
mod languages;
mod layout;
mod map;
mod scale;
mod searches;
mod signin;
mod tiles;
