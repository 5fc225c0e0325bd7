//! Output sinks for the encoder: append to a `Vec<u8>`, or fill a caller's slice.
//!
//! The encoder always computes the exact length first and checks it against the slice, so the
//! slice writer never runs out; if it ever did, it would drop bytes rather than panic, and the
//! length mismatch would be caught by the encoder's final check.

use alloc::vec::Vec;

use super::varint;

/// Where encoded bytes go.
pub(crate) trait Write {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);

    /// Appends one byte.
    #[inline]
    fn put_u8(&mut self, b: u8) {
        self.put(&[b]);
    }

    /// Appends a big-endian two-byte integer.
    #[inline]
    fn put_u16(&mut self, v: u16) {
        self.put(&v.to_be_bytes());
    }

    /// Appends a big-endian four-byte integer.
    #[inline]
    fn put_u32(&mut self, v: u32) {
        self.put(&v.to_be_bytes());
    }

    /// Appends a Variable Byte Integer (the caller has checked it is at most `VARINT_MAX`).
    #[inline]
    fn put_varint(&mut self, v: u32) {
        let mut buf = [0u8; 4];
        let n = varint::write(v, &mut buf);
        self.put(buf.get(..n).unwrap_or(&[]));
    }

    /// Appends Binary Data or a UTF-8 string: a two-byte length, then the bytes. The caller has
    /// checked that the length fits in 16 bits.
    #[inline]
    fn put_binary(&mut self, bytes: &[u8]) {
        let n = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
        self.put_u16(n);
        self.put(bytes.get(..usize::from(n)).unwrap_or(bytes));
    }

    /// Appends the first `len` (at most 8) bytes of `bytes`. A `Vec` writes all eight with one
    /// store and keeps `len`, which beats a variable-length copy for a header.
    #[inline(always)]
    fn put_short(&mut self, bytes: [u8; 8], len: usize) {
        self.put(bytes.get(..len).unwrap_or(&bytes));
    }

    /// Bytes written so far.
    fn written(&self) -> usize;
}

impl Write for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    #[inline(always)]
    fn put_short(&mut self, bytes: [u8; 8], len: usize) {
        let end = self.len() + len.min(8);
        self.extend_from_slice(&bytes);
        self.truncate(end);
    }

    #[inline]
    fn written(&self) -> usize {
        self.len()
    }
}

/// Fills a borrowed slice from the front.
pub(crate) struct SliceWriter<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> SliceWriter<'b> {
    /// A writer that starts at the beginning of `buf`.
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        SliceWriter { buf, pos: 0 }
    }
}

impl Write for SliceWriter<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
        }
        self.pos = end;
    }

    #[inline(always)]
    fn put_short(&mut self, bytes: [u8; 8], len: usize) {
        let len = len.min(8);
        // One 8-byte store when the slice has room past the end of this write (the bytes after
        // `len` are overwritten by what follows, or lie past the packet); an exact copy if not.
        let rest = self.buf.get_mut(self.pos..).unwrap_or_default();
        if let Some(dst) = rest.first_chunk_mut::<8>() {
            *dst = bytes;
        } else if let (Some(dst), Some(src)) = (rest.get_mut(..len), bytes.get(..len)) {
            dst.copy_from_slice(src);
        }
        self.pos = self.pos.saturating_add(len);
    }

    #[inline]
    fn written(&self) -> usize {
        self.pos
    }
}

/// Counts bytes without storing them (for `encoded_len`).
#[derive(Default)]
pub(crate) struct Counter(pub(crate) usize);

impl Write for Counter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }

    #[inline]
    fn written(&self) -> usize {
        self.0
    }
}
