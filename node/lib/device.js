'use strict';
// `IotdaClient`: a Huawei Cloud IoTDA device over TCP, TLS or WebSocket, driven by the core's
// sans-IO `IotdaDevice`. The core makes each attempt's ClientId and password from the wall-clock
// time given on connect, paces upstream messages, parses downstream requests and correlates
// answers; this layer only moves bytes, calls the application's handlers and turns the answers
// into replies.
const { IotdaDevice } = require('../native.js');
const { Loop } = require('./loop.js');

function deviceConfig(options) {
  const c = { ...options };
  for (const k of ['url', 'transport', 'host', 'port', 'path', 'tls', 'wsOptions', 'iteratorBacklog', 'clock']) delete c[k];
  return c;
}

function failure(code, message) {
  const err = new Error(message);
  err.code = code;
  err.kind = 'timeout';
  err.reasonCode = 0x80;
  return err;
}

class IotdaClient extends Loop {
  /** @param {import('../index').IotdaClientOptions} options */
  constructor(options) {
    super(new IotdaDevice(deviceConfig(options)), options);
    this.clock = options.clock ?? (() => Date.now());
    this.commandHandler = null;
    this.setHandler = null;
    this.getHandler = null;
    this.waiting = new Map();
    this.connected = false;
  }

  /** The wall-clock time of this attempt makes its credentials. */
  transportUp(now) { this.core.handleConnected(now, this.clock()); }

  get deviceId() { return this.core.deviceId; }
  get isConnected() { return this.connected; }
  get state() { return this.core.state; }

  handle(e) {
    switch (e.type) {
      case 'connected':
        this.connected = true;
        this.emit('connect', e);
        break;
      case 'connection_lost':
      case 'disconnected':
        this.connected = false;
        if (e.type === 'disconnected' || e.reconnectAt === null) {
          const err = e.error ?? failure('invalid_state', 'the device disconnected');
          for (const w of this.waiting.values()) w.reject(err);
          this.waiting.clear();
        }
        break;
      case 'command':
        this.emit('command', e.command, e);
        if (this.commandHandler) this.answer(e.requestId, this.commandHandler, e.command, (r) => this.core.respondCommand(e.requestId, r),
          (err) => ({ result_code: 1, paras: { error: String(err && err.message ? err.message : err) } }));
        break;
      case 'properties_set':
        this.emit('propertiesSet', e.request, e);
        if (this.setHandler) this.answer(e.requestId, this.setHandler, e.request, (r) => this.core.respondPropertiesSet(e.requestId, r),
          (err) => ({ result_code: 1, result_desc: String(err && err.message ? err.message : err) }));
        break;
      case 'properties_get':
        this.emit('propertiesGet', e.request, e);
        if (this.getHandler) this.answer(e.requestId, this.getHandler, e.request, (r) => this.core.respondPropertiesGet(e.requestId, r), null);
        break;
      case 'message_down':
        this.emit('message', e.payload, e);
        break;
      case 'message':
        this.emit('publish', e.topic, e.payload, e);
        break;
      case 'shadow':
        if (e.answers) this.settle(e.answers.id, e.response, null);
        this.emit('shadow', e.response, e);
        break;
      case 'system':
        if (e.answers) this.settle(e.answers.id, e, null);
        this.emit('system', e);
        break;
      case 'request_timeout':
        this.settle(e.id, null, failure('request', `request ${e.id} (${e.kind}) timed out`));
        break;
      case 'upstream_failed':
        for (const r of e.requests) this.settle(r.id, null, e.error);
        if (this.listenerCount('upstreamFailed') > 0) this.emit('upstreamFailed', e);
        break;
      case 'bad_input':
        if (this.listenerCount('badInput') > 0) this.emit('badInput', e);
        break;
      default:
        break;
    }
  }

  /** Calls `handler(request, requestId)` and sends its answer (a rejected handler sends
   * `onError(err)` when given). */
  async answer(requestId, handler, request, reply, onError) {
    let response;
    try {
      response = await handler(request, requestId);
    } catch (err) {
      if (!onError) {
        if (this.listenerCount('error') > 0) this.emit('error', err);
        return;
      }
      response = onError(err);
    }
    if (this.stopped) return;
    try {
      reply(response ?? {});
    } catch (err) {
      if (this.listenerCount('error') > 0) this.emit('error', err);
    }
    this.schedule();
  }

  settle(id, value, err) {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    if (err) w.reject(err); else w.resolve(value);
  }

  wait(id) {
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  /** Answers platform commands: `handler(command, requestId)` returns (or resolves to) the
   * response `{result_code, response_name?, paras?}`; a thrown error answers result_code 1. */
  onCommand(handler) { this.commandHandler = handler; return this; }
  /** Answers property-set requests with `{result_code, result_desc?}`. */
  onPropertiesSet(handler) { this.setHandler = handler; return this; }
  /** Answers property-get requests with a properties report `{services: […]}`. */
  onPropertiesGet(handler) { this.getHandler = handler; return this; }

  /** Reports properties: a report `{services: […]}` or the services array. Queued and paced by
   * the core; throws its error (`invalid_payload`, `queue_full`, …) at once. */
  reportProperties(report, options) {
    this.core.reportProperties(Array.isArray(report) ? { services: report } : report, options ?? null);
    this.schedule();
  }

  /** Sends a device message (`messages/up`). */
  sendMessage(payload, options) {
    this.core.sendMessage(typeof payload === 'string' || payload instanceof Uint8Array ? payload : JSON.stringify(payload), options ?? null);
    this.schedule();
  }

  /** Reports a system event `{service_id, event_type, paras}`; resolves with the platform's
   * answer (a `system` event) when IoTDA answers such events, else at once with `null`. */
  reportEvent(event) {
    let id;
    try { id = this.core.reportEvent(event); } catch (err) { return Promise.reject(err); }
    this.schedule();
    return id === null ? Promise.resolve(null) : this.wait(id);
  }

  /** Asks for the device shadow; resolves with the platform's answer. */
  getShadow(serviceId, objectDeviceId) {
    let id;
    try { id = this.core.getShadow(serviceId ?? null, objectDeviceId ?? null); } catch (err) { return Promise.reject(err); }
    this.schedule();
    return this.wait(id);
  }

  /** Asks the platform's time; resolves with the `system` event of its answer. */
  requestTimeSync() {
    let id;
    try { id = this.core.requestTimeSync(this.clock()); } catch (err) { return Promise.reject(err); }
    this.schedule();
    return this.wait(id);
  }

  /** Publishes on a custom topic. */
  publish(topic, payload, options = {}) {
    this.core.publish(topic, payload ?? null, options.qos ?? 0, options.retain ?? false);
    this.schedule();
  }

  /** Subscribes to a custom topic filter (messages arrive as `publish` events). */
  subscribe(filter, options = {}) {
    const id = this.core.subscribe(filter, options.qos ?? 0);
    this.schedule();
    return id;
  }
}

/** Starts a device: `connectDevice({url, auth, …})`. */
function connectDevice(options) {
  const d = new IotdaClient({ ...options });
  d.start();
  return d;
}

module.exports = { IotdaClient, connectDevice };
