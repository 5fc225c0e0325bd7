//! The core's errors as JavaScript `Error` objects with `code` (the stable core code), `kind`
//! (who is to blame) and `reasonCode` (the MQTT 5 reason code), plus `offset` for a malformed
//! byte. Thrown from the native call, so a caller's `catch` sees them directly.

use iotmqtt::{DecodeError, Error, UsageError};
use napi::bindgen_prelude::{Env, JsObjectValue, Status};

/// What every fallible export returns: a pending JavaScript exception on error.
pub(crate) use napi::Result;

/// The marker that tells napi an exception is already pending.
fn pending() -> napi::Error {
    napi::Error::new(Status::PendingException, String::new())
}

/// Throws `e` as an `Error` with `code`, `kind`, `reasonCode` (and `offset` when given).
pub(crate) fn throw(env: &Env, e: &Error, offset: Option<usize>) -> napi::Error {
    let built = env
        .create_error(napi::Error::new(Status::GenericFailure, e.to_string()))
        .and_then(|mut obj| {
            obj.set_named_property("code", e.code())?;
            obj.set_named_property("kind", e.kind().as_str())?;
            obj.set_named_property("reasonCode", u32::from(e.reason_code().as_u8()))?;
            if let Some(o) = offset {
                obj.set_named_property("offset", f64_of(o))?;
            }
            env.throw(obj)
        });
    match built {
        Ok(()) => pending(),
        Err(other) => other,
    }
}

/// `usize` as a JavaScript number (exact below 2^53, which every length here is).
#[allow(clippy::cast_precision_loss)] // lengths and offsets are far below 2^53
pub(crate) fn f64_of(n: usize) -> f64 {
    n as f64
}

/// Throws a caller's bad argument (`invalid_argument`); `what` names the argument and rule.
pub(crate) fn bad_arg(env: &Env, what: &'static str) -> napi::Error {
    throw(env, &Error::Usage(UsageError::InvalidArgument(what)), None)
}

/// Throws a decode failure: `malformed` with the violation's code and the offset.
pub(crate) fn throw_decode(env: &Env, e: DecodeError, base: usize) -> napi::Error {
    match e {
        DecodeError::Invalid { offset, violation } => {
            let at = base.saturating_add(offset);
            throw(
                env,
                &Error::Malformed {
                    offset: at,
                    violation,
                },
                Some(at),
            )
        }
        DecodeError::Incomplete(_) => bad_arg(env, "bytes: an incomplete packet"),
    }
}

/// `Result<T, core error>` → a thrown JavaScript error.
pub(crate) trait OrThrow<T> {
    /// The value, or the error thrown in `env`.
    fn or_throw(self, env: &Env) -> Result<T>;
}

impl<T, E: Into<Error>> OrThrow<T> for core::result::Result<T, E> {
    fn or_throw(self, env: &Env) -> Result<T> {
        self.map_err(|e| throw(env, &e.into(), None))
    }
}
