//! Checks for free text fields: lengths in characters, no control characters, trimmed.
//!
//! Text is stored exactly as given (HTML included: it is data, rendered as text by every client
//! we ship); only characters that no human text needs are refused.

use super::ValidationErrors;

/// Trims `value` and checks it is non-empty (when `required`), at most `max` characters long and
/// free of control characters other than newline and tab.
pub fn check_text(field: &str, value: &str, max: usize, errors: &mut ValidationErrors) -> String {
    let trimmed = value.trim();
    check_trimmed(field, trimmed, max, errors);
    trimmed.to_string()
}

/// As [`check_text`], keeping `value`'s allocation when it needs no trimming.
pub fn check_text_owned(field: &str, value: String, max: usize, errors: &mut ValidationErrors) -> String {
    let trimmed = value.trim();
    check_trimmed(field, trimmed, max, errors);
    if trimmed.len() == value.len() { value } else { trimmed.to_string() }
}

fn check_trimmed(field: &str, trimmed: &str, max: usize, errors: &mut ValidationErrors) {
    let allowed = |c: char| !c.is_control() || c == '\n' || c == '\t' || c == '\r';
    // ASCII text (most of it) needs no decoding to count or to check.
    let (chars, control) = if trimmed.is_ascii() {
        (trimmed.len(), !trimmed.bytes().all(|b| allowed(char::from(b))))
    } else {
        (trimmed.chars().count(), !trimmed.chars().all(allowed))
    };
    if chars > max {
        errors.add(field, format!("must be at most {max} characters (got {chars})"));
    }
    if control {
        errors.add(field, "must not contain control characters");
    }
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
        // Refused as a whole, without looking at each: a request with a million labels costs no
        // more than one with too many by one.
        errors.add(field, format!("must have at most {max_items} items"));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        // The path is only written out when something is wrong.
        let mut e = ValidationErrors::new();
        let t = check_required("", v, max_len, &mut e);
        if t.contains('\n') {
            e.add("", "must be a single line");
        }
        if !e.is_empty() {
            errors.extend_prefixed(&format!("{field}[{i}]"), e);
        }
        if !t.is_empty() && !out.iter().any(|o| same_ignoring_case(o, &t)) {
            out.push(t);
        }
    }
    out
}

/// Whether two labels are the same but for case.
fn same_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(b) } else { a.to_lowercase() == b.to_lowercase() }
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
