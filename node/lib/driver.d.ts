/* The socket driver: MqttClient over TCP, TLS or WebSocket (lib/driver.js, lib/loop.js). */
import { EventEmitter } from 'node:events'
import type { ClientConfig, ClientEvent, ClientState, ConnectedEvent, IotmqttError, MessageEvent, Properties, QoS, SubscriptionInput } from '../index'

/** TLS settings: PEM contents or file paths. */
export interface TlsOptions {
  ca?: string | Buffer | Array<string | Buffer>
  caFile?: string
  cert?: string | Buffer
  certFile?: string
  key?: string | Buffer
  keyFile?: string
  passphrase?: string
  /** Server name for SNI and the certificate check (default: the host name). */
  servername?: string
  rejectUnauthorized?: boolean
  ALPNProtocols?: string[]
}

/** Where and how to connect. */
export interface TransportOptions {
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://` URL; or give `transport`, `host`, `port`, `path`. */
  url?: string
  transport?: 'tcp' | 'tls' | 'ws' | 'wss'
  host?: string
  port?: number
  /** WebSocket path (default `/mqtt`). */
  path?: string
  tls?: TlsOptions
  /** Extra options for the `ws` package. */
  wsOptions?: Record<string, unknown>
  /** Events an async iterator may hold before it fails with `queue_full` (default 4,096). */
  iteratorBacklog?: number
}

/** Credentials for one connection attempt (asked before every CONNECT). */
export interface Login {
  username?: string | null
  password?: string | Uint8Array | null
  /** A Client Identifier for this attempt (e.g. one that carries the time). */
  clientId?: string
}

export interface MqttClientOptions extends TransportOptions, Omit<ClientConfig, 'credentials'> {
  /** Fixed credentials, or a callback asked before every attempt (`attempt` counts from 1). */
  credentials?: ClientConfig['credentials'] | ((attempt: number) => Login | Promise<Login>)
  username?: string
  password?: string | Uint8Array
  /** Persistence mode: called with every snapshot to store before output continues. */
  onPersist?: (snapshot: Buffer) => void
}

export interface PublishOptions { qos?: QoS; retain?: boolean; properties?: Properties }
export interface SubscribeOptions { qos?: QoS; noLocal?: boolean; retainAsPublished?: boolean; retainHandling?: 0 | 1 | 2; properties?: Properties }
export type AckEvent = Extract<ClientEvent, { type: 'publish_acked' | 'publish_completed' }>
export type SubscribedEvent = Extract<ClientEvent, { type: 'subscribed' }>
export type UnsubscribedEvent = Extract<ClientEvent, { type: 'unsubscribed' }>

/** The loop every driver shares: events, the async iterator, end/destroy. */
export declare class DriverLoop<E> extends EventEmitter implements AsyncIterable<E> {
  /** Ends the session: DISCONNECT, then the transport closes; resolves once idle. */
  end(): Promise<void>
  /** Drops the connection at once without DISCONNECT. */
  destroy(): void
  [Symbol.asyncIterator](): AsyncIterator<E>
  on(event: 'event', listener: (e: E) => void): this
  on(event: 'close', listener: (error: IotmqttError) => void): this
  on(event: 'reconnect', listener: (attempt: number) => void): this
  on(event: 'error', listener: (error: Error) => void): this
  on(event: 'end', listener: () => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

/** An MQTT client over a socket, driven by the core's `Client`. */
export declare class MqttClient extends DriverLoop<ClientEvent> {
  constructor(options: MqttClientOptions)
  /** Begins connecting (`connect()` calls it). */
  start(): void
  readonly isConnected: boolean
  readonly state: ClientState
  readonly stats: import('../index').ClientStats
  /** Resolves at QoS 0 with `null` once queued, at QoS 1/2 with the acknowledgement event. */
  publish(topic: string, payload?: string | Uint8Array | null, options?: PublishOptions): Promise<AckEvent | null>
  subscribe(filters: string | string[] | SubscriptionInput[], options?: SubscribeOptions): Promise<SubscribedEvent>
  unsubscribe(filters: string | string[], options?: { properties?: Properties }): Promise<UnsubscribedEvent>
  ack(token: number): void
  on(event: 'connect', listener: (e: ConnectedEvent) => void): this
  on(event: 'message', listener: (topic: string, payload: Buffer, e: MessageEvent) => void): this
  on(event: 'event', listener: (e: ClientEvent) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

/** Starts a client. */
export declare function connect(url: string, options?: MqttClientOptions): MqttClient
export declare function connect(options: MqttClientOptions): MqttClient
