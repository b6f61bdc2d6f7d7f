//! Pure domain types: events, places, sources, times, filters. No I/O, no HTTP, no SQL.
//!
//! Everything that enters eventmap is validated here, when a domain value is constructed, so that
//! the store and the API can trust what they hold. Validation failures are collected field by field
//! into [`ValidationErrors`](crate::domain::ValidationErrors), which the API turns into a 422 problem.

pub mod capture;
pub mod category;
pub mod country;
pub mod error;
pub mod event;
pub mod feature_json;
pub mod filter;
pub mod follow;
pub mod geometry;
pub mod geometry_type;
pub mod histogram;
pub mod json;
pub mod place;
pub mod properties;
pub mod revision;
pub mod rings;
pub mod source;
pub mod team_place;
pub mod text;
pub mod tile;
pub mod time;

pub use category::Vocabulary;
pub use error::{FieldError, ValidationErrors};
pub use event::{Event, EventInput, Status};
pub use filter::{BBox, Bucket, Cursor, EventFilter, Sort};
pub use place::{LocationPrecision, Place, PlaceInput, PlaceRole};
pub use revision::{Action, Revision};
pub use source::{Source, SourceInput};
pub use time::{TimePrecision, TimeRange};
