//! What a bare-metal program needs around the library: a heap, a panic handler, an entry
//! point, and inputs the compiler cannot see through (so that nothing is folded away).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::hint::black_box;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicUsize, Ordering};

const HEAP_SIZE: usize = 48 * 1024;

/// A bump allocator over a static array: allocation only, never freed (enough to link).
struct Bump {
    heap: UnsafeCell<[u8; HEAP_SIZE]>,
    next: AtomicUsize,
}

// SAFETY: the offset is claimed atomically; each claimed range is handed out once.
unsafe impl Sync for Bump {}

// SAFETY: returns aligned, disjoint ranges inside the array, or null when it is exhausted.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.heap.get() as usize;
        let mut current = self.next.load(Ordering::Relaxed);
        loop {
            let start = (base + current + layout.align() - 1) & !(layout.align() - 1);
            let end = start - base + layout.size();
            if end > HEAP_SIZE {
                return core::ptr::null_mut();
            }
            match self
                .next
                .compare_exchange(current, end, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return start as *mut u8,
                Err(seen) => current = seen,
            }
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static HEAP: Bump = Bump {
    heap: UnsafeCell::new([0; HEAP_SIZE]),
    next: AtomicUsize::new(0),
};

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The monotonic time in milliseconds, as a timer peripheral would give it.
pub fn now() -> u64 {
    black_box(0)
}

/// Bytes "received" from the transport.
pub fn received(buf: &mut [u8]) -> usize {
    let n = black_box(buf.len());
    for b in buf.iter_mut() {
        *b = black_box(0);
    }
    n
}

/// Bytes "sent" to the transport.
pub fn send(bytes: &[u8]) {
    black_box(bytes);
}
