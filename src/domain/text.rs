//! Checks for free text fields: lengths in characters, no control characters, trimmed.
//!
//! Text is stored exactly as given (HTML included: it is data, rendered as text by every client
//! we ship); only characters that no human text needs are refused.

use super::ValidationErrors;

/// Trims `value` and checks it is non-empty (when `required`), at most `max` characters long and
/// free of control characters other than newline and tab.
pub fn check_text(field: &str, value: &str, max: usize, errors: &mut ValidationErrors) -> String {
    let trimmed = value.trim();
    let chars = trimmed.chars().count();
    if chars > max {
        errors.add(field, format!("must be at most {max} characters (got {chars})"));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        errors.add(field, "must not contain control characters");
    }
    trimmed.to_string()
}

/// Like [`check_text`] but also refuses an empty value.
pub fn check_required(field: &str, value: &str, max: usize, errors: &mut ValidationErrors) -> String {
    let v = check_text(field, value, max, errors);
    if v.is_empty() {
        errors.add(field, "must not be empty");
    }
    v
}

/// Checks a list of short labels (tags, actors): each trimmed, 1..=max_len characters, single-line,
/// at most `max_items`, duplicates (ignoring case) dropped with the first spelling kept.
pub fn check_labels(
    field: &str,
    values: &[String],
    max_len: usize,
    max_items: usize,
    errors: &mut ValidationErrors,
) -> Vec<String> {
    if values.len() > max_items {
        errors.add(field, format!("must have at most {max_items} items"));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let path = format!("{field}[{i}]");
        let t = check_required(&path, v, max_len, errors);
        if t.contains('\n') {
            errors.add(&path, "must be a single line");
        }
        if !t.is_empty() && !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
            out.push(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_kept_as_text_but_control_characters_are_refused() {
        let mut e = ValidationErrors::new();
        assert_eq!(check_required("t", " <b>x</b> ", 10, &mut e), "<b>x</b>");
        assert!(e.is_empty());
        check_required("t", "a\u{0}b", 10, &mut e);
        assert_eq!(e.errors.len(), 1);
    }

    #[test]
    fn lengths_are_counted_in_characters_not_bytes() {
        let mut e = ValidationErrors::new();
        check_text("t", "طرطوس", 5, &mut e);
        assert!(e.is_empty());
        check_text("t", "طرطوسً", 5, &mut e);
        assert_eq!(e.errors.len(), 1);
    }

    #[test]
    fn labels_are_deduplicated_ignoring_case() {
        let mut e = ValidationErrors::new();
        let v = check_labels("tags", &["Russia".into(), "russia ".into(), "navy".into()], 100, 50, &mut e);
        assert_eq!(v, vec!["Russia", "navy"]);
        check_labels("tags", &["".into()], 100, 50, &mut e);
        assert_eq!(e.errors[0].field, "tags[0]");
    }
}
