//! # iotmqtt-c
//!
//! The C binding of the iotmqtt sans-IO MQTT 3.1.1 / 5.0 core: `libiotmqtt.a`,
//! `libiotmqtt.so` and `include/iotmqtt.h` (generated from this crate by cbindgen). It needs no
//! threads, no sockets and no TLS library: the application (or its RTOS) moves bytes and time
//! in and out, exactly as with the Rust [`iotmqtt::client::Client`].
//!
//! The binding is thin: every function converts its arguments, calls the core and converts the
//! result. Protocol knowledge lives in the core only.
//!
//! ## Conventions (the same for every function)
//!
//! - Every function returns an `iotmqtt_status`; `IOTMQTT_STATUS_OK` (0) is success. Results
//!   come back through out-parameters, written only on success unless a function says
//!   otherwise. The exceptions are `iotmqtt_status_str` (returns a static string) and the
//!   `_free` functions (return nothing).
//! - Handles (`iotmqtt_client`, `iotmqtt_codec`) are opaque. `_new` writes a handle to an
//!   out-parameter; `_free(NULL)` does nothing. A handle may be used from any thread, but by
//!   one thread at a time.
//! - Strings passed in are NUL-terminated UTF-8; NULL where a value is required is
//!   `IOTMQTT_STATUS_NULL_ARGUMENT`, invalid UTF-8 or an out-of-range enum value is
//!   `IOTMQTT_STATUS_INVALID_ARGUMENT`. Byte arrays are a pointer and a length; NULL with
//!   length 0 is the empty array.
//! - Strings and bytes handed out are spans (`iotmqtt_str`, `iotmqtt_bytes`: pointer and
//!   length, not NUL-terminated) that **borrow from the handle until the next call on that
//!   handle** (or from the input the caller passed, where a function says so). A span whose
//!   pointer is NULL is an absent value; a present empty value has a non-NULL pointer and
//!   length 0.
//! - Output into a caller's buffer (`poll_transmit`, credentials, topics) reports the bytes
//!   written; when the buffer is too small it returns `IOTMQTT_STATUS_BUFFER_TOO_SMALL`, writes
//!   nothing and reports the size required instead.
//! - After a failure, `iotmqtt_client_last_error` / `iotmqtt_codec_last_error` (for handle
//!   functions) or `iotmqtt_last_error` (for the other functions, per thread) give the error's
//!   kind, stable code (the core's `Error::code()`, e.g. `"queue_full"`), message, MQTT 5 reason
//!   code and details. Messages never contain a password or a secret.
//! - No panic crosses the boundary: every function catches one and returns
//!   `IOTMQTT_STATUS_INTERNAL` (the core is written not to panic; this is a last line of
//!   defence). A handle that reported `IOTMQTT_STATUS_INTERNAL` should be freed.

pub mod client;
pub mod codec;
pub mod error;
mod ffi;
#[cfg(feature = "iotda")]
pub mod iotda;
pub mod types;
