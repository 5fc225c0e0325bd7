'use strict';
// `MqttClient`: an MQTT 3.1.1/5.0 client over TCP, TLS or WebSocket, driven by the core's
// sans-IO `Client` (lib/loop.js runs it). Commands return promises settled by the core's
// events; every event is also emitted (`event`) and iterable (`for await … of client`).
const { Client } = require('../native.js');
const { Loop } = require('./loop.js');

/** The client config part of the options (everything but transport and callbacks). */
function clientConfig(options) {
  const c = { ...options };
  for (const k of ['url', 'transport', 'host', 'port', 'path', 'tls', 'wsOptions', 'iteratorBacklog', 'onPersist']) delete c[k];
  if (typeof options.credentials === 'function') c.credentials = 'ask_each_time';
  else if (options.username !== undefined || options.password !== undefined) {
    c.credentials = { username: options.username ?? null, password: options.password ?? null };
  }
  delete c.username;
  delete c.password;
  if (c.clientId === undefined) c.clientId = '';
  return c;
}

function coreError(code, message) {
  const err = new Error(message);
  err.code = code;
  err.kind = 'usage';
  err.reasonCode = 0x83;
  return err;
}

class MqttClient extends Loop {
  /**
   * A client; call `start()` (or use `connect()`, which does) to begin connecting.
   * @param {import('../index').MqttClientOptions} options
   */
  constructor(options) {
    super(new Client(clientConfig(options)), options);
    this.credentialsFn = typeof options.credentials === 'function' ? options.credentials : null;
    this.onPersist = options.onPersist ?? null;
    // Waiting commands by packet identifier (1 to 65,535): resolve/reject pairs.
    this.pending = new Array(65536).fill(null);
    this.pendingCount = 0;
    this.attempt = 0;
    this.connected = false;
  }

  /** Whether CONNACK accepted the current connection. */
  get isConnected() { return this.connected; }

  handle(e) {
    switch (e.type) {
      case 'credentials_needed':
        this.attempt += 1;
        this.askCredentials();
        break;
      case 'connected':
        this.connected = true;
        this.emit('connect', e);
        break;
      case 'connection_lost':
        this.connected = false;
        if (e.reconnectAt === null) this.rejectAll(e.error);
        break;
      case 'disconnected':
        this.connected = false;
        this.rejectAll(coreError('invalid_state', 'the client disconnected'));
        break;
      case 'message':
        this.emit('message', e.topic, e.payload, e);
        break;
      case 'publish_acked':
      case 'publish_completed':
      case 'subscribed':
      case 'unsubscribed':
        this.settle(e.packetId, e, null);
        break;
      case 'publish_dropped': {
        const err = coreError(e.reason, `publish ${e.packetId} dropped: ${e.reason}`);
        if (e.packetId !== null) this.settle(e.packetId, null, err);
        break;
      }
      case 'request_dropped':
        this.settle(e.packetId, null, coreError(e.reason, `request ${e.packetId} dropped: ${e.reason}`));
        break;
      case 'persist_required':
        if (this.onPersist) this.onPersist(this.core.snapshot());
        else this.core.snapshot();
        break;
      case 'auth_challenge':
        this.emit('auth', e);
        break;
      default:
        break;
    }
  }

  async askCredentials() {
    try {
      const c = await this.credentialsFn(this.attempt);
      if (this.stopped) return;
      if (c && c.clientId !== undefined) this.core.setClientId(c.clientId);
      this.core.setCredentials(c ? c.username ?? null : null, c ? c.password ?? null : null);
      this.schedule();
    } catch (err) {
      if (this.listenerCount('error') > 0) this.emit('error', err);
      this.dropLink();
    }
  }

  settle(id, value, err) {
    const p = this.pending[id];
    if (p === null) return;
    this.pending[id] = null;
    this.pendingCount -= 1;
    if (err) p.reject(err); else p.resolve(value);
  }

  rejectAll(err) {
    if (this.pendingCount === 0) return;
    const all = this.pending.filter((p) => p !== null);
    this.pending.fill(null);
    this.pendingCount = 0;
    for (const p of all) p.reject(err);
  }

  wait(id) {
    return new Promise((resolve, reject) => {
      this.pending[id] = { resolve, reject };
      this.pendingCount += 1;
    });
  }

  /**
   * Publishes a message. Resolves at once at QoS 0 (queued), on PUBACK at QoS 1 and PUBCOMP at
   * QoS 2 (with that event); rejects with the core's error (`queue_full`, `topic_wildcard`, …).
   */
  publish(topic, payload, options = {}) {
    let id;
    try {
      id = this.core.publish(topic, payload ?? null, options.qos ?? 0, options.retain ?? false, options.properties ?? null);
    } catch (err) {
      return Promise.reject(err);
    }
    this.schedule();
    if (id === null) return Promise.resolve(null);
    return this.wait(id);
  }

  /** Subscribes to one filter, a list of filters or subscription objects; resolves with the
   * `subscribed` event (its `reasons` say what was granted). Rejects with code
   * `packet_too_large` when, after a reconnect, the request no longer fits the server's
   * Maximum Packet Size (`request_dropped`). */
  subscribe(filters, options = {}) {
    const list = (Array.isArray(filters) ? filters : [filters]).map((f) => (typeof f === 'string'
      ? { filter: f, qos: options.qos ?? 0, noLocal: options.noLocal, retainAsPublished: options.retainAsPublished, retainHandling: options.retainHandling }
      : f));
    let id;
    try { id = this.core.subscribe(list, options.properties ?? null); } catch (err) { return Promise.reject(err); }
    this.schedule();
    return this.wait(id);
  }

  /** Unsubscribes; resolves with the `unsubscribed` event (rejects as `subscribe` does). */
  unsubscribe(filters, options = {}) {
    let id;
    try {
      id = this.core.unsubscribe(Array.isArray(filters) ? filters : [filters], options.properties ?? null);
    } catch (err) {
      return Promise.reject(err);
    }
    this.schedule();
    return this.wait(id);
  }

  /** Acknowledges a message in manual-ack mode (by its event's `ackToken`). */
  ack(token) {
    this.core.ack(token);
    this.schedule();
  }

  /** Counters of the core session. */
  get stats() { return this.core.stats; }
  /** The core session's state. */
  get state() { return this.core.state; }
}

/** Starts a client: `connect('mqtt://localhost:1883', {clientId: 'a'})` or `connect({url, …})`. */
function connect(url, options) {
  const opts = typeof url === 'string' ? { ...(options || {}), url } : { ...url };
  const client = new MqttClient(opts);
  client.start();
  return client;
}

module.exports = { MqttClient, connect };
