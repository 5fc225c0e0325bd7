/* The high-level IoTDA device over a socket (lib/device.js). */
import type { ConnectedEvent, DeviceConfig, DeviceEvent, CommandResponsePayload, PropertiesReportPayload, PropertiesSetResponsePayload, ServicePropertiesPayload, QoS } from '../index'
import type { DriverLoop, TransportOptions } from './driver'

export interface IotdaClientOptions extends TransportOptions, DeviceConfig {
  /** The wall-clock time (Unix ms) each attempt's credentials are made from (default `Date.now`). */
  clock?: () => number
}

export type CommandEvent = Extract<DeviceEvent, { type: 'command' }>
export type SystemEvent = Extract<DeviceEvent, { type: 'system' }>

/** A Huawei Cloud IoTDA device over a socket, driven by the core's `IotdaDevice`. */
export declare class IotdaClient extends DriverLoop<DeviceEvent> {
  constructor(options: IotdaClientOptions)
  start(): void
  readonly deviceId: string
  readonly isConnected: boolean
  readonly state: import('../index').ClientState
  /** Answers platform commands with what `handler` returns (a thrown error answers result_code 1). */
  onCommand(handler: (command: CommandEvent['command'], requestId: string) => CommandResponsePayload | Promise<CommandResponsePayload>): this
  onPropertiesSet(handler: (request: any, requestId: string) => PropertiesSetResponsePayload | Promise<PropertiesSetResponsePayload>): this
  onPropertiesGet(handler: (request: any, requestId: string) => PropertiesReportPayload | Promise<PropertiesReportPayload>): this
  /** Queues a property report (paced by the core); throws the core's error at once. */
  reportProperties(report: PropertiesReportPayload | ServicePropertiesPayload[], options?: { suffix?: 'none' | 'gzip' | 'request_id'; requestId?: string }): void
  sendMessage(payload: string | Uint8Array | object, options?: { suffix?: 'none' | 'gzip' | 'request_id'; requestId?: string }): void
  reportEvent(event: { service_id: string; event_type: string; paras?: unknown }): Promise<SystemEvent | null>
  getShadow(serviceId?: string | null, objectDeviceId?: string | null): Promise<any>
  requestTimeSync(): Promise<SystemEvent>
  publish(topic: string, payload?: string | Uint8Array | null, options?: { qos?: QoS; retain?: boolean }): void
  subscribe(filter: string, options?: { qos?: QoS }): number
  on(event: 'connect', listener: (e: ConnectedEvent) => void): this
  on(event: 'command', listener: (command: CommandEvent['command'], e: CommandEvent) => void): this
  on(event: 'message', listener: (payload: Buffer, e: Extract<DeviceEvent, { type: 'message_down' }>) => void): this
  on(event: 'system', listener: (e: SystemEvent) => void): this
  on(event: 'event', listener: (e: DeviceEvent) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

/** Starts a device. */
export declare function connectDevice(options: IotdaClientOptions): IotdaClient
