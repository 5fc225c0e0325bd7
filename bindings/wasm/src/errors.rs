//! The core's errors as JavaScript `Error`s: `kind` (who is to blame), `code` (the stable
//! snake_case name of `tests/README.md` §9), `reasonCode` (the MQTT 5 reason code), and for a
//! malformed packet `offset` (of the first bad byte) and `rule` (the normative statement).

use iotmqtt::{Error, UsageError, Violation};
use js_sys::Reflect;
use wasm_bindgen::JsValue;

fn set(target: &JsValue, key: &str, value: JsValue) {
    // Setting a property on a fresh `Error` cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), &value);
}

/// A JS `Error` for `e`; its message is the core's (which never holds a secret).
pub(crate) fn error(e: &Error) -> JsValue {
    let err: JsValue = js_sys::Error::new(&e.to_string()).into();
    set(&err, "name", "IotmqttError".into());
    set(&err, "kind", e.kind().as_str().into());
    set(&err, "code", e.code().into());
    set(&err, "reasonCode", e.reason_code().as_u8().into());
    let violation = match e {
        Error::Malformed { offset, violation } => {
            set(&err, "offset", offset_value(*offset));
            Some(*violation)
        }
        Error::Usage(UsageError::Encode(v)) => Some(*v),
        _ => None,
    };
    if let Some(v) = violation {
        set(&err, "rule", v.rule().into());
    }
    err
}

/// The error for a packet that breaks `violation` at `offset`.
pub(crate) fn malformed(offset: usize, violation: Violation) -> JsValue {
    error(&Error::Malformed { offset, violation })
}

/// A byte offset as a JS number (inputs are far below 2^53 bytes).
pub(crate) fn offset_value(offset: usize) -> JsValue {
    #[allow(clippy::cast_precision_loss)] // offsets into a JS byte array fit in 2^53
    JsValue::from_f64(offset as f64)
}

/// A bad argument from JavaScript: a usage error (`invalid_argument`) whose message says which
/// argument and why (never its value: it may be a secret).
pub(crate) fn invalid_argument(message: &str) -> JsValue {
    let err = error(&Error::Usage(UsageError::InvalidArgument("argument")));
    set(
        &err,
        "message",
        format!("invalid argument: {message}").into(),
    );
    err
}

/// Maps a core result to a JS one.
pub(crate) fn check<T>(r: Result<T, Error>) -> Result<T, JsValue> {
    r.map_err(|e| error(&e))
}

/// Maps an IoTDA result to a JS one.
pub(crate) fn check_iotda<T>(r: Result<T, iotmqtt::iotda::IotdaError>) -> Result<T, JsValue> {
    r.map_err(|e| error(&Error::from(e)))
}
