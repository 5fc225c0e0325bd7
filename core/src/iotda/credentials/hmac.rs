//! The two MACs IoTDA uses, HMAC-SHA256 and HMAC-SM3, written out as lowercase hex.

use alloc::string::String;

use hmac::digest::{Digest, KeyInit};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sm3::Sm3;
use zeroize::{Zeroize, Zeroizing};

/// The hash under the HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Sha256,
    Sm3,
}

/// Both hashes have a 32-byte output.
const OUT: usize = 32;

/// Fills `block` (zeroed, one hash block long) with the HMAC key as RFC 2104 §2 prepares it: a
/// key longer than the block is hashed first, a shorter one is padded with zeros. Handing HMAC a
/// full block lets us use its infallible constructor, and gives the same MAC as the raw key.
fn fill_block_key<D: Digest>(block: &mut [u8], key: &[u8]) {
    if key.len() > block.len() {
        let digest = D::digest(key);
        for (dst, src) in block.iter_mut().zip(digest.iter()) {
            *dst = *src;
        }
    } else {
        for (dst, src) in block.iter_mut().zip(key) {
            *dst = *src;
        }
    }
}

macro_rules! mac_fn {
    ($name:ident, $digest:ty) => {
        fn $name(key: &[u8], msg: &[u8]) -> [u8; OUT] {
            let mut block = hmac::digest::Key::<Hmac<$digest>>::default();
            fill_block_key::<$digest>(&mut block, key);
            let mut mac = <Hmac<$digest> as KeyInit>::new(&block);
            mac.update(msg);
            mac.finalize().into_bytes().into()
        }
    };
}

mac_fn!(hmac_sha256, Sha256);
mac_fn!(hmac_sm3, Sm3);

/// The raw MAC of `msg` under `key`.
pub(crate) fn mac(algorithm: Algorithm, key: &[u8], msg: &[u8]) -> Zeroizing<[u8; OUT]> {
    Zeroizing::new(match algorithm {
        Algorithm::Sha256 => hmac_sha256(key, msg),
        Algorithm::Sm3 => hmac_sm3(key, msg),
    })
}

/// The MAC of `msg` under `key` as 64 lowercase hex characters.
pub(crate) fn mac_hex(algorithm: Algorithm, key: &[u8], msg: &[u8]) -> Zeroizing<String> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let raw = mac(algorithm, key, msg);
    let mut out = Zeroizing::new(String::with_capacity(OUT * 2));
    for b in raw.iter() {
        for nibble in [b >> 4, b & 0x0F] {
            let mut c = HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
            out.push(char::from(c));
            c.zeroize();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block-key shortcut must agree with the hmac crate's own key handling for every key
    /// length, including keys longer than the block (bootstrap uses the device id, up to 128
    /// bytes, as the key).
    #[test]
    fn block_key_matches_the_crate_for_all_key_lengths() {
        for len in [0usize, 1, 10, 63, 64, 65, 128, 200] {
            let key: alloc::vec::Vec<u8> = (0..len)
                .map(|i| u8::try_from(i * 7 % 251).unwrap())
                .collect();
            let mut reference = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
            reference.update(b"message");
            let expected: [u8; 32] = reference.finalize().into_bytes().into();
            assert_eq!(*mac(Algorithm::Sha256, &key, b"message"), expected, "{len}");

            let mut reference = <Hmac<Sm3> as Mac>::new_from_slice(&key).unwrap();
            reference.update(b"message");
            let expected: [u8; 32] = reference.finalize().into_bytes().into();
            assert_eq!(*mac(Algorithm::Sm3, &key, b"message"), expected, "{len}");
        }
    }

    /// RFC 4231 test case 2 ("Jefe").
    #[test]
    fn rfc4231_case_2() {
        assert_eq!(
            mac_hex(Algorithm::Sha256, b"Jefe", b"what do ya want for nothing?").as_str(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
