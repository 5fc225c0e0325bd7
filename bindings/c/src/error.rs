//! `iotmqtt_status`, `iotmqtt_error` and the last-error slots (one per handle, one per thread).

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char, c_int};

use iotmqtt::{Error, UsageError, Violation};

/// What every function returns. `IOTMQTT_STATUS_OK` (0) is success; anything else is a failure
/// whose details `iotmqtt_client_last_error`, `iotmqtt_codec_last_error` or
/// `iotmqtt_last_error` give.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// A pointer that must not be NULL is NULL.
    NullArgument = 1,
    /// An argument is invalid: not UTF-8, an enum value out of range, a value the core rejects.
    InvalidArgument = 2,
    /// The caller's buffer is too small; the function reported the size it needs.
    BufferTooSmall = 3,
    /// The client configuration is invalid (the error message names the setting).
    InvalidConfig = 4,
    /// The command needs another connection state (e.g. `connect` while connected).
    InvalidState = 5,
    /// A bounded queue is full.
    QueueFull = 6,
    /// All 65,535 packet identifiers are in use.
    PacketIdsExhausted = 7,
    /// A packet larger than the server's Maximum Packet Size.
    PacketTooLarge = 8,
    /// A QoS above the server's Maximum QoS.
    QosNotSupported = 9,
    /// A retained message to a server without Retain Available.
    RetainNotSupported = 10,
    /// The packet breaks a rule of the specification (the error's `rule` names it).
    Encode = 11,
    /// An argument breaks a Huawei Cloud IoTDA rule (an id, a secret, a topic, a time).
    Iotda = 12,
    /// A session snapshot given to `restore` cannot be used.
    Snapshot = 13,
    /// Decoding: the input holds only part of a packet; more bytes are needed.
    Incomplete = 14,
    /// Decoding: the bytes break a rule (the error gives the rule and the byte offset).
    Malformed = 15,
    /// The peer broke the protocol (reported in events rather than returned, listed for
    /// completeness).
    Protocol = 16,
    /// A deadline passed (reported in events rather than returned, listed for completeness).
    Timeout = 17,
    /// Another misuse the core reports (the error code names it).
    Usage = 18,
    /// A bug: the library caught a panic. Free the handle.
    Internal = 19,
}

impl Status {
    const fn describe(self) -> &'static CStr {
        match self {
            Status::Ok => c"success",
            Status::NullArgument => c"a required pointer argument is NULL",
            Status::InvalidArgument => c"invalid argument",
            Status::BufferTooSmall => c"buffer too small",
            Status::InvalidConfig => c"invalid configuration",
            Status::InvalidState => c"invalid state for this command",
            Status::QueueFull => c"queue full",
            Status::PacketIdsExhausted => c"all packet identifiers are in use",
            Status::PacketTooLarge => c"packet larger than the maximum packet size",
            Status::QosNotSupported => c"QoS not supported by the server",
            Status::RetainNotSupported => c"retain not supported by the server",
            Status::Encode => c"the packet breaks a rule of the specification",
            Status::Iotda => c"an argument breaks a Huawei Cloud IoTDA rule",
            Status::Snapshot => c"unusable session snapshot",
            Status::Incomplete => c"incomplete packet: more bytes are needed",
            Status::Malformed => c"malformed packet",
            Status::Protocol => c"protocol error by the peer",
            Status::Timeout => c"timeout",
            Status::Usage => c"misuse of the API",
            Status::Internal => c"internal error (a bug in iotmqtt)",
        }
    }

    /// Every status, in value order.
    const ALL: [Status; 20] = [
        Status::Ok,
        Status::NullArgument,
        Status::InvalidArgument,
        Status::BufferTooSmall,
        Status::InvalidConfig,
        Status::InvalidState,
        Status::QueueFull,
        Status::PacketIdsExhausted,
        Status::PacketTooLarge,
        Status::QosNotSupported,
        Status::RetainNotSupported,
        Status::Encode,
        Status::Iotda,
        Status::Snapshot,
        Status::Incomplete,
        Status::Malformed,
        Status::Protocol,
        Status::Timeout,
        Status::Usage,
        Status::Internal,
    ];
}

/// A static, NUL-terminated description of `status` ("queue full"); "unknown status" for a
/// value that is not an `iotmqtt_status`. Never NULL. One of the two functions that do not
/// return an `iotmqtt_status`.
#[unsafe(no_mangle)]
pub extern "C" fn iotmqtt_status_str(status: c_int) -> *const c_char {
    usize::try_from(status)
        .ok()
        .and_then(|i| Status::ALL.get(i))
        .map_or(c"unknown status", |s| s.describe())
        .as_ptr()
}

/// Who is to blame for an error (the core's `ErrorKind`), plus the binding's own cases.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// No error.
    None = 0,
    /// The peer sent bytes that break the codec rules.
    Malformed = 1,
    /// The peer broke the protocol.
    Protocol = 2,
    /// The caller misused the API (bad argument, state, configuration, full queue, …).
    Usage = 3,
    /// A deadline passed.
    Timeout = 4,
    /// A bug in the library (a caught panic).
    Internal = 5,
}

/// The details of an error. The strings are NUL-terminated and never NULL (empty when there
/// is nothing to say); they borrow from where the error came from (the handle, the thread, or
/// the event) until the next call that can replace it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ErrorInfo {
    /// The status the failing function returned.
    pub status: Status,
    /// Who is to blame.
    pub kind: ErrorKind,
    /// A stable snake_case machine name (the core's `Error::code()`, e.g. `"queue_full"`,
    /// `"topic_wildcard"`, `"keep_alive"`, `"invalid_device_id"`; the binding adds
    /// `"null_argument"`, `"incomplete"` and `"internal"`).
    pub code: *const c_char,
    /// A human-readable message, without secrets.
    pub message: *const c_char,
    /// The rule of the specification a malformed or unencodable packet breaks (`"MQTT-3.3.2-2"`),
    /// otherwise empty.
    pub rule: *const c_char,
    /// The MQTT 5 reason code that reports this error (`Error::reason_code()`; for a refused
    /// connection or a server DISCONNECT, the server's code). 0 when there is no error.
    pub reason_code: u8,
    /// A malformed packet: the offset of the offending byte.
    pub offset: usize,
    /// `IOTMQTT_STATUS_BUFFER_TOO_SMALL`: the bytes required; `IOTMQTT_STATUS_INCOMPLETE`: the
    /// bytes still needed (exactly, or at least when the fixed header is incomplete).
    pub required: usize,
}

/// An error held by the binding: the C view plus the strings it points to.
#[derive(Debug)]
pub(crate) struct Failure {
    status: Status,
    kind: ErrorKind,
    code: &'static str,
    message: String,
    rule: &'static str,
    reason_code: u8,
    offset: usize,
    required: usize,
}

impl Failure {
    /// A failure the binding itself detects (a NULL, invalid UTF-8, an enum out of range).
    pub(crate) fn new(status: Status, code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            kind: ErrorKind::Usage,
            code,
            message: message.into(),
            rule: "",
            reason_code: iotmqtt::ReasonCode::ImplementationSpecificError.as_u8(),
            offset: 0,
            required: 0,
        }
    }

    /// `what` is NULL.
    pub(crate) fn null(what: &str) -> Self {
        Failure::new(
            Status::NullArgument,
            "null_argument",
            format!("{what} is NULL"),
        )
    }

    /// `what` is invalid: `why`.
    pub(crate) fn invalid(what: &str, why: &str) -> Self {
        Failure::new(
            Status::InvalidArgument,
            "invalid_argument",
            format!("{what}: {why}"),
        )
    }

    /// The caller's buffer holds fewer than `required` bytes.
    pub(crate) fn buffer_too_small(required: usize) -> Self {
        Failure::from(Error::Usage(UsageError::BufferTooSmall { required }))
    }

    /// A caught panic.
    pub(crate) fn internal() -> Self {
        Failure {
            kind: ErrorKind::Internal,
            ..Failure::new(
                Status::Internal,
                "internal",
                "internal error: a panic was caught at the C boundary",
            )
        }
    }

    /// A malformed packet found by the decoder.
    pub(crate) fn malformed(offset: usize, violation: Violation) -> Self {
        Failure::from(Error::Malformed { offset, violation })
    }

    /// The decoder needs `needed` more bytes (`exact` once the fixed header is complete).
    pub(crate) fn incomplete(needed: usize, exact: bool) -> Self {
        let message = if exact {
            format!("incomplete packet: need {needed} more bytes")
        } else {
            format!("incomplete packet: need at least {needed} more bytes")
        };
        Failure {
            kind: ErrorKind::None,
            required: needed,
            reason_code: 0,
            ..Failure::new(Status::Incomplete, "incomplete", message)
        }
    }

    pub(crate) fn status(&self) -> Status {
        self.status
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::from(&e)
    }
}

impl From<&Error> for Failure {
    fn from(e: &Error) -> Self {
        let (status, kind) = match e {
            Error::Malformed { .. } => (Status::Malformed, ErrorKind::Malformed),
            Error::Protocol(_) => (Status::Protocol, ErrorKind::Protocol),
            Error::Timeout(_) => (Status::Timeout, ErrorKind::Timeout),
            Error::Usage(u) => (usage_status(u), ErrorKind::Usage),
            // A kind added to the core later: still reported with its code and message.
            _ => (Status::Usage, ErrorKind::Usage),
        };
        let (offset, rule) = match e {
            Error::Malformed { offset, violation } => (*offset, violation.rule()),
            Error::Usage(UsageError::Encode(v)) => (0, v.rule()),
            _ => (0, ""),
        };
        let required = match e {
            Error::Usage(UsageError::BufferTooSmall { required }) => *required,
            _ => 0,
        };
        Failure {
            status,
            kind,
            code: e.code(),
            message: e.to_string(),
            rule,
            reason_code: e.reason_code().as_u8(),
            offset,
            required,
        }
    }
}

#[cfg(feature = "iotda")]
impl From<iotmqtt::iotda::IotdaError> for Failure {
    fn from(e: iotmqtt::iotda::IotdaError) -> Self {
        Failure::from(Error::Usage(UsageError::Iotda(e)))
    }
}

fn usage_status(u: &UsageError) -> Status {
    match u {
        UsageError::InvalidConfig(_) => Status::InvalidConfig,
        UsageError::Encode(_) => Status::Encode,
        UsageError::InvalidState(_) => Status::InvalidState,
        UsageError::QueueFull => Status::QueueFull,
        UsageError::PacketIdsExhausted => Status::PacketIdsExhausted,
        UsageError::PacketTooLarge { .. } => Status::PacketTooLarge,
        UsageError::QosNotSupported => Status::QosNotSupported,
        UsageError::BufferTooSmall { .. } => Status::BufferTooSmall,
        UsageError::InvalidArgument(_) => Status::InvalidArgument,
        #[cfg(feature = "iotda")]
        UsageError::Iotda(_) => Status::Iotda,
        UsageError::RetainNotSupported => Status::RetainNotSupported,
        UsageError::Snapshot(_) => Status::Snapshot,
        _ => Status::Usage,
    }
}

/// A last-error slot: the failure and the NUL-terminated strings an `ErrorInfo` points to.
#[derive(Debug)]
pub(crate) struct ErrorSlot {
    info: ErrorInfo,
    code: CString,
    message: CString,
    rule: CString,
}

impl Default for ErrorSlot {
    fn default() -> Self {
        let mut slot = ErrorSlot {
            info: ErrorInfo {
                status: Status::Ok,
                kind: ErrorKind::None,
                code: core::ptr::null(),
                message: core::ptr::null(),
                rule: core::ptr::null(),
                reason_code: 0,
                offset: 0,
                required: 0,
            },
            code: CString::default(),
            message: CString::default(),
            rule: CString::default(),
        };
        slot.point();
        slot
    }
}

/// `s` without interior NULs (core messages never hold one; this only guarantees it).
fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

impl ErrorSlot {
    fn point(&mut self) {
        self.info.code = self.code.as_ptr();
        self.info.message = self.message.as_ptr();
        self.info.rule = self.rule.as_ptr();
    }

    /// Holds `f`.
    pub(crate) fn set(&mut self, f: &Failure) {
        self.code = c_string(f.code);
        self.message = c_string(&f.message);
        self.rule = c_string(f.rule);
        self.info.status = f.status;
        self.info.kind = f.kind;
        self.info.reason_code = f.reason_code;
        self.info.offset = f.offset;
        self.info.required = f.required;
        self.point();
    }

    /// The C view; its strings live as long as this slot is not changed.
    pub(crate) fn info(&self) -> ErrorInfo {
        self.info
    }
}

thread_local! {
    static LAST: RefCell<ErrorSlot> = RefCell::new(ErrorSlot::default());
}

/// Records `f` as this thread's last error.
pub(crate) fn set_thread_error(f: &Failure) {
    // A slot in use (only possible from a destructor) keeps its old value.
    let _ = LAST.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            slot.set(f);
        }
    });
}

/// The last error of a function that has no handle (codec-free helpers, credentials, topics,
/// and `_new` functions, and any function given a NULL handle), on this thread. The strings
/// stay valid until the next failing call on this thread.
///
/// # Safety
/// `out` must be NULL or point to writable memory for one `iotmqtt_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_last_error(out: *mut ErrorInfo) -> Status {
    crate::ffi::guard(|| {
        let out = unsafe { crate::ffi::out_ptr(out, "out") }?;
        let info = LAST
            .try_with(|slot| slot.try_borrow().map(|s| s.info()).ok())
            .ok()
            .flatten()
            .ok_or_else(Failure::internal)?;
        out.write(info);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_its_description_and_unknown_values_have_one_too() {
        for (i, s) in Status::ALL.iter().enumerate() {
            assert_eq!(*s as usize, i);
            let text = unsafe { CStr::from_ptr(iotmqtt_status_str(*s as c_int)) };
            assert_eq!(text, s.describe());
        }
        let text = unsafe { CStr::from_ptr(iotmqtt_status_str(-1)) };
        assert_eq!(text.to_str().unwrap(), "unknown status");
        let text = unsafe { CStr::from_ptr(iotmqtt_status_str(999)) };
        assert_eq!(text.to_str().unwrap(), "unknown status");
    }

    #[test]
    fn a_slot_points_at_its_own_strings() {
        let mut slot = ErrorSlot::default();
        assert_eq!(unsafe { CStr::from_ptr(slot.info().code) }.to_bytes(), b"");
        slot.set(&Failure::from(Error::Usage(UsageError::QueueFull)));
        let info = slot.info();
        assert_eq!(info.status, Status::QueueFull);
        assert_eq!(
            unsafe { CStr::from_ptr(info.code) }.to_bytes(),
            b"queue_full"
        );
        assert_eq!(info.reason_code, 0x97);
    }
}
