//! Reports to draft events: placeholder, filled in by the report ingestion work.
