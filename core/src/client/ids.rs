//! [`IdSet`]: the packet identifiers in use. A short list while few are in use (an idle client
//! holds nothing), a 65,536-bit map once many are, freed again when none is.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::codec::PacketId;

/// Above this many identifiers in use, the set switches to a bit map.
const SMALL: usize = 64;
const WORDS: usize = 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IdSet {
    small: Vec<u16>,
    bits: Option<Box<[u64; WORDS]>>,
    len: usize,
}

fn slot(id: PacketId) -> (usize, u64) {
    let v = id.get();
    (usize::from(v >> 6), 1u64 << (v & 63))
}

impl IdSet {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn contains(&self, id: PacketId) -> bool {
        match &self.bits {
            Some(bits) => {
                let (w, m) = slot(id);
                bits.get(w).is_some_and(|x| x & m != 0)
            }
            None => self.small.contains(&id.get()),
        }
    }

    /// Adds `id`; returns false if it was already there.
    pub(crate) fn insert(&mut self, id: PacketId) -> bool {
        if self.contains(id) {
            return false;
        }
        if self.bits.is_none() && self.small.len() >= SMALL {
            let mut bits = Box::new([0u64; WORDS]);
            for v in self.small.drain(..) {
                if let Some(p) = PacketId::new(v) {
                    let (w, m) = slot(p);
                    if let Some(x) = bits.get_mut(w) {
                        *x |= m;
                    }
                }
            }
            self.small = Vec::new();
            self.bits = Some(bits);
        }
        match &mut self.bits {
            Some(bits) => {
                let (w, m) = slot(id);
                if let Some(x) = bits.get_mut(w) {
                    *x |= m;
                }
            }
            None => self.small.push(id.get()),
        }
        self.len += 1;
        true
    }

    pub(crate) fn remove(&mut self, id: PacketId) {
        if !self.contains(id) {
            return;
        }
        match &mut self.bits {
            Some(bits) => {
                let (w, m) = slot(id);
                if let Some(x) = bits.get_mut(w) {
                    *x &= !m;
                }
            }
            None => {
                // Order is irrelevant in a set: swap the last one in.
                if let Some(pos) = self.small.iter().position(|v| *v == id.get()) {
                    self.small.swap_remove(pos);
                }
            }
        }
        self.len = self.len.saturating_sub(1);
        if self.len == 0 {
            // Back to the short list; its (small) buffer is kept for the next identifier.
            self.bits = None;
            self.small.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_forms_agree() {
        let mut s = IdSet::default();
        for v in 1..=200u16 {
            assert!(s.insert(PacketId::new(v).unwrap()));
        }
        assert!(s.bits.is_some());
        assert!(!s.insert(PacketId::new(7).unwrap()));
        assert_eq!(s.len(), 200);
        assert!(s.contains(PacketId::new(200).unwrap()));
        assert!(!s.contains(PacketId::new(201).unwrap()));
        for v in 1..=200u16 {
            s.remove(PacketId::new(v).unwrap());
        }
        assert_eq!((s.len(), s.bits.is_none()), (0, true));
        s.insert(PacketId::new(u16::MAX).unwrap());
        assert!(s.contains(PacketId::new(u16::MAX).unwrap()));
    }
}
