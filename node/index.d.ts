/* iotmqtt: type definitions. The declarations down to the generated section are written by
   hand (plain data shapes and the socket driver in lib/); `npm install` appends the declarations
   napi-rs generates from the Rust binding below them (scripts/build.js). */

/** MQTT protocol version. */
export type ProtocolVersion = '3.1.1' | '5'
/** Quality of service. */
export type QoS = 0 | 1 | 2
/** The client session's lifecycle state. */
export type ClientState = 'idle' | 'waiting_for_transport' | 'awaiting_credentials' | 'awaiting_connack' | 'connected' | 'backoff'

/** What every error the core reports carries (thrown, or in `connection_lost`). */
export interface IotmqttError extends Error {
  /** The stable core code, e.g. `queue_full`, `topic_wildcard`, `connect_refused`. */
  code: string
  /** Who is to blame. */
  kind: 'malformed' | 'protocol' | 'usage' | 'timeout'
  /** The MQTT 5 reason code that reports it. */
  reasonCode: number
  /** For a malformed packet: the offset of the offending byte. */
  offset?: number
}

/** MQTT 5.0 properties, one key per property present. Binary values are `Buffer`s when read
 * (strings or `Uint8Array`s are accepted as input). */
export interface Properties {
  payloadFormatIndicator?: boolean
  messageExpiryInterval?: number
  contentType?: string
  responseTopic?: string
  correlationData?: Uint8Array | string
  subscriptionIdentifiers?: number[]
  sessionExpiryInterval?: number
  assignedClientIdentifier?: string
  serverKeepAlive?: number
  authenticationMethod?: string
  authenticationData?: Uint8Array | string
  requestProblemInformation?: boolean
  willDelayInterval?: number
  requestResponseInformation?: boolean
  responseInformation?: string
  serverReference?: string
  reasonString?: string
  receiveMaximum?: number
  topicAliasMaximum?: number
  topicAlias?: number
  maximumQos?: number
  retainAvailable?: boolean
  userProperties?: Array<[string, string]>
  maximumPacketSize?: number
  wildcardSubscriptionAvailable?: boolean
  subscriptionIdentifierAvailable?: boolean
  sharedSubscriptionAvailable?: boolean
}

/** One subscription of a SUBSCRIBE. */
export interface SubscriptionInput {
  filter: string
  qos?: QoS
  noLocal?: boolean
  retainAsPublished?: boolean
  retainHandling?: 0 | 1 | 2
}
/** A subscription as decoded. */
export interface SubscriptionView extends Required<SubscriptionInput> {}

/** A Will as decoded. */
export interface WillView { qos: QoS; retain: boolean; properties: Properties; topic: string; payload: Buffer }

export interface ConnectPacket { type: 'connect'; protocol: ProtocolVersion; cleanStart: boolean; keepAlive: number; properties: Properties; clientId: string; will: WillView | null; username: string | null; password: Buffer | null }
export interface ConnackPacket { type: 'connack'; sessionPresent: boolean; reason: number; properties: Properties }
export interface PublishPacket { type: 'publish'; dup: boolean; qos: QoS; retain: boolean; topic: string; packetId: number | null; properties: Properties; payload: Buffer }
export interface AckPacket { type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'; packetId: number; reason: number; properties: Properties }
export interface SubscribePacket { type: 'subscribe'; packetId: number; properties: Properties; subscriptions: SubscriptionView[] }
export interface SubackPacket { type: 'suback'; packetId: number; properties: Properties; reasons: number[] }
export interface UnsubscribePacket { type: 'unsubscribe'; packetId: number; properties: Properties; filters: string[] }
export interface UnsubackPacket { type: 'unsuback'; packetId: number; properties: Properties; reasons: number[] }
export interface PingPacket { type: 'pingreq' | 'pingresp' }
export interface DisconnectPacket { type: 'disconnect'; reason: number; properties: Properties }
export interface AuthPacket { type: 'auth'; reason: number; properties: Properties }
/** Any MQTT control packet, as `decode` returns it. */
export type Packet = ConnectPacket | ConnackPacket | PublishPacket | AckPacket | SubscribePacket | SubackPacket
  | UnsubscribePacket | UnsubackPacket | PingPacket | DisconnectPacket | AuthPacket
/** A packet for `encode`: the decoded shape, with optional fields left out (defaults: false, 0,
 * no properties) and bytes as `Uint8Array` or string. */
export type PacketInput = { type: Packet['type'] } & Record<string, unknown>

/** The result of `decode`. */
export interface Decoded {
  /** The packet, or `null` when the input holds only part of one. */
  packet: Packet | null
  /** Bytes the packet used. */
  length: number
  /** For a partial packet: more bytes needed (exactly when `exact`, else at least). */
  needed: number | null
  exact: boolean | null
}

/** Settings of a `Client` (the core's `ClientConfig`; defaults are the core's). */
export interface ClientConfig {
  clientId?: string
  protocol?: ProtocolVersion
  keepAlive?: number
  pingTimeoutMs?: number | null
  cleanStart?: boolean
  sessionExpiry?: number
  /** `none` (default), `ask_each_time` (a `credentials_needed` event before each CONNECT), or
   * fixed ones. */
  credentials?: 'none' | 'ask_each_time' | { username?: string | null; password?: string | Uint8Array | null }
  will?: { topic: string; payload?: string | Uint8Array; qos?: QoS; retain?: boolean; properties?: Properties } | null
  receiveMaximum?: number
  maximumPacketSize?: number
  topicAliasMaximum?: number
  outgoingTopicAliases?: number
  connackTimeoutMs?: number
  /** `false` turns reconnecting off; an object tunes it. */
  reconnect?: boolean | ReconnectPolicy
  maxQueuedMessages?: number
  maxQueuedBytes?: number
  maxInflight?: number
  maxSubscriptions?: number
  maxEvents?: number
  manualAck?: boolean
  persistence?: boolean
  authMethod?: string | null
  authData?: string | Uint8Array | null
  connectProperties?: Properties
}

/** Reconnection: delay before attempt n is min(max, min·2ⁿ) with equal jitter. */
export interface ReconnectPolicy {
  enabled?: boolean
  minDelayMs?: number
  maxDelayMs?: number
  jitterSeed?: number
  stableAfterMs?: number
  resubscribe?: boolean
  requeue?: 'resend' | 'drop'
  /**
   * CONNACK refusals (reason codes; a 3.1.1 return code by its 5.0 equivalent) that end the
   * reconnects instead of retrying. Default `[0x84, 0x86, 0x87, 0x8A]`; `[]` retries every refusal.
   */
  stopOn?: number[]
}

export interface ConnectedEvent {
  type: 'connected'; sessionPresent: boolean; keepAlive: number; serverKeepAlive: number | null
  sessionExpiry: number; assignedClientId: string | null; receiveMaximum: number
  maximumPacketSize: number | null; topicAliasMaximum: number; maximumQos: QoS
  retainAvailable: boolean; wildcardSubscriptionAvailable: boolean
  subscriptionIdentifiersAvailable: boolean; sharedSubscriptionAvailable: boolean
  reasonString: string | null; responseInformation: string | null; serverReference: string | null
  authenticationData: Buffer | null; userProperties: Array<[string, string]>; properties: Properties
}
export interface MessageEvent {
  type: 'message'; topic: string; payload: Buffer; qos: QoS; retain: boolean; dup: boolean
  packetId: number | null; properties: Properties
  /** In manual-ack mode: pass to `ack` once the message is stored. */
  ackToken: number | null
}
export interface ConnectionLostEvent {
  type: 'connection_lost'; error: IotmqttError; reasonString: string | null
  serverReference: string | null; userProperties: Array<[string, string]>
  /** When the client asks for a new transport (`reconnect_due`), or `null`: no reconnect. */
  reconnectAt: number | null
}
/** What `Client.pollEvent` returns. */
export type ClientEvent =
  | { type: 'credentials_needed' }
  | { type: 'auth_challenge'; method: string; data: Buffer | null; properties: Properties }
  | { type: 'reauthenticated'; properties: Properties }
  | ConnectedEvent
  | MessageEvent
  | { type: 'publish_acked' | 'publish_completed'; packetId: number; reason: number; properties: Properties }
  | { type: 'publish_dropped'; packetId: number | null; reason: 'session_lost' | 'packet_too_large' | 'qos_not_supported' | 'retain_not_supported' | 'invalid' }
  | { type: 'request_dropped'; packetId: number; reason: 'packet_too_large' }
  | { type: 'subscribed'; packetId: number; reasons: number[]; properties: Properties; resubscribe: boolean }
  | { type: 'unsubscribed'; packetId: number; reasons: number[]; properties: Properties }
  | ConnectionLostEvent
  | { type: 'disconnected' }
  | { type: 'reconnect_due'; attempt: number }
  | { type: 'persist_required' }
  | { type: 'messages_dropped'; count: number }
  | { type: 'unknown' }

/** An IoTDA identity. */
export interface DeviceAuth {
  kind: 'secret' | 'bridge' | 'bootstrap_group_secret' | 'bootstrap_certificate' | 'certificate'
  /** The device id (the bridge id for `bridge`). */
  deviceId: string
  secret?: string
  /** Base64 registration-group secret. */
  groupSecret?: string
  scopeId?: string
  /** 0 (HMAC-SHA256, default), 1 (HMAC-SHA256, timestamp checked), 2 (HMAC-SM3). */
  sigType?: 0 | 1 | 2
}

/** Settings of an `IotdaDevice` (the core's `DeviceConfig`; defaults are the core's). */
export interface DeviceConfig {
  auth: DeviceAuth
  protocol?: ProtocolVersion
  /** Seconds; IoTDA accepts 30 to 1,200 (default 120). */
  keepAlive?: number
  upstreamQos?: 0 | 1
  subscribeDownstreamQos1?: boolean
  /** Provision through the bootstrap endpoint first. */
  bootstrap?: { baseStrategyKeyword?: string } | null
  maxMessagesPerSec?: number
  maxBytesPerSec?: number
  maxQueuedMessages?: number
  maxQueuedBytes?: number
  requestTimeoutMs?: number
  maxPendingRequests?: number
  requestIdSeed?: number
  connackTimeoutMs?: number
  reconnect?: boolean | ReconnectPolicy
  maxEvents?: number
}

/** IoTDA JSON payloads keep IoTDA's own (snake_case) field names. */
export interface CommandResponsePayload { result_code?: number; response_name?: string; paras?: Record<string, unknown> }
export interface PropertiesSetResponsePayload { result_code?: number; result_desc?: string }
export interface ServicePropertiesPayload { service_id: string; properties: Record<string, unknown>; event_time?: string }
export interface PropertiesReportPayload { services: ServicePropertiesPayload[] }
export interface EventsMessagePayload { object_device_id?: string; services: Array<{ service_id: string; event_type: string; event_time?: string; event_id?: string; paras?: unknown }> }
/** A request the device made and waits for. */
export interface PendingRequest { kind: 'shadow' | 'time_sync' | 'add_sub_devices' | 'delete_sub_devices' | 'sub_device_status' | 'upload_url' | 'download_url' | 'bootstrap'; id: string }

/** What `IotdaDevice.pollEvent` returns: the device's own events, or a client event. */
export type DeviceEvent =
  | { type: 'command'; requestId: string; command: { object_device_id?: string; service_id?: string; command_name?: string; paras?: any } }
  | { type: 'properties_set'; requestId: string; request: any }
  | { type: 'properties_get'; requestId: string; request: any }
  | { type: 'shadow'; requestId: string; response: any; answers: PendingRequest | null }
  | { type: 'message_down'; payload: Buffer; message: any | null }
  | { type: 'system'; objectDeviceId: string | null; eventId: string | null; eventTime: string | null; serviceId: string; eventType: string; paras: any; answers: PendingRequest | null }
  | { type: 'bootstrapped'; address: string; initConfig: any | null; secretChanged: boolean }
  | { type: 'bootstrap_failed'; failure: any }
  | { type: 'request_timeout'; kind: PendingRequest['kind']; id: string }
  | { type: 'bad_input'; topic: string; requestId: string | null; problem: 'unknown_topic' | 'other_device' | 'unexpected_topic' | 'unexpected_bootstrap' | 'payload'; error: IotmqttError | null }
  | { type: 'upstream_failed'; topic: string; error: IotmqttError; requests: PendingRequest[] }
  | ClientEvent

/** An IoTDA topic, as `iotda.parseTopic` returns it. */
export interface TopicView {
  type: 'device' | 'bridge' | 'user' | 'm2m' | 'legacy' | 'custom' | 'unknown'
  deviceId?: string
  bridgeId?: string
  /** The system topic, snake_case (`command`, `properties_report`, …). */
  sys?: string
  requestId?: string
  suffix?: 'none' | 'gzip' | 'request_id'
  name?: string
  to?: string
  from?: string
  legacy?: 'data_json' | 'data_binary' | 'command_json' | 'command_binary'
  topic?: string
  direction: 'up' | 'down' | 'both' | null
}
/** A topic for `iotda.buildTopic` (`direction` is not needed). */
export type TopicInput = Omit<TopicView, 'direction'> & { direction?: TopicView['direction'] }
/** Names of the payload schemas (see `iotda.payloadKinds()`). */
export type PayloadKind = string

export * from './lib/driver'
export * from './lib/device'

/* ---- generated by napi-rs from bindings/node ---- */

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

/**
 * A sans-IO MQTT 3.1.1/5.0 client session. No socket, clock or timer: the driver feeds bytes
 * and time in (`handleConnected`, `handleBytes`, `handleTimeout`, `handleClosed`) and polls
 * bytes, the next deadline and events out, in that order (`pollTransmit`, `pollTimeout`,
 * `pollEvents`), until all are empty. Taking a QoS 1/2 message event queues its
 * acknowledgement, so poll transmit again after taking events. Commands return at once;
 * misuse throws an `Error` with `kind: "usage"` and changes nothing.
 */
export declare class Client {
  /** A client with `config` (never fails; `connect` reports an invalid config). */
  constructor(config: ClientConfig)
  /**
   * Checks a configuration without making a client; throws `invalid_config` naming the
   * first bad setting.
   */
  static validateConfig(config: ClientConfig): void
  /**
   * The lifecycle state: `idle`, `waiting_for_transport`, `awaiting_credentials`,
   * `awaiting_connack`, `connected` or `backoff`.
   */
  get state(): ClientState
  /** True once CONNACK accepted the connection. */
  get isConnected(): boolean
  /** The Client Identifier in use (the server's assigned one once known). */
  get clientId(): string
  /** What the client holds right now. */
  get stats(): ClientStats
  /** Packet identifiers of the QoS 1/2 messages in flight, oldest first. */
  inflightIds(): Array<number>
  /** Starts connecting: the client waits for the driver to open a transport. */
  connect(): void
  /** Ends the session: queues DISCONNECT when connected, then goes idle. */
  disconnect(): void
  /** Answers `credentials_needed`: the user name and password of this attempt. */
  setCredentials(username?: string | null, password?: string | Uint8Array | null): void
  /** Sets the Client Identifier of the next CONNECT (e.g. one carrying the time). */
  setClientId(clientId: string): void
  /** Queues a PUBLISH; returns its packet identifier (`null` at QoS 0). */
  publish(topic: string, payload?: string | Uint8Array | null, qos?: QoS, retain?: boolean, properties?: Properties | null): number | null
  /** Queues a SUBSCRIBE; returns its packet identifier. */
  subscribe(subscriptions: SubscriptionInput[], properties?: Properties | null): number
  /** Queues an UNSUBSCRIBE; returns its packet identifier. */
  unsubscribe(filters: string[], properties?: Properties | null): number
  /** Acknowledges a message in manual-ack mode, by the `ackToken` of its `message` event. */
  ack(token: number): void
  /** Answers an `auth_challenge` (5.0 enhanced authentication). */
  authContinue(data: string | Uint8Array): void
  /** Starts a re-authentication (5.0). */
  reauthenticate(data: string | Uint8Array): void
  /** The session state as bytes (persistence: store them before sending what follows). */
  snapshot(): Buffer
  /** Restores a session saved by `snapshot` into this (new) client. */
  restore(snapshot: Uint8Array): void
  /** The transport is open (time `now` in ms). */
  handleConnected(now: number): void
  /** Bytes from the transport, in any split. */
  handleBytes(now: number, bytes: Uint8Array): void
  /** The deadline of `pollTimeout` passed (early or repeated calls are harmless). */
  handleTimeout(now: number): void
  /** The transport closed. */
  handleClosed(now: number): void
  /** Every byte ready to send, whole packets joined in one `Buffer`; `null` when none. */
  pollTransmit(now: number): Buffer | null
  /** The next deadline in ms (call `handleTimeout` then), or `null`. */
  pollTimeout(): number | null
  /** The next event, or `null`. */
  pollEvent(): ClientEvent | null
  /** Every pending event at once (at most `max` when given), oldest first. */
  pollEvents(max?: number | undefined | null): ClientEvent[]
}

/**
 * A streaming decoder: push chunks of a byte stream in any split, get whole packets back. It
 * keeps at most one partial packet (bounded by `maxPacketSize`).
 */
export declare class Decoder {
  /** A decoder for a connection of `version`. */
  constructor(version: ProtocolVersion, options?: DecodeOptions)
  /**
   * The packets completed by `chunk`, in order. After a malformed packet (thrown) the
   * decoder is reset: a stream cannot be resynchronised.
   */
  push(chunk: Uint8Array): Packet[]
  /** Bytes held of a packet not yet complete. */
  get buffered(): number
  /** Drops any partial packet. */
  reset(): void
  /**
   * The batched form of `push` that `node/lib/codec.js` turns into packet objects:
   * `[descriptors, carry, objects, consumed]`. A packet that began in an earlier chunk is
   * decoded from `carry`, a copy of its bytes (descriptor source 1); the others are offsets
   * into `chunk` (source 0).
   */
  pushRaw(chunk: Uint8Array): [Uint32Array, Buffer | null, Packet[], number]
}

/**
 * A Huawei Cloud IoTDA device, sans-IO: the MQTT client session plus IoTDA's rules (fresh
 * credentials per attempt from the UTC time given to `handleConnected`, pacing of upstream
 * messages, typed downstream requests, request correlation). Driven exactly like `Client`.
 */
export declare class IotdaDevice {
  /** A device with `config` (never fails; `connect` reports an invalid config). */
  constructor(config: DeviceConfig)
  /** Checks a device configuration against IoTDA's rules without making a device. */
  static validateConfig(config: DeviceConfig): void
  /** The device id. */
  get deviceId(): string
  /** The client session's state (as `Client.state`). */
  get state(): ClientState
  /** True once CONNACK accepted the connection. */
  get isConnected(): boolean
  /** True while provisioning through the bootstrap endpoint. */
  get isBootstrapping(): boolean
  /** Upstream messages waiting for the pacing window or a connection. */
  get queuedUpstream(): number
  /** Their bytes. */
  get queuedUpstreamBytes(): number
  /** Device requests waiting for the platform's answer. */
  get pendingRequests(): number
  /** Starts connecting. */
  connect(): void
  /** Ends the session. */
  disconnect(): void
  /**
   * The transport is open at `now` (ms); `utc` is the wall-clock time (a
   * `YYYY-MM-DDTHH:MM:SSZ` string, a `Date` or Unix milliseconds) the ClientId and password
   * of this attempt are made from.
   */
  handleConnected(now: number, utc: string | number | Date): void
  /** Bytes from the transport. */
  handleBytes(now: number, bytes: Uint8Array): void
  /** The deadline of `pollTimeout` passed. */
  handleTimeout(now: number): void
  /** The transport closed. */
  handleClosed(now: number): void
  /** Every byte ready to send now (paced), joined; `null` when none. */
  pollTransmit(now: number): Buffer | null
  /** The next deadline in ms, or `null`. */
  pollTimeout(): number | null
  /** The next event, or `null`. */
  pollEvent(): DeviceEvent | null
  /** Every pending event at once (at most `max`), oldest first. */
  pollEvents(max?: number | undefined | null): DeviceEvent[]
  /** Answers a `command` event (`{result_code, response_name?, paras?}`). */
  respondCommand(requestId: string, response: CommandResponsePayload): void
  /** Answers a `properties_set` event (`{result_code, result_desc?}`). */
  respondPropertiesSet(requestId: string, response: PropertiesSetResponsePayload): void
  /** Answers a `properties_get` event with a properties report (`{services: […]}`). */
  respondPropertiesGet(requestId: string, response: PropertiesReportPayload): void
  /** Reports properties (`{services: [{service_id, properties, event_time?}]}`). */
  reportProperties(report: PropertiesReportPayload, options?: ReportOptions): void
  /** Sends a device message (`messages/up`), any bytes. */
  sendMessage(payload: string | Uint8Array, options?: ReportOptions): void
  /**
   * Reports one system event (`{service_id, event_type, paras}`); returns the id of the
   * request when the platform answers it, else `null`.
   */
  reportEvent(event: { service_id: string; event_type: string; paras?: any }): string | null
  /**
   * Reports an `events/up` envelope (`{object_device_id?, services: […]}`); returns the ids
   * of the answered events, in order.
   */
  reportEvents(message: EventsMessagePayload): Array<string>
  /** Asks for the device shadow; returns the request id its `shadow` event answers. */
  getShadow(serviceId?: string | undefined | null, objectDeviceId?: string | undefined | null): string
  /** Asks the platform for its time (NTP-like); `deviceSendTime` in Unix ms. */
  requestTimeSync(deviceSendTime: number): string
  /** Publishes on a custom topic (IoTDA rules checked). */
  publish(topic: string, payload?: string | Uint8Array | null, qos?: QoS, retain?: boolean): void
  /** Subscribes to a custom topic filter; returns the packet identifier. */
  subscribe(filter: string, qos?: QoS): number
  /** Unsubscribes from a custom topic filter; returns the packet identifier. */
  unsubscribe(filter: string): number
  /** A gateway reports its children's properties (`{devices: […]}`, at most 100). */
  reportSubDeviceProperties(report: any): void
  /** A gateway adds children (`{devices: […]}`); returns the request id. */
  addSubDevices(devices: any): string
  /** A gateway deletes children (`{devices: [ids]}`); returns the request id. */
  deleteSubDevices(devices: any): string
  /**
   * A gateway reports its children's statuses (`{device_statuses: […]}`); returns the
   * request id.
   */
  updateSubDeviceStatuses(statuses: any): string
  /** A gateway asks to replay add/delete notifications after `version`. */
  syncSubDevices(version?: number | undefined | null): void
  /** Sends the provisioning request again (while bootstrapping); returns its request id. */
  requestBootstrap(): string
}

/** Counters describing what a client holds right now. */
export interface ClientStats {
  /** Messages waiting to be sent (offline, or for an in-flight slot). */
  queuedMessages: number
  /** QoS 1/2 messages sent and not yet acknowledged. */
  inflight: number
  /** Bytes of queued and in-flight messages. */
  storedBytes: number
  /** Received QoS 1/2 messages not fully acknowledged. */
  incomingUnacked: number
  /** SUBSCRIBE/UNSUBSCRIBE requests awaiting their acknowledgement. */
  pendingRequests: number
  /** Subscriptions remembered for re-subscription. */
  subscriptions: number
  /** Events not yet taken. */
  pendingEvents: number
  /** Encoded bytes waiting for `pollTransmit`. */
  outboxBytes: number
  /** Bytes of a partial packet in the receive buffer. */
  rxBuffered: number
}

/**
 * Decodes the packet at the start of `bytes` for a connection of `version` (`"3.1.1"` or
 * `"5"`). A malformed packet throws an `Error` with `kind: "malformed"`, the violated rule's
 * `code` and the byte `offset`.
 *
 * Returns `{packet, length, needed: null, exact: null}`, or for a partial packet
 * `{packet: null, length: 0, needed, exact}`: `needed` more bytes are needed, exactly when
 * `exact` (the fixed header was complete), else at least.
 */
export declare function decode(bytes: Uint8Array, version: ProtocolVersion, options?: DecodeOptions): Decoded

/**
 * Decodes every whole packet in `chunk` at once (one native call for many packets). The bytes
 * after the last whole packet are left (`consumed` says where they start). A malformed packet
 * throws, with `offset` counted from the start of `chunk`.
 */
export declare function decodeAll(chunk: Uint8Array, version: ProtocolVersion, options?: DecodeOptions): DecodedAll

/**
 * The batched form of [`decode_all`] that `node/lib/codec.js` turns into packet objects:
 * `[descriptors, null, objects, consumed]`, eight `u32` per packet (kind, flags, packet id,
 * topic offset and length, payload offset and length, source). One native call per chunk, and
 * the payloads become views of the chunk instead of copies.
 */
export declare function decodeAllRaw(chunk: Uint8Array, version: ProtocolVersion, options?: DecodeOptions): [Uint32Array, Buffer | null, Packet[], number]

/** Every whole packet in `chunk`, decoded in one call. */
export interface DecodedAll {
  /** The packets, in order. */
  packets: Packet[]
  /** Bytes they used; the rest of `chunk` is the start of a packet still incomplete. */
  consumed: number
}

/** Decoding options. */
export interface DecodeOptions {
  /** The largest whole packet accepted, in bytes (default: the protocol's maximum). */
  maxPacketSize?: number
}

/**
 * Encodes a packet object (as `decode` returns them) for a connection of `version`. A packet
 * that breaks a rule throws (`kind: "usage"`, the rule's `code`).
 */
export declare function encode(packet: Packet | PacketInput, version: ProtocolVersion): Buffer

/** Where a report goes: `suffix` (`none`, `gzip`, `request_id`) and its `requestId`. */
export interface ReportOptions {
  /** `none` (default), `gzip` or `request_id`. */
  suffix?: 'none' | 'gzip' | 'request_id'
  /** The request id, with suffix `request_id`. */
  requestId?: string
}

export declare namespace iotda {
  /** The `bootstrap/down` filter of a device. */
  export function bootstrapFilter(deviceId: string): string
  /** The downstream filters of a bridge. */
  export function bridgeDownstreamFilters(bridgeId: string): Array<string>
  /**
   * The topic name of a topic object (as `parseTopic` returns; `direction` is ignored). A topic
   * that breaks a catalogue rule throws (e.g. `invalid_topic_device_id`).
   */
  export function buildTopic(topic: TopicInput): string
  /** The password for `secret` at a `YYYYMMDDHH` timestamp (HMAC-SHA256, or SM3 for sig type 2). */
  export function computePassword(secret: string, timestamp: string, sigTypeN?: number | undefined | null): string
  /**
   * The ClientId, User Name and Password (`null` for certificate identities) an identity
   * connects with at `utc` (a `YYYY-MM-DDTHH:MM:SSZ` string, a `Date` or Unix milliseconds).
   */
  export function credentials(auth: DeviceAuth, utc: string | number | Date): { clientId: string; username: string; password: string | null }
  /**
   * The device secret an identity signs with: the one given, the one derived from a group
   * secret, or `null` for certificate identities.
   */
  export function deviceSecret(auth: DeviceAuth): string | null
  /** The topic filters a device subscribes to for its downstream system topics. */
  export function downstreamFilters(deviceId: string): Array<string>
  /**
   * Reads a JSON payload of schema `kind` the way IoTDA's peers write it (unknown fields
   * ignored, `null` as absent, numbers sent as strings accepted) and returns it normalised.
   * Bad JSON throws `invalid_json` (with line and column only, never the input).
   */
  export function parsePayload(kind: PayloadKind, payload: string | Uint8Array): any
  /**
   * What an MQTT topic name is in IoTDA's catalogue: `{type: "device", deviceId, sys,
   * requestId?, suffix?, direction}`, `bridge`, `user`, `m2m`, `legacy`, `custom` or `unknown`.
   */
  export function parseTopic(topic: string): TopicView
  /** Unix milliseconds of a `YYYY-MM-DDTHH:MM:SSZ` (or `.sssZ`) time. */
  export function parseUtc(utc: string): number
  /** The payload schemas `parsePayload` and `serializePayload` know, by name. */
  export function payloadKinds(): Array<string>
  /**
   * The exact JSON bytes of a payload object of schema `kind`, after checking IoTDA's
   * documented limits (`invalid_payload` names the one broken).
   */
  export function serializePayload(kind: PayloadKind, value: any): Buffer
}
