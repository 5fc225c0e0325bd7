//! Conversions at the JavaScript edge: plain objects out, checked arguments in, bytes, JSON and
//! time. Nothing here knows MQTT.

use iotmqtt::Instant;
use iotmqtt::iotda::UtcTime;
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::errors::{check_iotda, invalid_argument};

/// A plain JS object, built field by field.
pub(crate) struct Obj(Object);

impl Obj {
    pub(crate) fn new() -> Self {
        Obj(Object::new())
    }

    /// An object whose `type` is `t`.
    pub(crate) fn typed(t: &str) -> Self {
        Obj::new().set("type", t)
    }

    pub(crate) fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        // Defining a data property on a plain object cannot fail.
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }

    pub(crate) fn build(self) -> JsValue {
        self.0.into()
    }
}

/// Bytes as a fresh `Uint8Array`.
pub(crate) fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

/// `null` for `None`.
pub(crate) fn opt<T: Into<JsValue>>(v: Option<T>) -> JsValue {
    v.map_or(JsValue::NULL, Into::into)
}

/// A JS array of the values.
pub(crate) fn array<T: Into<JsValue>>(items: impl IntoIterator<Item = T>) -> JsValue {
    items.into_iter().map(Into::into).collect::<Array>().into()
}

/// `[[name, value], …]`.
pub(crate) fn pairs<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> JsValue {
    array(items.into_iter().map(|(k, v)| array([k, v])))
}

/// A number from a `u64` the core produced (times, tokens: all below 2^53).
pub(crate) fn num(n: u64) -> JsValue {
    #[allow(clippy::cast_precision_loss)] // times and ack tokens stay below 2^53
    JsValue::from_f64(n as f64)
}

/// A JSON-serialisable value (an IoTDA payload) as a JS value, through `JSON.parse`.
pub(crate) fn json<T: Serialize>(value: &T) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::NULL)
}

/// The JSON text of a JS value (`JSON.stringify`).
pub(crate) fn json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| invalid_argument(&format!("{what} is not JSON-serialisable")))
}

/// Milliseconds from `performance.now()` (or any monotonic clock) as an [`Instant`].
pub(crate) fn instant(now: f64) -> Instant {
    if now.is_finite() && now > 0.0 {
        #[allow(clippy::cast_possible_truncation)] // saturating float-to-integer: whole ms
        Instant::from_millis(now as u64)
    } else {
        Instant::ZERO
    }
}

/// The UTC wall-clock time: milliseconds since 1970 (`Date.now()`), a `Date`, or
/// `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn utc(value: &JsValue) -> Result<UtcTime, JsValue> {
    let ms = if let Some(s) = value.as_string() {
        return check_iotda(UtcTime::parse(&s));
    } else if let Some(d) = value.dyn_ref::<js_sys::Date>() {
        d.get_time()
    } else if let Some(n) = value.as_f64() {
        n
    } else {
        return Err(invalid_argument(
            "utc: milliseconds since 1970, a Date or an ISO-8601 string",
        ));
    };
    if !ms.is_finite() || ms < 0.0 {
        return Err(invalid_argument("utc: not a time after 1970"));
    }
    #[allow(clippy::cast_possible_truncation)] // saturating float-to-integer: whole ms
    check_iotda(UtcTime::from_unix_millis(ms as u64))
}

/// The bytes of a `Uint8Array`, or of a string (its UTF-8).
pub(crate) fn bytes_of(value: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = value.as_string() {
        Ok(s.into_bytes())
    } else if let Some(a) = value.dyn_ref::<Uint8Array>() {
        Ok(a.to_vec())
    } else {
        Err(invalid_argument(&format!(
            "{what}: a Uint8Array or a string"
        )))
    }
}

/// A string argument.
pub(crate) fn string_of(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| invalid_argument(&format!("{what}: a string")))
}

/// A non-negative integer argument that fits `T`.
pub(crate) fn int_of<T: TryFrom<u64>>(value: &JsValue, what: &str) -> Result<T, JsValue> {
    value
        .as_f64()
        .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= 9_007_199_254_740_991.0)
        .and_then(|n| {
            #[allow(clippy::cast_possible_truncation)] // an integer below 2^53, checked above
            T::try_from(n as u64).ok()
        })
        .ok_or_else(|| invalid_argument(&format!("{what}: an integer in range")))
}

/// The elements of a JS array.
pub(crate) fn items(value: &JsValue, what: &str) -> Result<Vec<JsValue>, JsValue> {
    if Array::is_array(value) {
        Ok(Array::from(value).iter().collect())
    } else {
        Err(invalid_argument(&format!("{what}: an array")))
    }
}

/// The fields of an options object, read one by one; [`Fields::finish`] refuses any key that
/// was not read, so a misspelt option fails instead of being ignored.
pub(crate) struct Fields {
    obj: JsValue,
    what: &'static str,
    read: Vec<&'static str>,
}

impl Fields {
    /// `value` must be a plain object; `undefined` and `null` count as `{}`.
    pub(crate) fn new(value: &JsValue, what: &'static str) -> Result<Self, JsValue> {
        let obj = if value.is_undefined() || value.is_null() {
            Object::new().into()
        } else if value.is_object() && !Array::is_array(value) {
            value.clone()
        } else {
            return Err(invalid_argument(&format!("{what}: an object")));
        };
        Ok(Fields {
            obj,
            what,
            read: Vec::new(),
        })
    }

    /// The value of `key`, `None` when absent, `undefined` or `null`.
    pub(crate) fn get(&mut self, key: &'static str) -> Option<JsValue> {
        self.read.push(key);
        Reflect::get(&self.obj, &JsValue::from_str(key))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    }

    fn name(&self, key: &str) -> String {
        format!("{}.{key}", self.what)
    }

    pub(crate) fn str(&mut self, key: &'static str) -> Result<Option<String>, JsValue> {
        self.get(key)
            .map(|v| string_of(&v, &self.name(key)))
            .transpose()
    }

    pub(crate) fn req_str(&mut self, key: &'static str) -> Result<String, JsValue> {
        self.str(key)?
            .ok_or_else(|| invalid_argument(&format!("{} is required", self.name(key))))
    }

    pub(crate) fn int<T: TryFrom<u64>>(&mut self, key: &'static str) -> Result<Option<T>, JsValue> {
        self.get(key)
            .map(|v| int_of(&v, &self.name(key)))
            .transpose()
    }

    pub(crate) fn bool(&mut self, key: &'static str) -> Result<Option<bool>, JsValue> {
        self.get(key)
            .map(|v| {
                v.as_bool()
                    .ok_or_else(|| invalid_argument(&format!("{}: a boolean", self.name(key))))
            })
            .transpose()
    }

    pub(crate) fn bytes(&mut self, key: &'static str) -> Result<Option<Vec<u8>>, JsValue> {
        self.get(key)
            .map(|v| bytes_of(&v, &self.name(key)))
            .transpose()
    }

    /// Fails on a key that was not read (with a value other than `undefined`).
    pub(crate) fn finish(self) -> Result<(), JsValue> {
        for key in Object::keys(self.obj.unchecked_ref::<Object>()).iter() {
            let Some(key) = key.as_string() else { continue };
            if self.read.iter().any(|k| *k == key) {
                continue;
            }
            let defined =
                Reflect::get(&self.obj, &JsValue::from_str(&key)).is_ok_and(|v| !v.is_undefined());
            if defined {
                return Err(invalid_argument(&format!(
                    "unknown field {}",
                    self.name(&key)
                )));
            }
        }
        Ok(())
    }
}
