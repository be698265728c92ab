//! JavaScript own-property order (ECMAScript `OrdinaryOwnPropertyKeys`), which decides the key
//! order of `JSON.stringify`, `Object.entries` and `for…in`: keys that are canonical array
//! indices first, in ascending numeric order, then the other keys in insertion order.

use std::collections::HashSet;

/// Largest array index: arrays are limited to 2^32 - 1 elements, so "4294967295" is an ordinary
/// key while "4294967294" is an index.
const MAX_ARRAY_INDEX: u64 = 4_294_967_294;

/// The numeric value of `key` if it is a canonical array index ("0", "7", "4294967294"; not
/// "01", "-1", "+1", "1.0", "4294967295").
pub(crate) fn array_index(key: &str) -> Option<u32> {
    let bytes = key.as_bytes();
    let canonical = match bytes {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.len() < 10 && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !canonical {
        return None;
    }
    let value: u64 = key.parse().ok()?;
    if value <= MAX_ARRAY_INDEX {
        u32::try_from(value).ok()
    } else {
        None
    }
}

/// An insertion-ordered map whose iteration order is JavaScript's own-property order.
///
/// Re-inserting an existing key replaces its value in place, as assigning an existing property
/// does in JavaScript (and as `JSON.parse` does with duplicate keys).
#[derive(Clone, Debug)]
pub(crate) struct JsMap<V> {
    /// Array-index keys first (sorted), then the other keys in insertion order.
    entries: Vec<(String, V)>,
    /// Number of array-index keys at the front of `entries`.
    index_keys: usize,
    /// Non-index keys, for O(1) duplicate detection.
    named: HashSet<String>,
}

impl<V> JsMap<V> {
    pub(crate) fn new() -> Self {
        Self {
            entries: Vec::new(),
            index_keys: 0,
            named: HashSet::new(),
        }
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        match array_index(key) {
            Some(index) => {
                let front = self.entries.get(..self.index_keys).unwrap_or_default();
                front.binary_search_by_key(&index, |(k, _)| array_index(k).unwrap_or(u32::MAX))
            }
            None if self.named.contains(key) => {
                let rest = self.entries.get(self.index_keys..).unwrap_or_default();
                rest.iter()
                    .position(|(k, _)| k == key)
                    .map(|at| at + self.index_keys)
                    .ok_or(self.entries.len())
            }
            None => Err(self.entries.len()),
        }
    }

    /// Inserts or replaces; returns the previous value.
    pub(crate) fn insert(&mut self, key: String, value: V) -> Option<V> {
        match self.position(&key) {
            Ok(at) => self
                .entries
                .get_mut(at)
                .map(|slot| std::mem::replace(&mut slot.1, value)),
            Err(at) => {
                if array_index(&key).is_some() {
                    self.index_keys += 1;
                } else {
                    self.named.insert(key.clone());
                }
                self.entries.insert(at, (key, value));
                None
            }
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        let at = self.position(key).ok()?;
        self.entries.get(at).map(|(_, v)| v)
    }

    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let at = self.position(key).ok()?;
        self.entries.get_mut(at).map(|(_, v)| v)
    }

    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &V)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

impl<V> Default for JsMap<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: PartialEq> PartialEq for JsMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_indices() {
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("10"), Some(10));
        assert_eq!(array_index("4294967294"), Some(4_294_967_294));
        for not_index in [
            "",
            "00",
            "01",
            "-1",
            "+1",
            "1.0",
            "1e3",
            " 1",
            "4294967295",
            "99999999999",
            "a",
        ] {
            assert_eq!(array_index(not_index), None, "{not_index:?}");
        }
    }

    #[test]
    fn order_and_replacement() {
        let mut map = JsMap::new();
        for (i, key) in ["b", "10", "2", "a", "01", "0", "4294967295"]
            .into_iter()
            .enumerate()
        {
            assert_eq!(map.insert(key.to_owned(), i), None);
        }
        assert_eq!(map.insert("b".to_owned(), 100), Some(0));
        assert_eq!(map.insert("2".to_owned(), 200), Some(2));
        let keys: Vec<_> = map.iter().map(|(k, v)| (k.to_owned(), *v)).collect();
        let expected = [
            ("0", 5),
            ("2", 200),
            ("10", 1),
            ("b", 100),
            ("a", 3),
            ("01", 4),
            ("4294967295", 6),
        ];
        assert_eq!(
            keys,
            expected.map(|(k, v)| (k.to_owned(), v)).to_vec(),
            "JS own-property order"
        );
        assert_eq!(map.get("10"), Some(&1));
        assert_eq!(map.get("01"), Some(&4));
        assert_eq!(map.get("1"), None);
        assert_eq!(map.len(), 7);
    }
}
