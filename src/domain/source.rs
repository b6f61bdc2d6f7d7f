//! Sources: the reports that support an event. One source per URL, shared between events; the
//! passage that supports a particular event (`excerpt`) belongs to the link, not the source.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ValidationErrors, text, time};

/// A source as attached to one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Source {
    /// Stable id of the source, shared by every event it supports.
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_url: Option<String>,
    /// The passage of this source that supports this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

/// A source as a client sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    /// Accepted for round trips of our own exports; the URL decides which source this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

/// Checks that `s` is an absolute http or https URL and returns it normalised.
pub fn check_url(field: &str, s: &str, errors: &mut ValidationErrors) -> String {
    let s = s.trim();
    if s.chars().count() > 2048 {
        errors.add(field, "must be at most 2048 characters");
        return s.to_string();
    }
    match url::Url::parse(s) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host_str().is_some_and(|h| !h.is_empty()) => {
            u.to_string()
        }
        Ok(u) => {
            errors.add(field, format!("must be an http or https URL (got scheme `{}`)", u.scheme()));
            s.to_string()
        }
        Err(e) => {
            errors.add(field, format!("is not a URL: {e}"));
            s.to_string()
        }
    }
}

/// The host of a URL without a leading `www.` (`uawire.org`), as the `source=` filter matches it.
pub fn domain_of(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

fn check_language(tag: &str, errors: &mut ValidationErrors) -> String {
    let t = tag.trim();
    let ok = !t.is_empty()
        && t.len() <= 35
        && t.split('-').all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && t.split('-')
            .next()
            .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    if !ok {
        errors.add("language", format!("`{tag}` is not a language tag such as `en`, `ar` or `pt-BR`"));
    }
    t.to_string()
}

fn opt_text(field: &str, v: &Option<String>, max: usize, e: &mut ValidationErrors) -> Option<String> {
    v.as_deref().map(|s| text::check_text(field, s, max, e)).filter(|s| !s.is_empty())
}

impl SourceInput {
    /// Validates the input; `id` is the id the source gets if its URL is new to the store.
    pub fn validate(&self, id: Uuid) -> Result<Source, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let url = check_url("url", &self.url, &mut e);
        let archived_url =
            self.archived_url.as_deref().filter(|s| !s.trim().is_empty()).map(|s| check_url("archived_url", s, &mut e));
        let published_at = match self.published_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => match time::parse_instant(s) {
                Ok(p) => Some(p.at),
                Err(m) => {
                    e.add("published_at", m);
                    None
                }
            },
            None => None,
        };
        let language = self.language.as_deref().filter(|s| !s.trim().is_empty()).map(|l| check_language(l, &mut e));
        let source = Source {
            id,
            url,
            title: opt_text("title", &self.title, 500, &mut e),
            publisher: opt_text("publisher", &self.publisher, 200, &mut e),
            published_at,
            language,
            archived_url,
            excerpt: opt_text("excerpt", &self.excerpt, 1000, &mut e),
        };
        e.into_result(source)
    }
}

impl From<&Source> for SourceInput {
    fn from(s: &Source) -> Self {
        Self {
            id: Some(s.id.to_string()),
            url: s.url.clone(),
            title: s.title.clone(),
            publisher: s.publisher.clone(),
            published_at: s.published_at.map(time::format_rfc3339),
            language: s.language.clone(),
            archived_url: s.archived_url.clone(),
            excerpt: s.excerpt.clone(),
        }
    }
}

/// Serde helpers for optional instants written as RFC 3339 in UTC.
pub mod opt_rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.serialize_str(&crate::domain::time::format_rfc3339(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let v: Option<String> = Option::deserialize(d)?;
        v.map(|s| crate::domain::time::parse_instant(&s).map(|p| p.at).map_err(serde::de::Error::custom)).transpose()
    }
}

/// Serde helpers for instants written as RFC 3339 in UTC.
pub mod rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::domain::time::format_rfc3339(*v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        crate::domain::time::parse_instant(&s).map(|p| p.at).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(url: &str) -> SourceInput {
        SourceInput { url: url.into(), ..Default::default() }
    }

    #[test]
    fn only_http_and_https_urls_are_sources() {
        assert!(src("https://uawire.org/x").validate(Uuid::nil()).is_ok());
        for bad in ["javascript:alert(1)", "ftp://x.org/a", "file:///etc/passwd", "not a url", "https://"] {
            let e = src(bad).validate(Uuid::nil()).unwrap_err();
            assert_eq!(e.errors[0].field, "url", "{bad}");
        }
    }

    #[test]
    fn the_domain_drops_www_and_case() {
        assert_eq!(domain_of("https://WWW.UAWire.org/a?b").as_deref(), Some("uawire.org"));
        assert_eq!(domain_of("nope"), None);
    }

    #[test]
    fn an_excerpt_is_at_most_a_thousand_characters() {
        let mut s = src("https://a.org/");
        s.excerpt = Some("x".repeat(1001));
        assert_eq!(s.validate(Uuid::nil()).unwrap_err().errors[0].field, "excerpt");
    }

    #[test]
    fn language_tags_are_checked() {
        let mut s = src("https://a.org/");
        s.language = Some("pt-BR".into());
        assert!(s.validate(Uuid::nil()).is_ok());
        s.language = Some("english please".into());
        assert!(s.validate(Uuid::nil()).is_err());
    }
}
