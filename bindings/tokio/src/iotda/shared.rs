//! What the handles, the event stream and the driver task share: the core device behind one
//! mutex (never held across an `.await`), the bounded queue of events for the application,
//! and the wakers of both sides.
//!
//! A command is a plain call on the core device under the lock (it returns at once, as the
//! core's commands do) followed by a wake-up of the driver, which puts the result on the wire.
//! No command channel and no reply channel: an idle device holds no buffer for them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use iotmqtt::iotda::IotdaDevice as CoreDevice;
use tokio::sync::oneshot;

use super::event::Event;

/// Queue slots kept once a burst of events is over (a slot is a pointer).
const KEEP_EVENT_SLOTS: usize = 8;

pub(crate) type SharedRef = Arc<Mutex<Shared>>;

/// The state behind the mutex.
pub(crate) struct Shared {
    /// The sans-IO device: every protocol decision is made here.
    pub(crate) core: CoreDevice,
    /// Events taken from the core and not yet received by the application.
    events: VecDeque<Box<Event>>,
    capacity: usize,
    /// The driver task, to wake after a command or when room frees up.
    driver: Option<Waker>,
    /// The application waiting in `DeviceEvents::recv`.
    app: Option<Waker>,
    /// The driver stopped taking events because the queue was full.
    driver_waits_for_room: bool,
    /// The driver has stopped: no event comes after those queued; commands fail.
    pub(crate) finished: bool,
    /// Every [`IotdaDevice`](super::IotdaDevice) handle was dropped.
    pub(crate) handles_gone: bool,
    /// The [`DeviceEvents`](super::DeviceEvents) stream was dropped: events are discarded.
    pub(crate) events_gone: bool,
    /// `disconnect` calls waiting for the driver to stop.
    finish_waiters: Vec<oneshot::Sender<()>>,
}

/// Locks the shared state; a panic elsewhere while it was held does not make it unusable
/// (every change under the lock is a complete core call).
pub(crate) fn lock(shared: &SharedRef) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(core: CoreDevice, capacity: usize) -> Self {
        Shared {
            core,
            events: VecDeque::new(),
            capacity: capacity.max(1),
            driver: None,
            app: None,
            driver_waits_for_room: false,
            finished: false,
            handles_gone: false,
            events_gone: false,
            finish_waiters: Vec::new(),
        }
    }

    /// Wakes the driver task (after a command changed the core).
    pub(crate) fn wake_driver(&mut self) {
        if let Some(waker) = self.driver.take() {
            waker.wake();
        }
    }

    /// The driver goes to sleep: wake it with `waker`.
    pub(crate) fn park_driver(&mut self, waker: &Waker) {
        match &self.driver {
            Some(w) if w.will_wake(waker) => {}
            _ => self.driver = Some(waker.clone()),
        }
    }

    /// True when another event can be queued (always, once nobody reads them).
    pub(crate) fn has_room(&mut self) -> bool {
        let room = self.events_gone || self.events.len() < self.capacity;
        self.driver_waits_for_room = !room;
        room
    }

    /// Queues an event for the application (dropped when nobody reads events any more).
    pub(crate) fn push_event(&mut self, event: Event) {
        if self.events_gone {
            return;
        }
        self.events.push_back(Box::new(event));
        if let Some(waker) = self.app.take() {
            waker.wake();
        }
    }

    /// The application takes the next event.
    pub(crate) fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        if let Some(event) = self.events.pop_front() {
            if std::mem::take(&mut self.driver_waits_for_room) {
                self.wake_driver();
            }
            if self.events.is_empty() && self.events.capacity() > KEEP_EVENT_SLOTS {
                // A burst is over: give its memory back.
                self.events = VecDeque::new();
            }
            return Poll::Ready(Some(*event));
        }
        if self.finished {
            return Poll::Ready(None);
        }
        match &self.app {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => self.app = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The event stream was dropped.
    pub(crate) fn drop_events(&mut self) {
        self.events_gone = true;
        self.events = VecDeque::new();
        self.app = None;
        self.wake_driver();
    }

    /// Waits for the driver to stop: `None` when it already has.
    pub(crate) fn wait_finished(&mut self) -> Option<oneshot::Receiver<()>> {
        if self.finished {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        self.finish_waiters.push(tx);
        Some(rx)
    }

    /// The driver stopped: the application reads what is queued, then the end.
    pub(crate) fn finish(&mut self) {
        self.finished = true;
        for waiter in self.finish_waiters.drain(..) {
            let _ = waiter.send(());
        }
        if let Some(waker) = self.app.take() {
            waker.wake();
        }
    }
}
