//! The category vocabulary: which values `category` may take, with a label and a colour each.
//!
//! Values are slugs (`air_or_drone_strike`); input is matched ignoring case, spaces and hyphens,
//! so "Air or drone strike" is accepted and stored as the slug. A team may replace the list.

use serde::Serialize;

/// One category: its stored value, its label for people, and its colour on the map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Category {
    pub value: String,
    pub label: String,
    pub color: String,
}

/// The configured list of categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Vocabulary {
    pub categories: Vec<Category>,
}

const DEFAULT: [(&str, &str, &str); 11] = [
    ("armed_clash", "Armed clash", "#d62728"),
    ("air_or_drone_strike", "Air or drone strike", "#9467bd"),
    ("shelling", "Shelling", "#8c564b"),
    ("explosion", "Explosion", "#ff7f0e"),
    ("violence_against_civilians", "Violence against civilians", "#e377c2"),
    ("protest", "Protest", "#17becf"),
    ("riot", "Riot", "#bcbd22"),
    ("military_movement", "Military movement", "#1f77b4"),
    ("arrest", "Arrest", "#7f7f7f"),
    ("strategic_development", "Strategic development", "#2ca02c"),
    ("other", "Other", "#525252"),
];

const PALETTE: [&str; 10] =
    ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

impl Default for Vocabulary {
    fn default() -> Self {
        Self {
            categories: DEFAULT
                .iter()
                .map(|(v, l, c)| Category { value: v.to_string(), label: l.to_string(), color: c.to_string() })
                .collect(),
        }
    }
}

/// Folds a category as typed into its slug form.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

impl Vocabulary {
    /// A vocabulary from a comma-separated list of labels or slugs (`"clash, protest, other"`).
    pub fn from_list(list: &str) -> Result<Self, String> {
        let mut categories: Vec<Category> = Vec::new();
        for (i, item) in list.split(',').map(str::trim).filter(|s| !s.is_empty()).enumerate() {
            let value = slug(item);
            if value.is_empty() {
                return Err(format!("category `{item}` has no letters or digits"));
            }
            if categories.iter().any(|c| c.value == value) {
                return Err(format!("category `{item}` is listed twice"));
            }
            let label = if item.contains('_') { item.replace('_', " ") } else { item.to_string() };
            let mut label_chars = label.chars();
            let label = match label_chars.next() {
                Some(f) => f.to_uppercase().chain(label_chars).collect(),
                None => label,
            };
            categories.push(Category { value, label, color: PALETTE[i % PALETTE.len()].to_string() });
        }
        if categories.is_empty() {
            return Err("the category list is empty".into());
        }
        Ok(Self { categories })
    }

    /// The stored value for a category as typed, if it is in the vocabulary.
    pub fn resolve(&self, input: &str) -> Option<&str> {
        // Importers give slugs already: no need to fold them again.
        if let Some(c) = self.categories.iter().find(|c| c.value == input) {
            return Some(c.value.as_str());
        }
        let s = slug(input);
        self.categories.iter().find(|c| c.value == s).map(|c| c.value.as_str())
    }

    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.categories.iter().map(|c| c.value.as_str())
    }

    /// The fallback category when a source gives none (`other` if present, else the last).
    pub fn fallback(&self) -> &str {
        self.resolve("other").unwrap_or_else(|| &self.categories.last().expect("non-empty").value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_as_typed_resolve_to_slugs() {
        let v = Vocabulary::default();
        assert_eq!(v.resolve("Air or drone strike"), Some("air_or_drone_strike"));
        assert_eq!(v.resolve("military-movement"), Some("military_movement"));
        assert_eq!(v.resolve("picnic"), None);
        assert_eq!(v.categories.len(), 11);
    }

    #[test]
    fn a_team_can_configure_its_own_list() {
        let v = Vocabulary::from_list("Shooting, Checkpoint incident,other").unwrap();
        assert_eq!(v.values().collect::<Vec<_>>(), ["shooting", "checkpoint_incident", "other"]);
        assert_eq!(v.categories[1].label, "Checkpoint incident");
        assert!(Vocabulary::from_list("a, A").is_err());
        assert!(Vocabulary::from_list(" , ").is_err());
    }
}
