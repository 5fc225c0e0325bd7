//! [`List`]: a sequence that is either still on the wire (borrowed, validated bytes from
//! [`decode`](super::decode)) or a slice of typed items (built by the caller for encoding).
//!
//! Decoding never allocates: a packet's properties, SUBSCRIBE filters and SUBACK codes stay in the
//! input buffer and are parsed again, cheaply, as you iterate. Two lists are equal when they yield
//! the same items, whichever form they are in.

use core::fmt;

mod sealed {
    pub trait Sealed {}
}

/// An item that can live in a [`List`]. Implemented for the codec's own item types only.
pub trait ListItem<'a>: Copy + sealed::Sealed + 'a {
    /// Reads one item from the front of already-validated wire bytes and advances past it.
    /// Returns `None` (and the list ends) if the bytes do not hold a whole item.
    #[doc(hidden)]
    fn read_item(input: &mut &'a [u8]) -> Option<Self>;
}

pub(crate) use sealed::Sealed;

#[derive(Clone, Copy)]
enum Repr<'a, T> {
    Wire(&'a [u8]),
    Items(&'a [T]),
}

/// A borrowed sequence of `T`, either undecoded wire bytes or a typed slice.
#[derive(Clone, Copy)]
pub struct List<'a, T> {
    repr: Repr<'a, T>,
}

impl<'a, T: ListItem<'a>> List<'a, T> {
    /// A list of the given items (for encoding).
    #[must_use]
    pub const fn new(items: &'a [T]) -> Self {
        List {
            repr: Repr::Items(items),
        }
    }

    /// The empty list.
    #[must_use]
    pub const fn empty() -> Self {
        List {
            repr: Repr::Items(&[]),
        }
    }

    /// A list over wire bytes that the decoder has already validated item by item.
    #[must_use]
    pub(crate) const fn from_wire(bytes: &'a [u8]) -> Self {
        List {
            repr: Repr::Wire(bytes),
        }
    }

    /// The undecoded bytes, when this list came from the wire.
    #[must_use]
    pub const fn wire_bytes(&self) -> Option<&'a [u8]> {
        match self.repr {
            Repr::Wire(b) => Some(b),
            Repr::Items(_) => None,
        }
    }

    /// The typed items, when this list was built by the caller.
    #[must_use]
    pub const fn items(&self) -> Option<&'a [T]> {
        match self.repr {
            Repr::Wire(_) => None,
            Repr::Items(i) => Some(i),
        }
    }

    /// True when the list has no items.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        match self.repr {
            Repr::Wire(b) => b.is_empty(),
            Repr::Items(i) => i.is_empty(),
        }
    }

    /// The number of items (counts wire items by parsing them).
    #[must_use]
    pub fn len(&self) -> usize {
        match self.repr {
            Repr::Wire(_) => self.iter().count(),
            Repr::Items(i) => i.len(),
        }
    }

    /// Iterates over the items.
    #[must_use]
    pub fn iter(&self) -> ListIter<'a, T> {
        match self.repr {
            Repr::Wire(b) => ListIter {
                repr: IterRepr::Wire(b),
            },
            Repr::Items(i) => ListIter {
                repr: IterRepr::Items(i.iter()),
            },
        }
    }

    /// The first item for which `f` returns `Some`.
    pub fn find_map<U>(&self, f: impl FnMut(T) -> Option<U>) -> Option<U> {
        self.iter().find_map(f)
    }
}

impl<'a, T: ListItem<'a>> Default for List<'a, T> {
    fn default() -> Self {
        List::empty()
    }
}

impl<'a, T: ListItem<'a> + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        if let (Repr::Wire(a), Repr::Wire(b)) = (self.repr, other.repr) {
            return a == b;
        }
        self.iter().eq(other.iter())
    }
}

impl<'a, T: ListItem<'a> + Eq> Eq for List<'a, T> {}

impl<'a, T: ListItem<'a> + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: ListItem<'a>> IntoIterator for List<'a, T> {
    type Item = T;
    type IntoIter = ListIter<'a, T>;
    fn into_iter(self) -> ListIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: ListItem<'a>> IntoIterator for &List<'a, T> {
    type Item = T;
    type IntoIter = ListIter<'a, T>;
    fn into_iter(self) -> ListIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: ListItem<'a>> From<&'a [T]> for List<'a, T> {
    fn from(items: &'a [T]) -> Self {
        List::new(items)
    }
}

impl<'a, T: ListItem<'a>, const N: usize> From<&'a [T; N]> for List<'a, T> {
    fn from(items: &'a [T; N]) -> Self {
        List::new(items)
    }
}

#[derive(Clone)]
enum IterRepr<'a, T> {
    Wire(&'a [u8]),
    Items(core::slice::Iter<'a, T>),
}

/// Iterator over a [`List`].
#[derive(Clone)]
pub struct ListIter<'a, T> {
    repr: IterRepr<'a, T>,
}

impl<'a, T: ListItem<'a>> Iterator for ListIter<'a, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match &mut self.repr {
            IterRepr::Wire(rest) => {
                if rest.is_empty() {
                    return None;
                }
                // Wire lists are validated when decoded, so this cannot fail; if it somehow did,
                // the iterator ends instead of panicking.
                let item = T::read_item(rest);
                if item.is_none() {
                    *rest = &[];
                }
                item
            }
            IterRepr::Items(it) => it.next().copied(),
        }
    }
}

impl<'a, T: ListItem<'a>> core::iter::FusedIterator for ListIter<'a, T> {}
