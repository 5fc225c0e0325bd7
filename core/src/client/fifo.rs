//! [`Fifo`]: the client's order-keeping queue (events, pending and in-flight messages, received
//! messages, requests). It never moves overlapping memory: `VecDeque` and `Vec::remove` link
//! the compiler's `memmove` (1.5 KB of a Cortex-M4 client, BENCHMARKS.md, issue 7), this moves
//! elements one swap at a time or into a fresh buffer.
//!
//! The items are the slots `head..` of a `Vec<Option<T>>`; the slots before `head` are empty.
//! Popping the front advances `head`; removing from the middle moves the items in front of it
//! one slot back (acknowledgements usually come in order, so that is few); a push into a full
//! buffer with empty slots in front moves the items into a new buffer first.

use alloc::vec::Vec;
use core::fmt;

/// An order-keeping queue. Positions (`get`, `get_mut`, `remove`) count from the front.
#[derive(Clone)]
pub(crate) struct Fifo<T> {
    slots: Vec<Option<T>>,
    head: usize,
}

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Fifo<T> {
    pub(crate) const fn new() -> Self {
        Self {
            slots: Vec::new(),
            head: 0,
        }
    }

    fn live(&self) -> &[Option<T>] {
        self.slots.get(self.head..).unwrap_or(&[])
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len().saturating_sub(self.head)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn capacity(&self) -> usize {
        self.slots.capacity()
    }

    pub(crate) fn reserve_exact(&mut self, additional: usize) {
        self.slots.reserve_exact(additional);
    }

    pub(crate) fn clear(&mut self) {
        self.slots.clear();
        self.head = 0;
    }

    pub(crate) fn push_back(&mut self, item: T) {
        if self.head > 0 && self.slots.len() == self.slots.capacity() {
            // Full, with empty slots in front: move the items to a new buffer of the same size.
            let mut fresh = Vec::with_capacity(self.slots.capacity());
            for slot in self.slots.iter_mut().skip(self.head) {
                fresh.push(slot.take());
            }
            self.slots = fresh;
            self.head = 0;
        }
        self.slots.push(Some(item));
    }

    pub(crate) fn pop_front(&mut self) -> Option<T> {
        let item = self.slots.get_mut(self.head)?.take();
        self.head = self.head.saturating_add(1);
        if self.head >= self.slots.len() {
            self.clear();
        }
        item
    }

    pub(crate) fn front(&self) -> Option<&T> {
        self.get(0)
    }

    pub(crate) fn get(&self, pos: usize) -> Option<&T> {
        self.live().get(pos)?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, pos: usize) -> Option<&mut T> {
        let at = self.head.checked_add(pos)?;
        self.slots.get_mut(at)?.as_mut()
    }

    /// Removes the item at `pos`, keeping the order of the others.
    pub(crate) fn remove(&mut self, pos: usize) -> Option<T> {
        let at = self.head.checked_add(pos)?;
        let item = self.slots.get_mut(at)?.take()?;
        // Carry the empty slot to the front, one swap at a time.
        let front = self.slots.get_mut(self.head..=at).unwrap_or(&mut []);
        let mut rest = front;
        while let Some((last, init)) = rest.split_last_mut() {
            if let Some(prev) = init.last_mut() {
                core::mem::swap(prev, last);
            }
            rest = init;
        }
        self.head = self.head.saturating_add(1);
        if self.head >= self.slots.len() {
            self.clear();
        }
        Some(item)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.into_iter()
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.into_iter()
    }

    /// Puts `items` in front of the queue, in their order.
    pub(crate) fn prepend(&mut self, items: Fifo<T>) {
        let rest = core::mem::replace(self, items);
        self.append(rest);
    }

    /// Adds the items of `other` at the back, in their order.
    pub(crate) fn append(&mut self, mut other: Fifo<T>) {
        while let Some(item) = other.pop_front() {
            self.push_back(item);
        }
    }
}

/// `Vec::remove` without `memmove`: carries the item at `pos` to the end one swap at a time,
/// then pops it. The same order and the same O(n) as `Vec::remove`.
pub(crate) fn remove_at<T>(v: &mut Vec<T>, pos: usize) -> Option<T> {
    if pos >= v.len() {
        return None;
    }
    let mut rest = v.get_mut(pos..)?;
    while let Some((first, tail)) = rest.split_first_mut() {
        if let Some(next) = tail.first_mut() {
            core::mem::swap(first, next);
        }
        rest = tail;
    }
    v.pop()
}

impl<T: PartialEq> PartialEq for Fifo<T> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<T: Eq> Eq for Fifo<T> {}

impl<T: fmt::Debug> fmt::Debug for Fifo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T> IntoIterator for &'a Fifo<T> {
    type Item = &'a T;
    type IntoIter = core::iter::Flatten<core::slice::Iter<'a, Option<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.live().iter().flatten()
    }
}

impl<'a, T> IntoIterator for &'a mut Fifo<T> {
    type Item = &'a mut T;
    type IntoIter = core::iter::Flatten<core::slice::IterMut<'a, Option<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        let head = self.head;
        self.slots
            .get_mut(head..)
            .unwrap_or(&mut [])
            .iter_mut()
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use alloc::collections::VecDeque;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Every operation agrees with `VecDeque`.
        #[test]
        fn behaves_like_vecdeque(ops in proptest::collection::vec((0u8..5, 0usize..12), 0..200)) {
            let mut f = Fifo::new();
            let mut d = VecDeque::new();
            for (n, (op, arg)) in ops.into_iter().enumerate() {
                match op {
                    0 | 1 => {
                        f.push_back(n);
                        d.push_back(n);
                    }
                    2 => prop_assert_eq!(f.pop_front(), d.pop_front()),
                    3 => {
                        let mut v: Vec<usize> = d.iter().copied().collect();
                        let expected = (arg < v.len()).then(|| v.remove(arg));
                        let mut w: Vec<usize> = d.iter().copied().collect();
                        prop_assert_eq!(remove_at(&mut w, arg), expected);
                        prop_assert_eq!(&w, &v);
                        prop_assert_eq!(f.remove(arg), d.remove(arg));
                    }
                    _ => {
                        if let Some(x) = f.get_mut(arg) {
                            *x += 1000;
                        }
                        if let Some(x) = d.get_mut(arg) {
                            *x += 1000;
                        }
                    }
                }
                prop_assert_eq!(f.len(), d.len());
                prop_assert!(f.iter().eq(d.iter()));
                prop_assert_eq!(f.front(), d.front());
                prop_assert_eq!(f.get(arg), d.get(arg));
                prop_assert_eq!(f.iter().position(|x| *x % 3 == 0), d.iter().position(|x| *x % 3 == 0));
            }
        }
    }

    #[test]
    fn prepend_and_append_keep_order() {
        let mut a: Fifo<u8> = Fifo::new();
        a.push_back(3);
        a.push_back(4);
        let mut b = Fifo::new();
        b.push_back(1);
        b.push_back(2);
        a.prepend(b);
        let mut c = Fifo::new();
        c.push_back(5);
        a.append(c);
        assert_eq!(a.iter().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert_eq!(a.pop_front(), Some(1));
        assert_eq!(a.remove(3), Some(5));
        assert_eq!(a.remove(3), None);
        assert_eq!(a.iter().copied().collect::<Vec<_>>(), [2, 3, 4]);
    }
}
