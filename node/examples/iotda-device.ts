// A Huawei Cloud IoTDA device: reports properties and answers commands. Against the local
// emulator: `iotmqtt emulator --port 1883 --http 8080`, then run this with the device's secret.
import { connectDevice, type DeviceEvent } from 'iotmqtt'

async function main(): Promise<void> {
  const device = connectDevice({
    url: process.env.IOTDA_URL ?? 'mqtt://127.0.0.1:1883',
    auth: { kind: 'secret', deviceId: process.env.IOTDA_DEVICE ?? 'product_node1', secret: process.env.IOTDA_SECRET ?? 'secret' },
    keepAlive: 120,
  })
  device.onCommand(async (command) => {
    if (command.command_name === 'reboot') return { result_code: 0, response_name: 'reboot', paras: { in: 5 } }
    return { result_code: 1 }
  })
  device.on('connect', () => {
    device.reportProperties([{ service_id: 'Battery', properties: { level: 87 } }])
  })
  for await (const event of device as AsyncIterable<DeviceEvent>) {
    if (event.type === 'connection_lost') console.log('lost:', event.error.code, 'retry at', event.reconnectAt)
    if (event.type === 'command') console.log('command', event.requestId)
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
