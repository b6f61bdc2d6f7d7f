//! What makes an exported row citable beyond its stored sources: the keys the importers keep in
//! an event's free `properties` (ACLED `event_id_cnty`, GDELT `GLOBALEVENTID`, a TimeMap event
//! `id`) and the sources they keep there because they have no web address (ACLED's `source`
//! column names publishers; GDELT's `SOURCEURL` sometimes names a wire service). Read straight
//! from the Feature JSON like [`view`](super::view), leniently: a team's own `properties` may use
//! the same names for anything, and a value of another shape is passed over, never an error that
//! would drop the row from an export.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::view::FeatureView;

/// The importers' keys and source names found in an event's free `properties`.
#[derive(Debug, Default, PartialEq)]
pub struct Provenance<'a> {
    /// `properties.acled.event_id_cnty`.
    pub acled_event_id_cnty: Option<Cow<'a, str>>,
    /// `properties.acled.source`: publishers separated by `;`.
    pub acled_source: Option<Cow<'a, str>>,
    /// `properties.gdelt.globaleventid`.
    pub gdelt_globaleventid: Option<Cow<'a, str>>,
    /// `properties.gdelt.source`: a `SOURCEURL` that is not a web address.
    pub gdelt_source: Option<Cow<'a, str>>,
    /// `properties.timemap.id`.
    pub timemap_id: Option<Cow<'a, str>>,
}

impl<'a> Provenance<'a> {
    /// The names of the sources kept without a web address, in the order the importer kept them.
    pub fn unlinked_sources(&self) -> impl Iterator<Item = &str> {
        let acled = self.acled_source.as_deref().into_iter().flat_map(|s| s.split(';'));
        acled.chain(self.gdelt_source.as_deref()).map(str::trim).filter(|s| !s.is_empty())
    }
}

/// The names of an event's sources: each stored source's publisher, else its title, else
/// nothing (one item per source, lined up with its URL), then the sources an importer kept
/// without a web address.
pub fn source_names<'b>(f: &'b FeatureView<'_>) -> impl Iterator<Item = &'b str> {
    let stored = f.properties.sources.iter().map(|s| s.publisher.as_deref().or(s.title.as_deref()).unwrap_or(""));
    stored.chain(f.properties.properties.unlinked_sources())
}

/// A string or a number as text; anything else is passed over as `None`.
struct Scalar<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Scalar<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A key of `properties`, borrowed when it has no escapes (serde's own `Cow` always copies, which
/// cost an allocation for each of the twenty-odd keys of an ACLED row).
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

/// One importer's object (`acled`, `gdelt`, `timemap`): the fields wanted from it, by name in
/// any case, and where each goes. A value that is not an object is passed over.
struct Section<'a, 's> {
    wanted: [(&'static str, Option<&'s mut Option<Cow<'a, str>>>); 2],
}

impl<'de: 'a, 'a, 's> serde::de::DeserializeSeed<'de> for Section<'a, 's> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a, 's> Visitor<'de> for Section<'a, 's> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut a: A) -> Result<(), A::Error> {
        while let Some(k) = a.next_key::<Key<'de>>()? {
            let slot = self.wanted.iter_mut().find(|(name, _)| k.0.eq_ignore_ascii_case(name));
            match slot.and_then(|(_, s)| s.as_deref_mut()) {
                Some(slot) => *slot = a.next_value::<Scalar<'a>>()?.0,
                None => drop(a.next_value::<IgnoredAny>()?),
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Provenance<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Provenance<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut p = Provenance::default();
                while let Some(k) = a.next_key::<Key<'de>>()? {
                    let wanted = match &*k.0 {
                        "acled" => {
                            [("event_id_cnty", Some(&mut p.acled_event_id_cnty)), ("source", Some(&mut p.acled_source))]
                        }
                        "gdelt" => {
                            [("globaleventid", Some(&mut p.gdelt_globaleventid)), ("source", Some(&mut p.gdelt_source))]
                        }
                        "timemap" => [("id", Some(&mut p.timemap_id)), ("", None)],
                        _ => {
                            a.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    a.next_value_seed(Section { wanted })?;
                }
                Ok(p)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
                Section { wanted: [("", None), ("", None)] }.visit_seq(a).map(|()| Provenance::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Provenance::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Provenance::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Provenance::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Provenance::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Provenance::default())
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Provenance::default())
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Provenance<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_keys_and_unlinked_sources_of_each_importer_are_found() {
        let p = read(
            r#"{"acled": {"event_id_cnty": "SYR123", "admin1": "Idlib", "source": "SOHR; Step News Agency;"},
                "gdelt": {"globaleventid": "1100000002", "source": "BBC Monitoring", "num_mentions": "6"},
                "timemap": {"id": 7, "sources": ["S3"]}, "colour": "red"}"#,
        );
        assert_eq!(p.acled_event_id_cnty.as_deref(), Some("SYR123"));
        assert_eq!(p.gdelt_globaleventid.as_deref(), Some("1100000002"));
        assert_eq!(p.timemap_id.as_deref(), Some("7"), "a number is read as text");
        assert_eq!(p.unlinked_sources().collect::<Vec<_>>(), ["SOHR", "Step News Agency", "BBC Monitoring"]);
    }

    #[test]
    fn keys_written_in_upper_case_by_an_older_import_are_found_too() {
        let p = read(r#"{"acled": {"EVENT_ID_CNTY": "XSY0009", "SOURCE": "Example Weekly"}}"#);
        assert_eq!(p.acled_event_id_cnty.as_deref(), Some("XSY0009"));
        assert_eq!(p.acled_source.as_deref(), Some("Example Weekly"));
    }

    #[test]
    fn values_of_another_shape_are_passed_over_rather_than_refused() {
        let p = read(r#"{"acled": "yes", "gdelt": [1, 2], "timemap": {"id": {"a": [1]}}, "x": null}"#);
        assert_eq!(p, Provenance::default());
        let p = read(r#"{"acled": {"event_id_cnty": null, "source": ["a"]}, "gdelt": null}"#);
        assert_eq!(p, Provenance::default());
        for other in ["null", "[1, {}]", "\"text\"", "3", "true"] {
            assert_eq!(read(other), Provenance::default(), "{other}");
        }
    }

    #[test]
    fn escaped_text_is_unescaped() {
        let p = read(r#"{"acled": {"source": "Al \"Watan\"; \u0627\u0644\u0648\u0637\u0646"}}"#);
        assert_eq!(p.unlinked_sources().collect::<Vec<_>>(), ["Al \"Watan\"", "الوطن"]);
    }
}
