//! A feature's properties as read: a short list of keys and JSON values. The keys the layers read are
//! shared static strings, so a million features do not each allocate `"households"`, and a feature costs
//! one small vector rather than a B-tree map (a third of a load's memory, measured at 1 000 000 areas).

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// An id as a file may give it: a string, or a number written as its text; anything else is no id.
pub fn id_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

#[derive(Debug, Clone)]
enum Key {
    Known(&'static str),
    Other(Box<str>),
}

impl Key {
    /// Every key a layer reads (`load::properties`) and a proposal's `layer` is stored without allocating.
    fn new(key: &str) -> Key {
        super::properties()
            .iter()
            .flat_map(|(_, keys)| keys.iter())
            .chain(["layer"].iter())
            .find(|k| **k == key)
            .map_or_else(|| Key::Other(key.into()), |k| Key::Known(k))
    }

    fn as_str(&self) -> &str {
        match self {
            Key::Known(k) => k,
            Key::Other(k) => k,
        }
    }
}

/// A table column's key, resolved once for all its rows (a Parquet batch's thousands).
#[derive(Debug, Clone)]
pub struct ColumnKey(Key);

impl ColumnKey {
    pub fn new(name: &str) -> ColumnKey {
        ColumnKey(Key::new(name))
    }
}

/// Properties by key; a key given twice keeps its last value, as JSON parsers do.
#[derive(Debug, Clone, Default)]
pub struct PropMap(Vec<(Key, Value)>);

impl PropMap {
    pub fn new() -> PropMap {
        PropMap::default()
    }

    /// Room for `n` properties.
    pub fn with_capacity(n: usize) -> PropMap {
        PropMap(Vec::with_capacity(n))
    }

    /// Adds a table column's value: the caller knows the map does not hold the key yet (a table's
    /// columns are named once each).
    pub fn push_column(&mut self, key: &ColumnKey, value: Value) {
        self.0.push((key.0.clone(), value));
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    }

    pub fn insert(&mut self, key: &str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| k.as_str() == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((Key::new(key), value)),
        }
    }

    /// Gives each key the layers do not know the key `rename` says it stands for (a Chinese column name, a
    /// column `dataset.toml` maps); one whose key is there already stays as it is.
    pub fn rename(&mut self, rename: impl Fn(&str) -> Option<&'static str>) {
        for i in 0..self.0.len() {
            let Key::Other(name) = &self.0[i].0 else { continue };
            let Some(key) = rename(name) else { continue };
            if self.0.iter().all(|(k, _)| k.as_str() != key) {
                self.0[i].0 = Key::Known(key);
            }
        }
    }

    /// Replaces `key`'s value with the contract's where it is one of an office's own `words` (word, value).
    pub fn map_value(&mut self, key: &str, words: &[(String, String)]) {
        if let Some((_, value)) = self.0.iter_mut().find(|(k, _)| k.as_str() == key) {
            let said = value.as_str().map(str::trim);
            if let Some((_, to)) = words.iter().find(|(word, _)| Some(word.as_str()) == said) {
                *value = Value::String(to.clone());
            }
        }
    }

    /// The keys, in sorted order (as a JSON object's keys are listed).
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.0.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<'de> Deserialize<'de> for PropMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PropMap, D::Error> {
        deserializer.deserialize_map(MapVisitor)
    }
}

struct MapVisitor;

impl<'de> Visitor<'de> for MapVisitor {
    type Value = PropMap;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of properties")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<PropMap, A::Error> {
        let mut map = PropMap(Vec::with_capacity(access.size_hint().unwrap_or(8).min(64)));
        while let Some(KeyIn(key)) = access.next_key()? {
            let value: Value = access.next_value()?;
            match map.0.iter_mut().find(|(k, _)| k.as_str() == key.as_str()) {
                Some(slot) => slot.1 = value,
                None => map.0.push((key, value)),
            }
        }
        Ok(map)
    }
}

/// A key read without a copy when it is one the layers know.
struct KeyIn(Key);

impl<'de> Deserialize<'de> for KeyIn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<KeyIn, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KeyIn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a property name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KeyIn, E> {
                Ok(KeyIn(Key::new(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_a_json_object_does() {
        let map: PropMap =
            serde_json::from_str(r#"{"households": 120, "名称": "沿山", "id": "R1", "households": 130}"#).unwrap();
        assert_eq!(map.len(), 3);
        assert_eq!(
            map.get("households"),
            Some(&Value::from(130)),
            "the last of a repeated key"
        );
        assert_eq!(map.get("名称"), Some(&Value::from("沿山")));
        assert_eq!(map.keys(), ["households", "id", "名称"]);
        assert!(map.get("beds").is_none());
        assert!(serde_json::from_str::<PropMap>("[1, 2]").is_err());
        let mut m = PropMap::new();
        m.insert("serves", Value::from("R1"));
        m.insert("serves", Value::from("R2"));
        assert_eq!((m.len(), m.get("serves")), (1, Some(&Value::from("R2"))));
    }
}
