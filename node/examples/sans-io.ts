// The sans-IO core by hand: a client session driven with bytes and time, no socket.
// Type-checked by `make node-test` (tsc --noEmit); run with a TypeScript runner of your choice.
import { Client, decode, encode, iotda, type ClientEvent, type IotmqttError } from 'iotmqtt'

const client = new Client({ clientId: 'example-1', protocol: '5', keepAlive: 30 })
client.connect()
client.handleConnected(0)
const connect: Buffer | null = client.pollTransmit(0)
if (connect !== null) {
  const d = decode(connect, '5')
  if (d.packet?.type === 'connect') console.log('CONNECT for', d.packet.clientId)
}
// The server's CONNACK, made with the same codec.
client.handleBytes(5, encode({ type: 'connack', sessionPresent: false, reason: 0 }, '5'))
for (const event of client.pollEvents() as ClientEvent[]) {
  if (event.type === 'connected') console.log('connected, keep-alive', event.keepAlive)
}
const id: number | null = client.publish('sensors/1', JSON.stringify({ t: 21.5 }), 1)
console.log('publish queued with packet id', id, client.pollTransmit(10)?.length, 'bytes to send')
try {
  client.publish('bad/+/topic', 'x')
} catch (e) {
  const err = e as IotmqttError
  console.log(err.kind, err.code, err.reasonCode)
}
const creds = iotda.credentials({ kind: 'secret', deviceId: 'dev_1', secret: 's3cret' }, new Date())
console.log(creds.clientId, creds.username)
console.log(iotda.parseTopic('$oc/devices/dev_1/sys/commands/request_id=7'))
