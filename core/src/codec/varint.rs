//! Variable Byte Integer (MQTT 5.0 §1.5.5, MQTT 3.1.1 §2.2.3 "Remaining Length").
//!
//! Seven bits per byte, least significant group first, continuation in bit 7, at most four bytes,
//! so the largest value is 268,435,455.

/// The largest value a Variable Byte Integer can hold (0x0FFF_FFFF).
pub const VARINT_MAX: u32 = 268_435_455;

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarintError {
    /// The input ended inside the varint; `value` and `bytes` describe what was read so far.
    Incomplete {
        /// The value of the groups read so far.
        value: u32,
        /// Bytes read so far (all with the continuation bit set).
        bytes: usize,
    },
    /// The varint breaks [MQTT-1.5.5-1]: it needs a fifth byte, or it is not in its shortest
    /// form (a trailing zero group). `at` is the index of the offending byte.
    Malformed {
        /// Index of the offending byte within the input.
        at: usize,
    },
}

/// Reads a varint from the start of `input`: the value and how many bytes it took.
///
/// At most four bytes, and in the shortest form: "The encoded value MUST use the minimum number of
/// bytes necessary to represent the value" [MQTT-1.5.5-1], so a last byte of 0x00 after a
/// continuation is malformed.
#[inline]
pub(crate) fn read(input: &[u8]) -> Result<(u32, usize), VarintError> {
    // The common cases: one byte, or two in their shortest form.
    match *input {
        [b, ..] if b & 0x80 == 0 => return Ok((u32::from(b), 1)),
        [b0, b1, ..] if b1 & 0x80 == 0 && b1 != 0 => {
            return Ok((u32::from(b0 & 0x7F) | (u32::from(b1) << 7), 2));
        }
        _ => {}
    }
    let mut value: u32 = 0;
    for i in 0..4 {
        let Some(&byte) = input.get(i) else {
            return Err(VarintError::Incomplete { value, bytes: i });
        };
        value |= u32::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            if byte == 0 && i > 0 {
                return Err(VarintError::Malformed { at: i });
            }
            return Ok((value, i + 1));
        }
    }
    Err(VarintError::Malformed { at: 3 })
}

/// The smallest value a varint can have whose first `bytes` bytes (all with the continuation
/// bit) add up to `value`: the next group is at least 1.
#[inline]
pub(crate) fn min_value(value: u32, bytes: usize) -> u64 {
    u64::from(value) + (1u64 << (7 * bytes.min(4)))
}

/// How many bytes `value` takes as a varint (1–4); values above [`VARINT_MAX`] report 5, which no
/// encoder accepts.
#[inline]
#[must_use]
pub(crate) const fn len(value: u32) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        2_097_152..=VARINT_MAX => 4,
        _ => 5,
    }
}

/// `value` (at most [`VARINT_MAX`]) as varint bytes in the low bytes of a little-endian `u32`
/// and how many there are; straight-line code for the encoder's fast path.
#[inline(always)]
pub(crate) const fn packed(value: u32) -> (u32, usize) {
    let n = len(value);
    let groups = (value & 0x7F)
        | ((value << 1) & 0x7F00)
        | ((value << 2) & 0x7F_0000)
        | ((value << 3) & 0x7F00_0000);
    // Continuation bits on every byte but the last.
    let cont = match n {
        1 => 0,
        2 => 0x80,
        3 => 0x8080,
        _ => 0x80_8080,
    };
    (groups | cont, if n > 4 { 4 } else { n })
}

/// Writes `value` (which must be at most [`VARINT_MAX`]) into `out`, returning the bytes used.
/// Values above the maximum are clamped by the caller's prior check; this never panics.
#[inline]
pub(crate) fn write(mut value: u32, out: &mut [u8; 4]) -> usize {
    let mut n = 0;
    loop {
        #[allow(clippy::cast_possible_truncation)] // masked to seven bits first
        let mut byte = (value & 0x7F) as u8;
        value >>= 7;
        if value > 0 && n < 3 {
            byte |= 0x80;
        }
        if let Some(slot) = out.get_mut(n) {
            *slot = byte;
        }
        n += 1;
        if value == 0 || n == 4 {
            return n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_boundaries_round_trip() {
        // MQTT 5.0 Table 1-1.
        let cases: &[(u32, &[u8])] = &[
            (0, &[0x00]),
            (127, &[0x7F]),
            (128, &[0x80, 0x01]),
            (16_383, &[0xFF, 0x7F]),
            (16_384, &[0x80, 0x80, 0x01]),
            (2_097_151, &[0xFF, 0xFF, 0x7F]),
            (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
            (268_435_455, &[0xFF, 0xFF, 0xFF, 0x7F]),
        ];
        for (value, bytes) in cases {
            assert_eq!(read(bytes), Ok((*value, bytes.len())), "read {value}");
            let mut out = [0u8; 4];
            let n = write(*value, &mut out);
            assert_eq!(&out[..n], *bytes, "write {value}");
            assert_eq!(len(*value), bytes.len());
        }
    }

    #[test]
    fn five_bytes_is_malformed_and_short_input_is_incomplete() {
        assert_eq!(
            read(&[0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
            Err(VarintError::Malformed { at: 3 })
        );
        assert_eq!(
            read(&[0x81]),
            Err(VarintError::Incomplete { value: 1, bytes: 1 })
        );
        assert_eq!(
            read(&[]),
            Err(VarintError::Incomplete { value: 0, bytes: 0 })
        );
        assert_eq!(len(VARINT_MAX + 1), 5);
        assert_eq!(min_value(1, 1), 129);
    }

    #[test]
    fn non_minimal_forms_are_malformed() {
        // 0 in two bytes, 127 in three: [MQTT-1.5.5-1].
        assert_eq!(read(&[0x80, 0x00]), Err(VarintError::Malformed { at: 1 }));
        assert_eq!(
            read(&[0xFF, 0x80, 0x00]),
            Err(VarintError::Malformed { at: 2 })
        );
        // A zero group in the middle is fine: 16,384 = 0x80 0x80 0x01.
        assert_eq!(read(&[0x80, 0x80, 0x01]), Ok((16_384, 3)));
    }
}
