//! Field-level validation errors, collected so a client learns every fault at once.

use serde::Serialize;

/// One field at fault, named by its path in the input (`places[0].lat`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Every field error found while validating one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.summary())]
pub struct ValidationErrors {
    pub errors: Vec<FieldError>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// A single error on one field.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError { field: field.into(), message: message.into() });
    }

    /// Adds the errors of a nested value under a path prefix (`places[2]`).
    pub fn extend_prefixed(&mut self, prefix: &str, other: ValidationErrors) {
        for e in other.errors {
            let field = if e.field.is_empty() {
                prefix.to_string()
            } else if e.field.starts_with('[') {
                format!("{prefix}{}", e.field)
            } else {
                format!("{prefix}.{}", e.field)
            };
            self.errors.push(FieldError { field, message: e.message });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when no error was recorded.
    pub fn into_result<T>(self, value: T) -> Result<T, Self> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }

    pub fn summary(&self) -> String {
        self.errors
            .iter()
            .map(|e| if e.field.is_empty() { e.message.clone() } else { format!("{}: {}", e.field, e.message) })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_errors_are_prefixed_with_their_path() {
        let mut outer = ValidationErrors::new();
        outer.extend_prefixed("places[1]", ValidationErrors::one("lat", "out of range"));
        assert_eq!(outer.errors[0].field, "places[1].lat");
        assert_eq!(outer.summary(), "places[1].lat: out of range");
    }
}
