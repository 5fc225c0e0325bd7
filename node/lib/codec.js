'use strict';
// The batched decoding path: the native side decodes a whole chunk in one call and describes
// each PUBLISH without properties by offsets (eight u32 per packet: kind | ascii << 8, flags,
// packet id, topic offset, topic length, payload offset, payload length, source); this file
// only turns those numbers into the same packet objects `decode` returns, with the payload a
// view of the input (no copy) and the topic read straight from it. Every other packet arrives
// as a ready object. No byte is interpreted here: the core validated all of them.
const native = require('../native.js');

const latin1 = Buffer.prototype.latin1Slice;
const utf8 = Buffer.prototype.utf8Slice;

/** Packet objects from `[descriptors, carry, objects]` of a native batch over `chunk`. */
function packets(chunk, raw) {
  const d = raw[0];
  const carry = raw[1];
  const objects = raw[2];
  const n = d.length >>> 3;
  const out = new Array(n);
  let k = 0;
  for (let i = 0, j = 0; j < n; i += 8, j++) {
    const kind = d[i];
    if ((kind & 0xff) !== 0) { out[j] = objects[k++]; continue; }
    const src = d[i + 7] === 0 ? chunk : carry;
    const flags = d[i + 1];
    const id = d[i + 2];
    const ts = d[i + 3];
    const ps = d[i + 5];
    out[j] = {
      type: 'publish',
      dup: (flags & 8) !== 0,
      qos: (flags >>> 1) & 3,
      retain: (flags & 1) !== 0,
      topic: (kind & 0x100) !== 0 ? latin1.call(src, ts, ts + d[i + 4]) : utf8.call(src, ts, ts + d[i + 4]),
      packetId: id === 0 ? null : id,
      properties: {},
      payload: src.subarray(ps, ps + d[i + 6]),
    };
  }
  return out;
}

/** A `Buffer` over the same memory as `bytes` (so `subarray` gives Buffers). */
function asBuffer(bytes) {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Every whole packet of `chunk`, decoded in one native call; payloads share the chunk's memory.
 * @returns {{packets: object[], consumed: number}}
 */
function decodeAll(chunk, version, options) {
  const buf = asBuffer(chunk);
  const raw = native.decodeAllRaw(buf, version, options);
  return { packets: packets(buf, raw), consumed: raw[3] };
}

const NativeDecoder = native.Decoder;

/**
 * The packets completed by `chunk` (one native call per chunk; payloads are views of `chunk`,
 * or of a copy for a packet that began in an earlier chunk).
 */
function push(chunk) {
  const buf = asBuffer(chunk);
  return packets(buf, this.pushRaw(buf));
}
NativeDecoder.prototype.push = push;

module.exports = { decodeAll, Decoder: NativeDecoder };
