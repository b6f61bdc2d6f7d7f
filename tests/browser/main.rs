//! The map in a real browser: Debian's Chromium driven through chromedriver, against the real
//! application on port 0 with the demonstration data in a fresh SQLite database.
//!
//! The WebDriver client is the small one in `wd.rs`, over `reqwest`: chromedriver
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

mod editor;
mod export;
mod layout;
mod map;
mod scale;
