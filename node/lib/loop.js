'use strict';
// The driver loop shared by `MqttClient` and `IotdaClient`: one sans-IO core object (Client or
// IotdaDevice), one transport at a time, one timer. It makes no protocol decision: it opens a
// transport when the core waits for one, feeds it bytes and time, writes what it polls, arms the
// timer at the core's deadline and hands the events on. Output is taken once per tick (many
// publishes in a row go out in one write) and held back while the socket has a backlog.
const { EventEmitter } = require('node:events');
const { performance } = require('node:perf_hooks');
const transport = require('./transport.js');

/** setTimeout's largest delay; a later deadline is simply checked again then (early calls of
 * handleTimeout are harmless). */
const MAX_TIMER_MS = 0x7fffffff;

/** A bounded queue feeding one async iterator. */
class EventQueue {
  constructor(limit) {
    this.limit = limit;
    this.items = [];
    this.waiters = [];
    this.error = null;
    this.done = false;
  }
  push(e) {
    if (this.done) return;
    const w = this.waiters.shift();
    if (w) { w.resolve({ value: e, done: false }); return; }
    if (this.items.length >= this.limit) {
      const err = new Error(`event iterator backlog above ${this.limit}: the consumer is too slow`);
      err.code = 'queue_full';
      err.kind = 'usage';
      err.reasonCode = 0x97;
      this.fail(err);
      return;
    }
    this.items.push(e);
  }
  fail(err) {
    this.error = err;
    this.items = [];
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.done = true;
  }
  finish() {
    this.done = true;
    for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }
  next() {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift(), done: false });
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
}

class Loop extends EventEmitter {
  /**
   * @param core a `Client` or `IotdaDevice`
   * @param options transport options (`url` or `transport`/`host`/`port`/`path`, `tls`, `wsOptions`)
   */
  constructor(core, options) {
    super();
    this.core = core;
    this.options = options;
    this.endpoint = transport.endpoint(options);
    this.t0 = performance.now();
    this.link = null;
    this.linkOpen = false;
    this.blocked = false;
    this.timer = null;
    this.timerAt = null;
    this.scheduled = false;
    this.stopped = false;
    this.iterators = new Set();
    this.iteratorLimit = options.iteratorBacklog ?? 4096;
    this.closeWaiters = [];
    this.pumpNow = () => { this.scheduled = false; this.pump(); };
  }

  /** Milliseconds on the monotonic clock since the loop started. */
  now() { return Math.floor(performance.now() - this.t0); }

  /** Runs the loop soon (once per tick however often it is asked). */
  schedule() {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    process.nextTick(this.pumpNow);
  }

  start() {
    this.core.connect();
    this.pump();
  }

  /** Moves everything that can move: output, events, a transport to open, the timer. */
  pump() {
    if (this.stopped) return;
    let moved = true;
    for (let round = 0; round < 64 && moved; round++) {
      const now = this.now();
      moved = false;
      if (this.linkOpen && !this.blocked) {
        const out = this.core.pollTransmit(now);
        if (out !== null) {
          moved = true;
          if (!this.link.write(out) && this.link.backlog >= transport.HIGH_WATER) this.blocked = true;
        }
      }
      const events = this.core.pollEvents();
      if (events.length > 0) {
        moved = true;
        for (const e of events) this.dispatch(e);
        if (this.stopped) return;
      }
    }
    // Still moving after 64 rounds: let other callbacks run, then go on.
    if (moved) this.schedule();
    if (this.link === null && this.core.state === 'waiting_for_transport') this.openLink();
    this.arm();
  }

  arm() {
    const at = this.core.pollTimeout();
    if (at === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = at;
    if (at === null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = null;
      this.core.handleTimeout(this.now());
      this.pump();
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - this.now())));
  }

  openLink() {
    const link = transport.open(this.endpoint, this.options, {
      open: () => {
        if (this.link !== link) return;
        this.linkOpen = true;
        this.transportUp(this.now());
        this.pump();
      },
      data: (d) => {
        if (this.link !== link) return;
        this.core.handleBytes(this.now(), d);
        this.schedule();
      },
      drain: () => {
        if (this.link !== link || !this.blocked) return;
        if (link.backlog < transport.HIGH_WATER) { this.blocked = false; this.schedule(); }
      },
      error: (err) => {
        if (this.listenerCount('error') > 0) this.emit('error', err);
      },
      close: () => {
        if (this.link !== link) return;
        this.link = null;
        this.linkOpen = false;
        this.blocked = false;
        if (!this.stopped) {
          this.core.handleClosed(this.now());
          this.pump();
        }
        this.emit('transportClose');
      },
    });
    this.link = link;
  }

  /** The transport is open: tell the core (the device also needs the wall-clock time). */
  transportUp(now) { this.core.handleConnected(now); }

  /** Closes the transport after what was written (the core gave up on it). */
  dropLink() {
    if (this.link) {
      const link = this.link;
      this.link = null;
      this.linkOpen = false;
      this.blocked = false;
      link.end();
      setTimeout(() => link.destroy(), 1000).unref();
    }
  }

  /** Every event: to the iterators, `event` listeners, then the subclass. */
  dispatch(e) {
    for (const q of this.iterators) q.push(e);
    this.emit('event', e);
    switch (e.type) {
      case 'connection_lost':
        this.dropLink();
        this.emit('close', e.error);
        if (e.reconnectAt === null) this.finish();
        break;
      case 'disconnected':
        this.dropLink();
        this.finish();
        break;
      case 'reconnect_due':
        this.emit('reconnect', e.attempt);
        break;
      default:
        break;
    }
    this.handle(e);
  }

  /** Subclass hook for one event. */
  handle(_e) {}

  /** The loop ends: the core is idle for good. */
  finish() {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const q of this.iterators) q.finish();
    this.iterators.clear();
    this.emit('end');
    for (const w of this.closeWaiters.splice(0)) w();
  }

  /** Ends the session: DISCONNECT when connected, then the transport closes. */
  end() {
    if (this.stopped) return Promise.resolve();
    const p = new Promise((resolve) => this.closeWaiters.push(resolve));
    try {
      this.core.disconnect();
    } catch (err) {
      // Already idle: nothing to say to the server.
      this.dropLink();
      this.finish();
      return p;
    }
    this.pump();
    return p;
  }

  /** Ends at once without DISCONNECT (the server publishes a Will); the core goes idle. */
  destroy() {
    if (this.stopped) return;
    if (this.link) {
      this.link.destroy();
      this.link = null;
      this.linkOpen = false;
      this.core.handleClosed(this.now());
    }
    try {
      this.core.disconnect();
    } catch {
      // Already idle.
    }
    this.finish();
  }

  /** Every core event, as they happen, until the session ends. Bounded: a consumer too slow
   * for `iteratorBacklog` events gets a `queue_full` error. */
  [Symbol.asyncIterator]() {
    const q = new EventQueue(this.iteratorLimit);
    if (this.stopped) q.finish();
    else this.iterators.add(q);
    return {
      next: () => q.next(),
      return: () => { this.iterators.delete(q); q.finish(); return Promise.resolve({ value: undefined, done: true }); },
      [Symbol.asyncIterator]() { return this; },
    };
  }
}

module.exports = { Loop, EventQueue };
