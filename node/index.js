'use strict';
// iotmqtt for Node.js: the native core (Client, IotdaDevice, decode/encode, iotda.*) and the
// socket driver over it (lib/).
const native = require('./native.js');
const driver = require('./lib/driver.js');
const device = require('./lib/device.js');

module.exports = { ...native, ...driver, ...device };
