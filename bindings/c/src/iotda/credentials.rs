//! IoTDA CONNECT credentials into caller buffers.

use std::ffi::c_char;

use iotmqtt::iotda::{
    ConnectTimestamp, DeviceAuth as CoreAuth, DeviceId, DeviceSecret, GroupSecret, ScopeId,
    SigType, UtcTime, compute_password,
};

use crate::error::{Failure, Status};
use crate::ffi::{FfiResult, cstr, enum_in, guard, in_ref, out_ptr, write_text};

/// How a device proves who it is.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// A device secret: ClientId `{device_id}_0_{sig}_{YYYYMMDDHH}`, a password.
    Secret = 0,
    /// A bridge's secret: `{bridge_id}_3_{sig}_{YYYYMMDDHH}`, a password.
    Bridge = 1,
    /// Self-registration with a registration-group secret (base64):
    /// `{device_id}_0_{scope_id}_{sig}_{YYYYMMDDHH}`, a password from the derived secret.
    BootstrapGroupSecret = 2,
    /// Self-registration with a registration-group certificate: `{device_id}_0_{scope_id}`,
    /// no password (the TLS client certificate authenticates).
    BootstrapCertificate = 3,
    /// An X.509 device certificate: `{device_id}_0_{sig}_{YYYYMMDDHH}`, no password.
    Certificate = 4,
}

/// A device identity. Strings are NUL-terminated UTF-8; those a kind does not use may be NULL.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct DeviceAuth {
    /// An `iotmqtt_auth_kind`.
    pub kind: u8,
    /// The device id (the bridge id for a bridge): `[A-Za-z0-9_-]{1,128}`.
    pub device_id: *const c_char,
    /// `SECRET`, `BRIDGE`: the device secret.
    pub secret: *const c_char,
    /// `BOOTSTRAP_GROUP_SECRET`: the registration-group secret, base64.
    pub group_secret: *const c_char,
    /// Both bootstrap kinds: the scope id of the registration group.
    pub scope_id: *const c_char,
    /// The sig type: 0 HMAC-SHA256 without timestamp check (the SDKs' default), 1 HMAC-SHA256
    /// with timestamp check, 2 HMAC-SM3 with timestamp check.
    pub sig_type: u8,
}

/// A caller's buffer for NUL-terminated text: `ptr` and `cap` are in, `len` is out (the text's
/// length without the NUL, also when the buffer is too small, so that `len + 1` is the size
/// needed).
#[repr(C)]
#[derive(Debug)]
pub struct TextBuffer {
    /// The buffer (may be NULL when `cap` is 0).
    pub ptr: *mut c_char,
    /// Its size in bytes.
    pub cap: usize,
    /// Out: the text's length without the NUL.
    pub len: usize,
}

/// The core identity `a` describes.
///
/// # Safety
/// `a`'s strings are NULL or NUL-terminated.
pub(crate) unsafe fn auth_in(a: &DeviceAuth) -> FfiResult<CoreAuth> {
    let device_id = DeviceId::new(unsafe { cstr(a.device_id, "auth.device_id") }?)?;
    let secret = || -> FfiResult<DeviceSecret> {
        Ok(DeviceSecret::new(unsafe {
            cstr(a.secret, "auth.secret")
        }?)?)
    };
    let scope = || -> FfiResult<ScopeId> {
        Ok(ScopeId::new(unsafe { cstr(a.scope_id, "auth.scope_id") }?)?)
    };
    let kind = enum_in(a.kind, "auth.kind", |v| match v {
        0 => Some(AuthKind::Secret),
        1 => Some(AuthKind::Bridge),
        2 => Some(AuthKind::BootstrapGroupSecret),
        3 => Some(AuthKind::BootstrapCertificate),
        4 => Some(AuthKind::Certificate),
        _ => None,
    })?;
    let auth = match kind {
        AuthKind::Secret => CoreAuth::secret(device_id, secret()?),
        AuthKind::Bridge => CoreAuth::bridge(device_id, secret()?),
        AuthKind::BootstrapGroupSecret => {
            let group = GroupSecret::new(unsafe { cstr(a.group_secret, "auth.group_secret") }?)?;
            CoreAuth::bootstrap_group_secret(device_id, &group, scope()?)
        }
        AuthKind::BootstrapCertificate => CoreAuth::bootstrap_certificate(device_id, scope()?),
        AuthKind::Certificate => CoreAuth::certificate(device_id),
    };
    Ok(auth.with_sig_type(sig_in(a.sig_type)?))
}

fn sig_in(v: u8) -> FfiResult<SigType> {
    enum_in(v, "sig_type", SigType::from_u8)
}

/// A text buffer: checked, then filled by [`write_text`].
///
/// # Safety
/// `b` is NULL or a valid buffer.
unsafe fn text_buffer<'a>(b: *mut TextBuffer, what: &str) -> FfiResult<&'a mut TextBuffer> {
    let b = unsafe { out_ptr(b, what) }?;
    // SAFETY: the caller initialised `ptr` and `cap` (the struct's contract); `len` is written.
    Ok(unsafe { b.assume_init_mut() })
}

/// Writes `text` into `b`.
///
/// # Safety
/// `b.ptr` is NULL or points to `b.cap` writable bytes.
unsafe fn fill(b: &mut TextBuffer, text: &str) -> FfiResult {
    unsafe { write_text(b.ptr, b.cap, &mut b.len, text) }
}

/// The CONNECT ClientId, User Name and Password of `auth` at the UTC time `unix_ms`
/// (milliseconds since 1970; the ClientId and the password carry the hour), each written
/// NUL-terminated to its buffer. `has_password` (may be NULL) receives whether there is a
/// password; for certificate identities `password` receives the empty string.
///
/// Compute them again before every connection attempt. When any buffer is too small nothing
/// is written, every buffer's `len` receives the length needed and the result is
/// `IOTMQTT_STATUS_BUFFER_TOO_SMALL`. The password is a secret: wipe it after use.
///
/// # Safety
/// `auth` is NULL or a valid identity; each buffer is NULL or a valid `iotmqtt_text_buffer`
/// whose `ptr` is NULL or points to `cap` writable bytes; `has_password` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_iotda_credentials(
    auth: *const DeviceAuth,
    unix_ms: u64,
    client_id: *mut TextBuffer,
    username: *mut TextBuffer,
    password: *mut TextBuffer,
    has_password: *mut bool,
) -> Status {
    guard(|| {
        let auth = unsafe { auth_in(in_ref(auth, "auth")?) }?;
        let (id_buf, user_buf, pw_buf) = unsafe {
            (
                text_buffer(client_id, "client_id")?,
                text_buffer(username, "username")?,
                text_buffer(password, "password")?,
            )
        };
        let has_out = (!has_password.is_null())
            .then(|| unsafe { out_ptr(has_password, "has_password") })
            .transpose()?;
        let now = UtcTime::from_unix_millis(unix_ms)?;
        let c = auth.credentials(&now);
        let pw = c.password().map_or("", |p| p.as_str());
        let fits = |b: &TextBuffer, t: &str| b.cap > t.len();
        let all_fit =
            fits(id_buf, c.client_id()) && fits(user_buf, c.username()) && fits(pw_buf, pw);
        if !all_fit {
            id_buf.len = c.client_id().len();
            user_buf.len = c.username().len();
            pw_buf.len = pw.len();
            let most = id_buf.len.max(user_buf.len).max(pw_buf.len);
            return Err(Failure::buffer_too_small(most.saturating_add(1)));
        }
        unsafe {
            fill(id_buf, c.client_id())?;
            fill(user_buf, c.username())?;
            fill(pw_buf, pw)?;
        }
        if let Some(out) = has_out {
            out.write(c.password().is_some());
        }
        Ok(())
    })
}

/// The password for `secret` at `timestamp` (`YYYYMMDDHH`, e.g. taken from a ClientId) with
/// `sig_type`: lowercase hex HMAC-SHA256 (0, 1) or HMAC-SM3 (2) keyed by the timestamp.
/// Written NUL-terminated to `buf`; `out_len` receives its length (64), also when `buf` is too
/// small.
///
/// # Safety
/// `secret` and `timestamp` are NULL or NUL-terminated; `buf` is NULL or points to `cap`
/// writable bytes; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_iotda_compute_password(
    secret: *const c_char,
    timestamp: *const c_char,
    sig_type: u8,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> Status {
    guard(|| {
        let secret = DeviceSecret::new(unsafe { cstr(secret, "secret") }?)?;
        let ts = ConnectTimestamp::parse(unsafe { cstr(timestamp, "timestamp") }?)?;
        let password = compute_password(&secret, &ts, sig_in(sig_type)?);
        unsafe { write_text(buf, cap, out_len, password.as_str()) }
    })
}

/// The device secret a device provisioned through a registration group uses: lowercase hex
/// HMAC-SHA256 keyed by `device_id` over the decoded `group_secret` (base64). Written
/// NUL-terminated to `buf`; `out_len` receives its length, also when `buf` is too small.
///
/// # Safety
/// `group_secret` and `device_id` are NULL or NUL-terminated; `buf` is NULL or points to `cap`
/// writable bytes; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_iotda_derive_device_secret(
    group_secret: *const c_char,
    device_id: *const c_char,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> Status {
    guard(|| {
        let group = GroupSecret::new(unsafe { cstr(group_secret, "group_secret") }?)?;
        let id = DeviceId::new(unsafe { cstr(device_id, "device_id") }?)?;
        let derived = group.derive_device_secret(&id);
        unsafe { write_text(buf, cap, out_len, derived.expose()) }
    })
}

/// The device secret the password of `auth` is made from: the secret itself, or for a
/// registration-group identity the derived device secret. Written NUL-terminated to `buf`;
/// `out_len` receives its length, also when `buf` is too small. `has_secret` (may be NULL)
/// receives whether there is one: certificate identities have none (and write "").
/// Building the identity checks every part of it, so this is also how to validate one.
///
/// # Safety
/// `auth` is NULL or a valid identity; `buf` is NULL or points to `cap` writable bytes;
/// `out_len` and `has_secret` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_iotda_device_secret(
    auth: *const DeviceAuth,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    has_secret: *mut bool,
) -> Status {
    guard(|| {
        let auth = unsafe { auth_in(in_ref(auth, "auth")?) }?;
        let has_out = (!has_secret.is_null())
            .then(|| unsafe { out_ptr(has_secret, "has_secret") })
            .transpose()?;
        let secret = auth.device_secret();
        unsafe { write_text(buf, cap, out_len, secret.map_or("", DeviceSecret::expose)) }?;
        if let Some(out) = has_out {
            out.write(secret.is_some());
        }
        Ok(())
    })
}

/// Parses a UTC time in one of IoTDA's forms (`20161219T114920Z`,
/// `2016-12-19T11:49:20.000Z`, or `2016-12-19T11:49:20Z`) into milliseconds since 1970.
///
/// # Safety
/// `text` is NULL or NUL-terminated; `out_unix_ms` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_utc_parse(text: *const c_char, out_unix_ms: *mut u64) -> Status {
    guard(|| {
        let out = unsafe { out_ptr(out_unix_ms, "out_unix_ms") }?;
        let t = UtcTime::parse(unsafe { cstr(text, "text") }?)?;
        out.write(t.unix_millis());
        Ok(())
    })
}
