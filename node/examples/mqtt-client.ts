// A plain MQTT 5.0 client over TCP (or `mqtts://`, `ws://`, `wss://`): subscribe, publish at
// QoS 1, read messages with the async iterator, then end the session.
import { connect, type ClientEvent } from 'iotmqtt'

async function main(): Promise<void> {
  const client = connect(process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883', {
    clientId: 'example-client',
    protocol: '5',
    keepAlive: 30,
    credentials: async (attempt) => ({ username: 'user', password: `token-${attempt}` }),
  })
  client.on('message', (topic, payload) => console.log(topic, payload.toString()))
  const granted = await client.subscribe('sensors/#', { qos: 1 })
  console.log('granted', granted.reasons)
  const ack = await client.publish('sensors/1', JSON.stringify({ t: 21.5 }), { qos: 1 })
  console.log('acked', ack?.packetId)
  let seen = 0
  for await (const event of client as AsyncIterable<ClientEvent>) {
    if (event.type === 'message' && ++seen === 1) break
  }
  await client.end()
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
