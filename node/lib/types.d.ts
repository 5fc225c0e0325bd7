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
