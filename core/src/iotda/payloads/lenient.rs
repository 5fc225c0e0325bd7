//! Tolerant readers for fields the SDKs write in more than one way, and enums over documented
//! string or number values that keep unknown values instead of failing.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A list that may be missing (with `#[serde(default)]`) or an explicit `null`: both read as
/// empty.
pub(crate) fn vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A JSON value's text for a field that is a string or a number in the wild.
fn text_of<E: serde::de::Error>(v: Value) -> Result<Option<String>, E> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        _ => Err(E::custom("expected a string or a number")),
    }
}

/// A string that some senders write as a number (error codes, timestamps).
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text_of(Value::deserialize(d)?)?.ok_or_else(|| D::Error::custom("expected a string"))
}

/// An optional string that some senders write as a number.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    text_of(Value::deserialize(d)?)
}

fn u64_of<E: serde::de::Error>(v: Value) -> Result<Option<u64>, E> {
    match text_of::<E>(v)? {
        None => Ok(None),
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| E::custom("expected a non-negative integer")),
    }
}

/// A non-negative integer that some senders write as a string (the Python SDK sends
/// `device_send_time` as one).
pub(crate) fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    u64_of(Value::deserialize(d)?)?.ok_or_else(|| D::Error::custom("expected an integer"))
}

/// An optional non-negative integer that some senders write as a string.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    u64_of(Value::deserialize(d)?)
}

/// An enum over documented string values; unknown values are kept in `Other`.
macro_rules! name_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this library does not know, kept as received.
            Other(alloc::string::String),
        }

        impl $name {
            /// The value as written in JSON.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s,
                }
            }

            /// The variant for a JSON value.
            #[must_use]
            pub fn from_name(s: &str) -> Self {
                match s {
                    $( $text => $name::$variant, )+
                    other => $name::Other(other.into()),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = alloc::string::String::deserialize(d)?;
                Ok($name::from_name(&s))
            }
        }
    };
}

/// An enum over documented integer codes; unknown codes are kept in `Other`.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A code this library does not know, kept as received.
            Other(i64),
        }

        impl $name {
            /// The numeric code.
            #[must_use]
            pub const fn code(self) -> i64 {
                match self {
                    $( $name::$variant => $code, )+
                    $name::Other(c) => c,
                }
            }

            /// The variant for a numeric code.
            #[must_use]
            pub const fn from_code(code: i64) -> Self {
                match code {
                    $( $code => $name::$variant, )+
                    other => $name::Other(other),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::from_code(i64::deserialize(d)?))
            }
        }
    };
}

pub(crate) use {code_enum, name_enum};

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct T {
        #[serde(default, deserialize_with = "super::vec")]
        list: alloc::vec::Vec<u8>,
        #[serde(deserialize_with = "super::u64")]
        n: u64,
        #[serde(default, deserialize_with = "super::opt_string")]
        s: Option<alloc::string::String>,
    }

    #[test]
    fn tolerant_forms() {
        let t: T = serde_json::from_str(r#"{"list":null,"n":"12","s":404}"#).unwrap();
        assert!(t.list.is_empty());
        assert_eq!(t.n, 12);
        assert_eq!(t.s.as_deref(), Some("404"));
        let t: T = serde_json::from_str(r#"{"n":12}"#).unwrap();
        assert!(t.list.is_empty() && t.s.is_none());
        assert!(serde_json::from_str::<T>(r#"{"n":"-1"}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"n":[1]}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"n":null}"#).is_err());
    }
}
