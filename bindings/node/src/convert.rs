//! Small conversions at the JavaScript edge: bytes, numbers, QoS, versions, time.

use iotmqtt::{Instant, ProtocolVersion, QoS};
use napi::bindgen_prelude::{BufferSlice, Either, Env, FromNapiValue, Object};

use crate::errors::{Result, bad_arg};

/// Bytes given as a `Uint8Array`/`Buffer` or as a string (its UTF-8 bytes). The slice borrows
/// the caller's memory for the duration of the call only (napi's `&[u8]` conversion takes no
/// reference, unlike `Uint8Array`, which keeps a handle alive: measurably slower per publish).
pub(crate) type BytesArg = Either<&'static [u8], String>;

/// The bytes of a [`BytesArg`], copied.
pub(crate) fn bytes_of(b: &BytesArg) -> Vec<u8> {
    match b {
        Either::A(u) => u.to_vec(),
        Either::B(s) => s.as_bytes().to_vec(),
    }
}

/// The bytes of a [`BytesArg`], borrowed.
pub(crate) fn bytes_ref(b: &BytesArg) -> &[u8] {
    match b {
        Either::A(u) => u,
        Either::B(s) => s.as_bytes(),
    }
}

/// A new `Buffer` holding a copy of `data`.
pub(crate) fn buffer<'e>(env: &'e Env, data: &[u8]) -> Result<BufferSlice<'e>> {
    BufferSlice::copy_from(env, data)
}

/// The QoS of a JavaScript number (0, 1 or 2).
pub(crate) fn qos_of(env: &Env, n: Option<u32>) -> Result<QoS> {
    match n {
        None => Ok(QoS::AtMostOnce),
        Some(n) => u8::try_from(n)
            .ok()
            .and_then(QoS::from_u8)
            .ok_or_else(|| bad_arg(env, "qos: 0, 1 or 2")),
    }
}

/// `"3.1.1"` or `"5"` (also `"5.0"`, `4`, `5`).
pub(crate) fn version_of(env: &Env, v: &str) -> Result<ProtocolVersion> {
    match v {
        "3.1.1" | "4" => Ok(ProtocolVersion::V311),
        "5" | "5.0" => Ok(ProtocolVersion::V5),
        _ => Err(bad_arg(env, "protocol: \"3.1.1\" or \"5\"")),
    }
}

/// The version's name in the API.
pub(crate) fn version_name(v: ProtocolVersion) -> &'static str {
    match v {
        ProtocolVersion::V311 => "3.1.1",
        _ => "5",
    }
}

/// A time in milliseconds from JavaScript (a non-negative finite number; fractions dropped).
pub(crate) fn instant(env: &Env, ms: f64) -> Result<Instant> {
    if !(ms.is_finite() && (0.0..=9_007_199_254_740_991.0).contains(&ms)) {
        return Err(bad_arg(env, "now: milliseconds, a non-negative number"));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked just above
    Ok(Instant::from_millis(ms as u64))
}

/// A `u64` as a JavaScript number (exact below 2^53).
#[allow(clippy::cast_precision_loss)] // times, counters and tokens stay below 2^53
pub(crate) fn num(n: u64) -> f64 {
    n as f64
}

/// A non-negative integer from a JavaScript number, when it is one.
pub(crate) fn int_of(n: f64) -> Option<u64> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked just above
        Some(n as u64)
    } else {
        None
    }
}

/// A property of `obj` that is neither `undefined` nor `null`.
pub(crate) fn field<T: FromNapiValue>(obj: &Object<'_>, key: &str) -> Result<Option<T>> {
    Ok(obj.get::<Option<T>>(key)?.flatten())
}

/// [`field`] that must be there.
pub(crate) fn required<T: FromNapiValue>(
    env: &Env,
    obj: &Object<'_>,
    key: &str,
    what: &'static str,
) -> Result<T> {
    field(obj, key)?.ok_or_else(|| bad_arg(env, what))
}

/// Sets `$target` from the integer property `$key` when it is there (`$what` names the rule).
macro_rules! set_int {
    ($env:expr, $obj:expr, $target:expr, $key:literal, $what:literal) => {
        if let Some(v) = $crate::convert::int_field($env, $obj, $key, $what)? {
            $target = v;
        }
    };
}
pub(crate) use set_int;

/// A non-negative integer property that fits `T`.
pub(crate) fn int_field<T: TryFrom<u64>>(
    env: &Env,
    obj: &Object<'_>,
    key: &str,
    what: &'static str,
) -> Result<Option<T>> {
    match field::<f64>(obj, key)? {
        None => Ok(None),
        Some(n) => int_of(n)
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad_arg(env, what)),
    }
}
