//! A small cache of topic strings: a stream repeats a few topics, and handing the same Python
//! `str` out again saves decoding and allocating it for every message.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Topics longer than this are not cached (bounds the cache's memory).
const MAX_CACHED_TOPIC: usize = 256;
/// Entries kept, replaced round-robin.
const ENTRIES: usize = 8;

/// The last few topics seen and their Python strings.
#[derive(Default)]
pub(crate) struct TopicCache {
    entries: Vec<(String, Py<PyString>)>,
    next: usize,
}

impl TopicCache {
    /// The Python `str` for `topic`, from the cache when it was seen recently.
    pub(crate) fn get(&mut self, py: Python<'_>, topic: &str) -> Py<PyString> {
        if let Some((_, s)) = self.entries.iter().find(|(t, _)| t == topic) {
            return s.clone_ref(py);
        }
        let s = PyString::new(py, topic).unbind();
        if topic.len() <= MAX_CACHED_TOPIC {
            let entry = (topic.to_owned(), s.clone_ref(py));
            if self.entries.len() < ENTRIES {
                self.entries.push(entry);
            } else if let Some(slot) = self.entries.get_mut(self.next) {
                *slot = entry;
            }
            self.next = (self.next + 1) % ENTRIES;
        }
        s
    }
}
