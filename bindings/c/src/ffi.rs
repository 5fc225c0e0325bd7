//! The boundary: catching panics, recording errors, and checked access to what C passes in.

use std::ffi::{CStr, c_char};
use std::mem::MaybeUninit;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{ErrorSlot, Failure, Status, set_thread_error};

/// What a function body returns before it becomes a [`Status`].
pub(crate) type FfiResult<T = ()> = Result<T, Failure>;

/// Runs a function body that has no handle: a panic becomes `IOTMQTT_STATUS_INTERNAL`, a
/// failure is recorded as this thread's last error.
pub(crate) fn guard(f: impl FnOnce() -> FfiResult) -> Status {
    let result = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(Failure::internal()));
    match result {
        Ok(()) => Status::Ok,
        Err(e) => {
            set_thread_error(&e);
            e.status()
        }
    }
}

/// A handle type: it keeps its own last error.
pub(crate) trait Handle {
    /// The handle's last-error slot.
    fn error_slot(&mut self) -> &mut ErrorSlot;
}

/// Runs a function body on the handle `h`: NULL is `IOTMQTT_STATUS_NULL_ARGUMENT` (recorded
/// per thread), a panic becomes `IOTMQTT_STATUS_INTERNAL`, a failure is recorded in the handle.
///
/// # Safety
/// `h` is NULL or a live handle of type `H` that no other thread uses now.
pub(crate) unsafe fn with_handle<H: Handle>(
    h: *mut H,
    what: &str,
    f: impl FnOnce(&mut H) -> FfiResult,
) -> Status {
    if h.is_null() || !h.is_aligned() {
        return guard(|| Err(Failure::null(what)));
    }
    // SAFETY: `h` is a live, exclusively used handle (the caller's contract).
    let result = catch_unwind(AssertUnwindSafe(|| f(unsafe { &mut *h })))
        .unwrap_or_else(|_| Err(Failure::internal()));
    match result {
        Ok(()) => Status::Ok,
        Err(e) => {
            // SAFETY: as above; the closure's borrow has ended.
            let handle = unsafe { &mut *h };
            handle.error_slot().set(&e);
            e.status()
        }
    }
}

/// An out-parameter: non-NULL and aligned.
///
/// # Safety
/// `p` is NULL or points to writable memory for one `T`.
pub(crate) unsafe fn out_ptr<'a, T>(p: *mut T, what: &str) -> FfiResult<&'a mut MaybeUninit<T>> {
    if p.is_null() {
        return Err(Failure::null(what));
    }
    if !p.is_aligned() {
        return Err(Failure::invalid(what, "misaligned pointer"));
    }
    // SAFETY: non-NULL, aligned, writable for one `T` (the caller's contract).
    Ok(unsafe { &mut *p.cast::<MaybeUninit<T>>() })
}

/// An input structure passed by pointer.
///
/// # Safety
/// `p` is NULL or points to a valid `T` that outlives `'a`.
pub(crate) unsafe fn in_ref<'a, T>(p: *const T, what: &str) -> FfiResult<&'a T> {
    if p.is_null() {
        return Err(Failure::null(what));
    }
    if !p.is_aligned() {
        return Err(Failure::invalid(what, "misaligned pointer"));
    }
    // SAFETY: the caller's contract.
    Ok(unsafe { &*p })
}

/// A NUL-terminated UTF-8 string that must be present.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn cstr<'a>(p: *const c_char, what: &str) -> FfiResult<&'a str> {
    unsafe { opt_cstr(p, what) }?.ok_or_else(|| Failure::null(what))
}

/// A NUL-terminated UTF-8 string; NULL is `None`.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn opt_cstr<'a>(p: *const c_char, what: &str) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: a NUL-terminated string (the caller's contract).
    let bytes = unsafe { CStr::from_ptr(p) };
    bytes
        .to_str()
        .map(Some)
        .map_err(|_| Failure::invalid(what, "not valid UTF-8"))
}

/// `len` elements at `p`; NULL with `len` 0 is the empty slice.
///
/// # Safety
/// `p` is NULL or points to `len` valid elements that outlive `'a`.
pub(crate) unsafe fn slice<'a, T>(p: *const T, len: usize, what: &str) -> FfiResult<&'a [T]> {
    if p.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Failure::null(what))
        };
    }
    if !p.is_aligned() {
        return Err(Failure::invalid(what, "misaligned pointer"));
    }
    if len
        .checked_mul(size_of::<T>().max(1))
        .is_none_or(|n| n > isize::MAX as usize)
    {
        return Err(Failure::invalid(what, "length too large"));
    }
    // SAFETY: non-NULL, aligned, `len` valid elements (the caller's contract), size checked.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Optional bytes: NULL is `None` (whatever `len` says), otherwise `len` bytes.
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn opt_bytes<'a>(
    p: *const u8,
    len: usize,
    what: &str,
) -> FfiResult<Option<&'a [u8]>> {
    if p.is_null() {
        return Ok(None);
    }
    unsafe { slice(p, len, what) }.map(Some)
}

/// A caller's output buffer of `cap` bytes; NULL with `cap` 0 asks only for the size.
///
/// # Safety
/// `p` is NULL or points to `cap` writable bytes.
pub(crate) unsafe fn buffer<'a>(p: *mut u8, cap: usize, what: &str) -> FfiResult<&'a mut [u8]> {
    if p.is_null() {
        return if cap == 0 {
            Ok(&mut [])
        } else {
            Err(Failure::null(what))
        };
    }
    if cap > isize::MAX as usize {
        return Err(Failure::invalid(what, "capacity too large"));
    }
    // SAFETY: non-NULL, `cap` writable bytes (the caller's contract), size checked.
    Ok(unsafe { std::slice::from_raw_parts_mut(p, cap) })
}

/// Copies `text` and a NUL into the caller's buffer `buf` of `cap` bytes and stores the text's
/// length (without the NUL) in `out_len`. When `cap < len + 1` nothing is written to `buf`,
/// `out_len` still receives the length and the result is `BufferTooSmall { required: len + 1 }`.
///
/// # Safety
/// `buf` is NULL or points to `cap` writable bytes; `out_len` is NULL or writable.
pub(crate) unsafe fn write_text(
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    text: &str,
) -> FfiResult {
    let out_len = unsafe { out_ptr(out_len, "out_len") }?;
    let buf = unsafe { buffer(buf.cast::<u8>(), cap, "buf") }?;
    out_len.write(text.len());
    let Some(dest) = buf.get_mut(..=text.len()) else {
        return Err(Failure::buffer_too_small(text.len().saturating_add(1)));
    };
    let (body, nul) = dest.split_at_mut(text.len());
    body.copy_from_slice(text.as_bytes());
    nul.fill(0);
    Ok(())
}

/// A C enum value passed as an integer, converted by `from`; out of range is an invalid
/// argument.
pub(crate) fn enum_in<T>(
    value: u8,
    what: &str,
    from: impl FnOnce(u8) -> Option<T>,
) -> FfiResult<T> {
    from(value).ok_or_else(|| Failure::invalid(what, "value out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_internal_and_is_recorded() {
        let status = guard(|| panic!("boom"));
        assert_eq!(status, Status::Internal);
        let mut info = MaybeUninit::uninit();
        assert_eq!(
            unsafe { crate::error::iotmqtt_last_error(info.as_mut_ptr()) },
            Status::Ok
        );
        let info = unsafe { info.assume_init() };
        assert_eq!(unsafe { CStr::from_ptr(info.code) }.to_bytes(), b"internal");
    }

    #[test]
    fn text_is_written_with_a_nul_or_reports_its_size() {
        let mut buf = [0x55 as c_char; 4];
        let mut len = 0usize;
        let r = unsafe { write_text(buf.as_mut_ptr(), buf.len(), &mut len, "abcd") };
        assert_eq!(r.unwrap_err().status(), Status::BufferTooSmall);
        assert_eq!((len, buf[0]), (4, 0x55));
        unsafe { write_text(buf.as_mut_ptr(), buf.len(), &mut len, "abc") }.unwrap();
        assert_eq!((len, buf[3]), (3, 0));
        let r = unsafe { write_text(std::ptr::null_mut(), 0, &mut len, "xy") };
        assert_eq!((r.unwrap_err().status(), len), (Status::BufferTooSmall, 2));
    }

    #[test]
    fn null_with_a_length_is_refused_and_null_without_one_is_empty() {
        assert!(
            unsafe { slice::<u8>(std::ptr::null(), 0, "x") }
                .unwrap()
                .is_empty()
        );
        let e = unsafe { slice::<u8>(std::ptr::null(), 3, "x") }.unwrap_err();
        assert_eq!(e.status(), Status::NullArgument);
        let bad = b"\xff\0";
        let e = unsafe { cstr(bad.as_ptr().cast(), "s") }.unwrap_err();
        assert_eq!(e.status(), Status::InvalidArgument);
    }
}
