//! A bounds-checked cursor over borrowed input. Every read either returns a slice of the input or
//! a [`DecodeError`] carrying the absolute offset of the offending byte; nothing here can panic.

use super::strings::{validate_str, validate_topic_name_bytes};
use super::{DecodeError, Needed, Violation, varint};

/// A cursor over `buf[pos..end]`; offsets in errors are `base + pos`.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, whose first byte is at `base` in the caller's input.
    #[inline]
    pub(crate) const fn new(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    #[inline]
    pub(crate) const fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes not read yet.
    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// True when everything has been read.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The error for `violation` at the current offset.
    #[inline]
    pub(crate) fn invalid(&self, violation: Violation) -> DecodeError {
        DecodeError::Invalid {
            offset: self.offset(),
            violation,
        }
    }

    /// The error for `violation` at an earlier absolute `offset`.
    #[inline]
    pub(crate) fn invalid_at(offset: usize, violation: Violation) -> DecodeError {
        DecodeError::Invalid { offset, violation }
    }

    /// Reads `n` bytes. Running out inside a packet whose length is known is a length mismatch,
    /// never "incomplete": callers only build readers over whole packets.
    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len());
        match end.and_then(|e| self.buf.get(self.pos..e)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(self.invalid(Violation::LengthMismatch)),
        }
    }

    /// Everything not read yet.
    #[inline]
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = self.buf.get(self.pos..).unwrap_or(&[]);
        self.pos = self.buf.len();
        s
    }

    /// The next byte, without consuming it.
    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// The next `N` bytes, without consuming them.
    #[inline]
    pub(crate) fn peek_array<const N: usize>(&self) -> Option<[u8; N]> {
        let end = self.pos.checked_add(N)?;
        self.buf.get(self.pos..end)?.try_into().ok()
    }

    /// Skips `n` bytes the caller has already looked at (never past the end).
    #[inline]
    pub(crate) fn skip(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
    }

    /// One byte.
    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.invalid(Violation::LengthMismatch)),
        }
    }

    /// A big-endian two-byte integer.
    #[inline]
    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let s = self.take(2)?;
        match s {
            [a, b] => Ok(u16::from_be_bytes([*a, *b])),
            _ => Err(self.invalid(Violation::LengthMismatch)),
        }
    }

    /// A big-endian four-byte integer.
    #[inline]
    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let s = self.take(4)?;
        match s {
            [a, b, c, d] => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
            _ => Err(self.invalid(Violation::LengthMismatch)),
        }
    }

    /// A Variable Byte Integer.
    #[inline]
    pub(crate) fn varint(&mut self) -> Result<u32, DecodeError> {
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        match varint::read(rest) {
            Ok((v, n)) => {
                self.pos += n;
                Ok(v)
            }
            Err(varint::VarintError::Malformed { at }) => Err(Self::invalid_at(
                self.offset().saturating_add(at),
                Violation::MalformedVarint,
            )),
            // The packet ends inside the varint: the offending byte is the missing one.
            Err(varint::VarintError::Incomplete { bytes, .. }) => Err(Self::invalid_at(
                self.offset().saturating_add(bytes),
                Violation::LengthMismatch,
            )),
        }
    }

    /// Binary Data: a two-byte length and that many bytes. A length that runs past the end of
    /// the packet is reported at the length field.
    #[inline]
    pub(crate) fn binary(&mut self) -> Result<&'a [u8], DecodeError> {
        let at = self.offset();
        let n = self.u16()?;
        self.take(usize::from(n))
            .map_err(|_| Self::invalid_at(at, Violation::LengthMismatch))
    }

    /// A UTF-8 Encoded String, validated (well-formed, no U+0000); errors point at the bad byte.
    #[cfg_attr(feature = "fast-paths", inline(always))]
    #[cfg_attr(not(feature = "fast-paths"), inline)]
    pub(crate) fn string(&mut self) -> Result<&'a str, DecodeError> {
        let start = self.offset() + 2;
        let bytes = self.binary()?;
        validate_str(bytes).map_err(|(at, v)| Self::invalid_at(start + at, v))
    }

    /// A Topic Name: a string as [`Reader::string`] without `+` or `#`; errors point at the bad
    /// byte. Emptiness is left to the caller (a Topic Alias may stand in for the name).
    #[inline]
    pub(crate) fn topic_name(&mut self) -> Result<&'a str, DecodeError> {
        let start = self.offset() + 2;
        let bytes = self.binary()?;
        validate_topic_name_bytes(bytes).map_err(|(at, v)| Self::invalid_at(start + at, v))
    }
}

/// The error for a packet cut short: `have` bytes of a packet that needs `total`.
#[inline]
pub(crate) fn incomplete(total: usize, have: usize) -> DecodeError {
    DecodeError::Incomplete(Needed::Exact(total.saturating_sub(have)))
}
