'use strict';
// iotmqtt for Node.js: the native core (Client, IotdaDevice, decode/encode, iotda.*) and the
// socket driver over it (lib/).
const native = require('./native.js');
const codec = require('./lib/codec.js');
const driver = require('./lib/driver.js');
const device = require('./lib/device.js');

// `decodeAll` and `Decoder.push` take the batched native path (lib/codec.js); the raw forms
// stay internal.
const { decodeAllRaw, ...api } = native;
module.exports = { ...api, ...codec, ...driver, ...device };
