package io.iotmqtt

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.node.NullNode
import com.fasterxml.jackson.databind.node.ObjectNode

// The canonical JSON views of tests/README.md §2, built from the binding's records.

fun ByteArray.unsigned(): List<Long> = map { (it.toInt() and 0xff).toLong() }

fun qosNumber(q: QoS): Long = when (q) {
    QoS.AT_MOST_ONCE -> 0
    QoS.AT_LEAST_ONCE -> 1
    QoS.EXACTLY_ONCE -> 2
}

fun qosOf(n: Long, ctx: String): QoS = when (n) {
    0L -> QoS.AT_MOST_ONCE
    1L -> QoS.AT_LEAST_ONCE
    2L -> QoS.EXACTLY_ONCE
    else -> fail("$ctx: QoS $n is not 0, 1 or 2")
}

fun versionOf(s: String, ctx: String): ProtocolVersion = when (s) {
    "3.1.1" -> ProtocolVersion.V311
    "5" -> ProtocolVersion.V5
    else -> fail("$ctx: protocol \"$s\" is not \"3.1.1\" or \"5\"")
}

fun versionName(v: ProtocolVersion): String = if (v == ProtocolVersion.V311) "3.1.1" else "5"

// ---------------------------------------------------------------- properties (README §2.1)

fun propsView(list: List<Property>): ObjectNode {
    val m = obj()
    val users = mutableListOf<JsonNode>()
    val subIds = mutableListOf<JsonNode>()
    for (p in list) {
        when (p) {
            is Property.PayloadFormatIndicator -> m.set<JsonNode>("payload_format_indicator", bool(p.value))
            is Property.MessageExpiryInterval -> m.put("message_expiry_interval", p.value.toLong())
            is Property.ContentType -> m.put("content_type", p.value)
            is Property.ResponseTopic -> m.put("response_topic", p.value)
            is Property.CorrelationData -> m.put("correlation_data_hex", hex(p.value))
            is Property.SubscriptionIdentifier -> subIds.add(num(p.value.toLong()))
            is Property.SessionExpiryInterval -> m.put("session_expiry_interval", p.value.toLong())
            is Property.AssignedClientIdentifier -> m.put("assigned_client_identifier", p.value)
            is Property.ServerKeepAlive -> m.put("server_keep_alive", p.value.toLong())
            is Property.AuthenticationMethod -> m.put("authentication_method", p.value)
            is Property.AuthenticationData -> m.put("authentication_data_hex", hex(p.value))
            is Property.RequestProblemInformation -> m.put("request_problem_information", p.value)
            is Property.WillDelayInterval -> m.put("will_delay_interval", p.value.toLong())
            is Property.RequestResponseInformation -> m.put("request_response_information", p.value)
            is Property.ResponseInformation -> m.put("response_information", p.value)
            is Property.ServerReference -> m.put("server_reference", p.value)
            is Property.ReasonString -> m.put("reason_string", p.value)
            is Property.ReceiveMaximum -> m.put("receive_maximum", p.value.toLong())
            is Property.TopicAliasMaximum -> m.put("topic_alias_maximum", p.value.toLong())
            is Property.TopicAlias -> m.put("topic_alias", p.value.toLong())
            is Property.MaximumQos -> m.put("maximum_qos", qosNumber(p.value))
            is Property.RetainAvailable -> m.put("retain_available", p.value)
            is Property.UserProperty -> users.add(arr(listOf(text(p.name), text(p.value))))
            is Property.MaximumPacketSize -> m.put("maximum_packet_size", p.value.toLong())
            is Property.WildcardSubscriptionAvailable -> m.put("wildcard_subscription_available", p.value)
            is Property.SubscriptionIdentifierAvailable -> m.put("subscription_identifier_available", p.value)
            is Property.SharedSubscriptionAvailable -> m.put("shared_subscription_available", p.value)
        }
    }
    if (users.isNotEmpty()) m.set<JsonNode>("user_properties", arr(users))
    if (subIds.isNotEmpty()) m.set<JsonNode>("subscription_identifiers", arr(subIds))
    return m
}

private enum class PType { BOOL, INT, STR, BYTES }

/** Identifier, value type, largest value and constructor of every property but the two lists. */
private class PropSpec(val id: Int, val type: PType, val max: Long, val make: (Any) -> Property)

private val U32 = 0xFFFF_FFFFL
private val U16 = 0xFFFFL

private val PROPERTIES: Map<String, PropSpec> = mapOf(
    "payload_format_indicator" to PropSpec(0x01, PType.BOOL, 0) { Property.PayloadFormatIndicator(it as Boolean) },
    "message_expiry_interval" to PropSpec(0x02, PType.INT, U32) { Property.MessageExpiryInterval((it as Long).toUInt()) },
    "content_type" to PropSpec(0x03, PType.STR, 0) { Property.ContentType(it as String) },
    "response_topic" to PropSpec(0x08, PType.STR, 0) { Property.ResponseTopic(it as String) },
    "correlation_data" to PropSpec(0x09, PType.BYTES, 0) { Property.CorrelationData(it as ByteArray) },
    "session_expiry_interval" to PropSpec(0x11, PType.INT, U32) { Property.SessionExpiryInterval((it as Long).toUInt()) },
    "assigned_client_identifier" to PropSpec(0x12, PType.STR, 0) { Property.AssignedClientIdentifier(it as String) },
    "server_keep_alive" to PropSpec(0x13, PType.INT, U16) { Property.ServerKeepAlive((it as Long).toUShort()) },
    "authentication_method" to PropSpec(0x15, PType.STR, 0) { Property.AuthenticationMethod(it as String) },
    "authentication_data" to PropSpec(0x16, PType.BYTES, 0) { Property.AuthenticationData(it as ByteArray) },
    "request_problem_information" to PropSpec(0x17, PType.BOOL, 0) { Property.RequestProblemInformation(it as Boolean) },
    "will_delay_interval" to PropSpec(0x18, PType.INT, U32) { Property.WillDelayInterval((it as Long).toUInt()) },
    "request_response_information" to PropSpec(0x19, PType.BOOL, 0) { Property.RequestResponseInformation(it as Boolean) },
    "response_information" to PropSpec(0x1A, PType.STR, 0) { Property.ResponseInformation(it as String) },
    "server_reference" to PropSpec(0x1C, PType.STR, 0) { Property.ServerReference(it as String) },
    "reason_string" to PropSpec(0x1F, PType.STR, 0) { Property.ReasonString(it as String) },
    "receive_maximum" to PropSpec(0x21, PType.INT, U16) { Property.ReceiveMaximum((it as Long).toUShort()) },
    "topic_alias_maximum" to PropSpec(0x22, PType.INT, U16) { Property.TopicAliasMaximum((it as Long).toUShort()) },
    "topic_alias" to PropSpec(0x23, PType.INT, U16) { Property.TopicAlias((it as Long).toUShort()) },
    "maximum_qos" to PropSpec(0x24, PType.INT, 2) { Property.MaximumQos(qosOf(it as Long, "maximum_qos")) },
    "retain_available" to PropSpec(0x25, PType.BOOL, 0) { Property.RetainAvailable(it as Boolean) },
    "maximum_packet_size" to PropSpec(0x27, PType.INT, U32) { Property.MaximumPacketSize((it as Long).toUInt()) },
    "wildcard_subscription_available" to PropSpec(0x28, PType.BOOL, 0) { Property.WildcardSubscriptionAvailable(it as Boolean) },
    "subscription_identifier_available" to PropSpec(0x29, PType.BOOL, 0) { Property.SubscriptionIdentifierAvailable(it as Boolean) },
    "shared_subscription_available" to PropSpec(0x2A, PType.BOOL, 0) { Property.SharedSubscriptionAvailable(it as Boolean) },
)

private const val SUBSCRIPTION_IDENTIFIER = 0x0B
private const val USER_PROPERTY = 0x26

/** Properties read from a view, in ascending identifier order (README §2.1, input order). */
fun propsIn(v: JsonNode?, ctx: String): List<Property> {
    if (v == null) return emptyList()
    if (!v.isObject) fail("$ctx: properties must be an object")
    val out = mutableListOf<Pair<Int, Property>>()
    val seen = mutableSetOf<String>()
    for ((k, value) in v.fields()) {
        val p = "$ctx.$k"
        if (k == "user_properties") {
            if (!value.isArray) fail("$p: an array")
            for (pair in value) {
                if (!pair.isArray || pair.size() != 2 || !pair[0].isTextual || !pair[1].isTextual) {
                    fail("$p: pairs of two strings")
                }
                out.add(USER_PROPERTY to Property.UserProperty(pair[0].textValue(), pair[1].textValue()))
            }
            continue
        }
        if (k == "subscription_identifiers") {
            if (!value.isArray) fail("$p: an array")
            for (id in value) {
                if (!id.canConvertToLong() || !id.isIntegralNumber || id.longValue() !in 0..U32) fail("$p: integers")
                out.add(SUBSCRIPTION_IDENTIFIER to Property.SubscriptionIdentifier(id.longValue().toUInt()))
            }
            continue
        }
        val isHex = k.endsWith("_hex")
        val base = k.removeSuffix("_hex")
        val spec = PROPERTIES[base] ?: fail("$ctx: unknown property \"$k\"")
        if (!seen.add(base)) fail("$ctx: a property given as text and as hex")
        val arg: Any = when {
            spec.type == PType.BOOL && value.isBoolean && !isHex -> value.booleanValue()
            spec.type == PType.INT && value.isIntegralNumber && !isHex -> {
                val n = value.longValue()
                if (n < 0 || n > spec.max) fail("$p: $n is out of range")
                n
            }
            spec.type == PType.STR && value.isTextual && !isHex -> value.textValue()
            spec.type == PType.BYTES && value.isTextual ->
                if (isHex) unhex(value.textValue()) else value.textValue().toByteArray(Charsets.UTF_8)
            else -> fail("$p: wrong type")
        }
        out.add(spec.id to spec.make(arg))
    }
    return out.sortedBy { it.first }.map { it.second }
}

// ---------------------------------------------------------------- packets (README §2.2)

private fun ack(type: String, id: UShort, reason: UByte, props: List<Property>): ObjectNode = obj().apply {
    put("type", type)
    put("packet_id", id.toLong())
    put("reason", reason.toLong())
    set<JsonNode>("properties", propsView(props))
}

fun packetView(p: Packet): ObjectNode = when (p) {
    is Packet.Connect -> obj().apply {
        put("type", "connect")
        put("protocol", versionName(p.protocol))
        put("clean_start", p.cleanStart)
        put("keep_alive", p.keepAlive.toLong())
        set<JsonNode>("properties", propsView(p.properties))
        put("client_id", p.clientId)
        set<JsonNode>("will", p.will?.let { w ->
            obj().apply {
                put("qos", qosNumber(w.qos))
                put("retain", w.retain)
                set<JsonNode>("properties", propsView(w.properties))
                put("topic", w.topic)
                put("payload_hex", hex(w.payload))
            }
        } ?: NullNode.instance)
        set<JsonNode>("username", text(p.username))
        set<JsonNode>("password_hex", hexNode(p.password))
    }
    is Packet.Connack -> obj().apply {
        put("type", "connack")
        put("session_present", p.sessionPresent)
        put("reason", p.reason.toLong())
        set<JsonNode>("properties", propsView(p.properties))
    }
    is Packet.Publish -> obj().apply {
        put("type", "publish")
        put("dup", p.dup)
        put("qos", qosNumber(p.qos))
        put("retain", p.retain)
        put("topic", p.topic)
        set<JsonNode>("packet_id", num(p.packetId?.toLong()))
        set<JsonNode>("properties", propsView(p.properties))
        put("payload_hex", hex(p.payload))
    }
    is Packet.PubAck -> ack("puback", p.packetId, p.reason, p.properties)
    is Packet.PubRec -> ack("pubrec", p.packetId, p.reason, p.properties)
    is Packet.PubRel -> ack("pubrel", p.packetId, p.reason, p.properties)
    is Packet.PubComp -> ack("pubcomp", p.packetId, p.reason, p.properties)
    is Packet.Subscribe -> obj().apply {
        put("type", "subscribe")
        put("packet_id", p.packetId.toLong())
        set<JsonNode>("properties", propsView(p.properties))
        set<JsonNode>("subscriptions", arr(p.subscriptions.map { s ->
            obj().apply {
                put("filter", s.filter)
                put("qos", qosNumber(s.qos))
                put("no_local", s.noLocal)
                put("retain_as_published", s.retainAsPublished)
                put("retain_handling", retainHandlingNumber(s.retainHandling))
            }
        }))
    }
    is Packet.SubAck -> obj().apply {
        put("type", "suback")
        put("packet_id", p.packetId.toLong())
        set<JsonNode>("properties", propsView(p.properties))
        set<JsonNode>("reasons", arr(p.reasons.unsigned().map { num(it) }))
    }
    is Packet.Unsubscribe -> obj().apply {
        put("type", "unsubscribe")
        put("packet_id", p.packetId.toLong())
        set<JsonNode>("properties", propsView(p.properties))
        set<JsonNode>("filters", arr(p.filters.map { text(it) }))
    }
    is Packet.UnsubAck -> obj().apply {
        put("type", "unsuback")
        put("packet_id", p.packetId.toLong())
        set<JsonNode>("properties", propsView(p.properties))
        set<JsonNode>("reasons", arr(p.reasons.unsigned().map { num(it) }))
    }
    is Packet.PingReq -> obj().put("type", "pingreq")
    is Packet.PingResp -> obj().put("type", "pingresp")
    is Packet.Disconnect -> obj().apply {
        put("type", "disconnect")
        put("reason", p.reason.toLong())
        set<JsonNode>("properties", propsView(p.properties))
    }
    is Packet.Auth -> obj().apply {
        put("type", "auth")
        put("reason", p.reason.toLong())
        set<JsonNode>("properties", propsView(p.properties))
    }
}

fun retainHandlingNumber(r: RetainHandling): Long = when (r) {
    RetainHandling.SEND_AT_SUBSCRIBE -> 0
    RetainHandling.SEND_IF_NEW -> 1
    RetainHandling.DO_NOT_SEND -> 2
}

// ---------------------------------------------------------------- errors and events (§2.3, §2.4)

fun kindName(k: ErrorKind): String = when (k) {
    ErrorKind.MALFORMED -> "malformed"
    ErrorKind.PROTOCOL -> "protocol"
    ErrorKind.USAGE -> "usage"
    ErrorKind.TIMEOUT -> "timeout"
}

fun errorView(e: IotMqttException): ObjectNode {
    val (kind, code, reason) = when (e) {
        is IotMqttException.Malformed -> Triple("malformed", e.code, e.reasonCode)
        is IotMqttException.Protocol -> Triple("protocol", e.code, e.reasonCode)
        is IotMqttException.Usage -> Triple("usage", e.code, e.reasonCode)
        is IotMqttException.Timeout -> Triple("timeout", e.code, e.reasonCode)
    }
    return obj().put("kind", kind).put("code", code).put("reason_code", reason.toLong())
}

fun errorInfoView(e: ErrorInfo): ObjectNode =
    obj().put("kind", kindName(e.kind)).put("code", e.code).put("reason_code", e.reasonCode.toLong())

private fun usersView(list: List<UserProperty>): JsonNode = arr(list.map { arr(listOf(text(it.name), text(it.value))) })

fun dropReasonName(r: DropReason): String = when (r) {
    is DropReason.SessionLost -> "session_lost"
    is DropReason.PacketTooLarge -> "packet_too_large"
    is DropReason.QosNotSupported -> "qos_not_supported"
    is DropReason.RetainNotSupported -> "retain_not_supported"
    is DropReason.Invalid -> "invalid"
}

fun eventView(e: Event): ObjectNode = when (e) {
    is Event.CredentialsNeeded -> obj().put("type", "credentials_needed")
    is Event.AuthChallenge -> obj().apply {
        put("type", "auth_challenge")
        put("method", e.method)
        set<JsonNode>("data_hex", hexNode(e.data))
        set<JsonNode>("properties", propsView(e.properties))
    }
    is Event.Reauthenticated -> obj().apply {
        put("type", "reauthenticated")
        set<JsonNode>("properties", propsView(e.properties))
    }
    is Event.Connected -> obj().apply {
        val i = e.info
        put("type", "connected")
        put("session_present", i.sessionPresent)
        put("keep_alive", i.keepAlive.toLong())
        set<JsonNode>("server_keep_alive", num(i.serverKeepAlive?.toLong()))
        put("session_expiry", i.sessionExpiry.toLong())
        set<JsonNode>("assigned_client_id", text(i.assignedClientId))
        put("receive_maximum", i.receiveMaximum.toLong())
        set<JsonNode>("maximum_packet_size", num(i.maximumPacketSize?.toLong()))
        put("topic_alias_maximum", i.topicAliasMaximum.toLong())
        put("maximum_qos", qosNumber(i.maximumQos))
        put("retain_available", i.retainAvailable)
        put("wildcard_subscription_available", i.wildcardSubscriptionAvailable)
        put("subscription_identifiers_available", i.subscriptionIdentifiersAvailable)
        put("shared_subscription_available", i.sharedSubscriptionAvailable)
        set<JsonNode>("reason_string", text(i.reasonString))
        set<JsonNode>("response_information", text(i.responseInformation))
        set<JsonNode>("server_reference", text(i.serverReference))
        set<JsonNode>("authentication_data_hex", hexNode(i.authenticationData))
        set<JsonNode>("user_properties", usersView(i.userProperties))
        set<JsonNode>("properties", propsView(i.properties))
    }
    is Event.Message -> obj().apply {
        val m = e.message
        put("type", "message")
        put("topic", m.topic)
        put("payload_hex", hex(m.payload))
        put("qos", qosNumber(m.qos))
        put("retain", m.retain)
        put("dup", m.dup)
        set<JsonNode>("packet_id", num(m.packetId?.toLong()))
        set<JsonNode>("properties", propsView(m.properties))
    }
    is Event.PublishAcked -> ack("publish_acked", e.packetId, e.reason, e.properties)
    is Event.PublishCompleted -> ack("publish_completed", e.packetId, e.reason, e.properties)
    is Event.PublishDropped -> obj().apply {
        put("type", "publish_dropped")
        set<JsonNode>("packet_id", num(e.packetId?.toLong()))
        put("reason", dropReasonName(e.reason))
    }
    is Event.RequestDropped -> obj().apply {
        put("type", "request_dropped")
        put("packet_id", e.packetId.toLong())
        put("reason", dropReasonName(e.reason))
    }
    is Event.Subscribed -> obj().apply {
        put("type", "subscribed")
        put("packet_id", e.packetId.toLong())
        set<JsonNode>("reasons", arr(e.reasons.unsigned().map { num(it) }))
        set<JsonNode>("properties", propsView(e.properties))
        put("resubscribe", e.resubscribe)
    }
    is Event.Unsubscribed -> obj().apply {
        put("type", "unsubscribed")
        put("packet_id", e.packetId.toLong())
        set<JsonNode>("reasons", arr(e.reasons.unsigned().map { num(it) }))
        set<JsonNode>("properties", propsView(e.properties))
    }
    is Event.ConnectionLost -> obj().apply {
        val l = e.info
        put("type", "connection_lost")
        set<JsonNode>("error", errorInfoView(l.error))
        set<JsonNode>("reason_string", text(l.reasonString))
        set<JsonNode>("server_reference", text(l.serverReference))
        set<JsonNode>("user_properties", usersView(l.userProperties))
        set<JsonNode>("reconnect_at", num(l.reconnectAt?.toLong()))
    }
    is Event.Disconnected -> obj().put("type", "disconnected")
    is Event.ReconnectDue -> obj().put("type", "reconnect_due").put("attempt", e.attempt.toLong())
    is Event.PersistRequired -> obj().put("type", "persist_required")
    is Event.MessagesDropped -> obj().put("type", "messages_dropped").put("count", e.count.toLong())
    is Event.Other -> fail("event without a view: ${e.description}")
}

fun stateName(s: ClientState): String = when (s) {
    ClientState.IDLE -> "idle"
    ClientState.WAITING_FOR_TRANSPORT -> "waiting_for_transport"
    ClientState.AWAITING_CREDENTIALS -> "awaiting_credentials"
    ClientState.AWAITING_CONNACK -> "awaiting_connack"
    ClientState.CONNECTED -> "connected"
    ClientState.BACKOFF -> "backoff"
}

// ---------------------------------------------------------------- device events (README §7.3)

fun requestKindName(k: RequestKind): String = when (k) {
    RequestKind.SHADOW -> "shadow"
    RequestKind.TIME_SYNC -> "time_sync"
    RequestKind.ADD_SUB_DEVICES -> "add_sub_devices"
    RequestKind.DELETE_SUB_DEVICES -> "delete_sub_devices"
    RequestKind.SUB_DEVICE_STATUS -> "sub_device_status"
    RequestKind.UPLOAD_URL -> "upload_url"
    RequestKind.DOWNLOAD_URL -> "download_url"
    RequestKind.BOOTSTRAP -> "bootstrap"
    RequestKind.OTHER -> fail("request kind without a name")
}

fun pendingView(p: PendingRequest?): JsonNode =
    if (p == null) NullNode.instance else obj().put("kind", requestKindName(p.kind)).put("id", p.id)

fun deviceEventView(e: DeviceEvent): ObjectNode = when (e) {
    is DeviceEvent.Mqtt -> eventView(e.event)
    is DeviceEvent.Command -> obj().apply {
        put("type", "command")
        put("request_id", e.requestId)
        set<JsonNode>("command", parseJson(commandRequestToJson(e.command)))
    }
    is DeviceEvent.PropertiesSet -> obj().apply {
        put("type", "properties_set")
        put("request_id", e.requestId)
        set<JsonNode>("request", parseJson(propertiesSetRequestToJson(e.request)))
    }
    is DeviceEvent.PropertiesGet -> obj().apply {
        put("type", "properties_get")
        put("request_id", e.requestId)
        set<JsonNode>("request", parseJson(propertiesGetRequestToJson(e.request)))
    }
    is DeviceEvent.Shadow -> obj().apply {
        put("type", "shadow")
        put("request_id", e.requestId)
        set<JsonNode>("response", parseJson(shadowGetResponseToJson(e.response)))
        set<JsonNode>("answers", pendingView(e.answers))
    }
    is DeviceEvent.MessageDown -> obj().apply {
        put("type", "message_down")
        put("payload_hex", hex(e.payload))
        set<JsonNode>("message", e.message?.let { parseJson(deviceMessageToJson(it)) } ?: NullNode.instance)
    }
    is DeviceEvent.System -> obj().apply {
        put("type", "system")
        set<JsonNode>("object_device_id", text(e.objectDeviceId))
        set<JsonNode>("event_id", text(e.eventId))
        set<JsonNode>("event_time", text(e.eventTime))
        put("service_id", e.event.serviceId)
        put("event_type", e.event.eventType)
        set<JsonNode>("paras", parseJson(e.event.parasJson))
        set<JsonNode>("answers", pendingView(e.answers))
    }
    is DeviceEvent.Bootstrapped -> obj().apply {
        put("type", "bootstrapped")
        put("address", e.address)
        set<JsonNode>("init_config", e.initConfigJson?.let { parseJson(it) } ?: NullNode.instance)
        put("secret_changed", e.secretChanged)
    }
    is DeviceEvent.BootstrapFailed -> obj().apply {
        put("type", "bootstrap_failed")
        set<JsonNode>("failure", parseJson(bootstrapFailureToJson(e.failure)))
    }
    is DeviceEvent.RequestTimeout -> obj().apply {
        put("type", "request_timeout")
        put("kind", requestKindName(e.request.kind))
        put("id", e.request.id)
    }
    is DeviceEvent.BadInput -> obj().apply {
        val (problem, error) = when (val p = e.problem) {
            is InputProblem.UnknownTopic -> "unknown_topic" to NullNode.instance
            is InputProblem.OtherDevice -> "other_device" to NullNode.instance
            is InputProblem.UnexpectedTopic -> "unexpected_topic" to NullNode.instance
            is InputProblem.UnexpectedBootstrap -> "unexpected_bootstrap" to NullNode.instance
            is InputProblem.Payload -> "payload" to errorInfoView(p.error)
            is InputProblem.Other -> fail("input problem without a name: ${p.description}")
        }
        put("type", "bad_input")
        put("topic", e.topic)
        set<JsonNode>("request_id", text(e.requestId))
        put("problem", problem)
        set<JsonNode>("error", error)
    }
    is DeviceEvent.UpstreamFailed -> obj().apply {
        put("type", "upstream_failed")
        put("topic", e.topic)
        set<JsonNode>("error", errorInfoView(e.error))
        set<JsonNode>("requests", arr(e.requests.map { pendingView(it) }))
    }
    is DeviceEvent.Other -> fail("device event without a view: ${e.description}")
}

// ---------------------------------------------------------------- topics (README §2.5)

private val LEGACY = listOf(
    "data_json" to LegacyTopic.DATA_JSON,
    "data_binary" to LegacyTopic.DATA_BINARY,
    "command_json" to LegacyTopic.COMMAND_JSON,
    "command_binary" to LegacyTopic.COMMAND_BINARY,
)

private fun suffixView(m: ObjectNode, s: ReportSuffix) {
    when (s) {
        is ReportSuffix.Plain -> m.put("suffix", "none")
        is ReportSuffix.Gzip -> m.put("suffix", "gzip")
        is ReportSuffix.RequestId -> m.put("suffix", "request_id").put("request_id", s.requestId)
    }
}

private fun sysView(m: ObjectNode, t: SysTopic) {
    fun rid(name: String, r: String) {
        m.put("sys", name).put("request_id", r)
    }
    when (t) {
        is SysTopic.MessagesUp -> m.put("sys", "messages_up").also { suffixView(m, t.suffix) }
        is SysTopic.PropertiesReport -> m.put("sys", "properties_report").also { suffixView(m, t.suffix) }
        is SysTopic.GatewayPropertiesReport -> m.put("sys", "gateway_properties_report").also { suffixView(m, t.suffix) }
        is SysTopic.MessagesDown -> m.put("sys", "messages_down")
        is SysTopic.PropertiesSet -> rid("properties_set", t.requestId)
        is SysTopic.PropertiesSetResponse -> rid("properties_set_response", t.requestId)
        is SysTopic.PropertiesGet -> rid("properties_get", t.requestId)
        is SysTopic.PropertiesGetResponse -> rid("properties_get_response", t.requestId)
        is SysTopic.Command -> rid("command", t.requestId)
        is SysTopic.CommandResponse -> rid("command_response", t.requestId)
        is SysTopic.ShadowGet -> rid("shadow_get", t.requestId)
        is SysTopic.ShadowGetResponse -> rid("shadow_get_response", t.requestId)
        is SysTopic.EventsUp -> m.put("sys", "events_up")
        is SysTopic.EventsDown -> m.put("sys", "events_down")
        is SysTopic.BootstrapUp -> m.put("sys", "bootstrap_up")
        is SysTopic.BootstrapDown -> m.put("sys", "bootstrap_down")
        is SysTopic.SubDeviceMessagesUp -> m.put("sys", "sub_device_messages_up")
        is SysTopic.Login -> rid("login", t.requestId)
        is SysTopic.LoginResponse -> rid("login_response", t.requestId)
        is SysTopic.Logout -> rid("logout", t.requestId)
        is SysTopic.LogoutResponse -> rid("logout_response", t.requestId)
        is SysTopic.ResetSecret -> rid("reset_secret", t.requestId)
        is SysTopic.ResetSecretResponse -> rid("reset_secret_response", t.requestId)
        is SysTopic.Disconnect -> m.put("sys", "disconnect")
    }
}

fun topicView(t: Topic): ObjectNode {
    val m = obj()
    when (t) {
        is Topic.Device -> {
            m.put("type", "device").put("device_id", t.deviceId)
            sysView(m, t.topic)
        }
        is Topic.Bridge -> {
            m.put("type", "bridge").put("bridge_id", t.bridgeId).put("device_id", t.deviceId)
            sysView(m, t.topic)
        }
        is Topic.User -> m.put("type", "user").put("device_id", t.deviceId).put("name", t.name)
        is Topic.M2m -> m.put("type", "m2m").put("to", t.to).put("from", t.from).put("request_id", t.requestId)
        is Topic.Legacy -> m.put("type", "legacy").put("device_id", t.deviceId)
            .put("legacy", LEGACY.first { it.second == t.legacy }.first)
        is Topic.Custom -> m.put("type", "custom").put("topic", t.topic)
        is Topic.Unknown -> m.put("type", "unknown").put("topic", t.topic)
    }
    m.set<JsonNode>(
        "direction",
        when (topicDirection(t)) {
            Direction.UP -> text("up")
            Direction.DOWN -> text("down")
            Direction.BOTH -> text("both")
            null -> NullNode.instance
        },
    )
    return m
}

private fun suffixFrom(name: String, rid: String?, suffix: String?): ReportSuffix = when (suffix ?: "none") {
    "none" -> if (rid == null) ReportSuffix.Plain else fail("$name: suffix none with request_id")
    "gzip" -> if (rid == null) ReportSuffix.Gzip else fail("$name: suffix gzip with request_id")
    "request_id" -> ReportSuffix.RequestId(rid ?: fail("$name: suffix request_id needs request_id"))
    else -> fail("$name: suffix \"$suffix\"")
}

private fun sysFrom(name: String, rid: String?, suffix: String?): SysTopic {
    fun plain(t: SysTopic): SysTopic {
        if (rid != null || suffix != null) fail("$name takes neither request_id nor suffix")
        return t
    }
    fun withRid(f: (String) -> SysTopic): SysTopic {
        if (suffix != null) fail("$name takes no suffix")
        return f(rid ?: fail("$name needs request_id"))
    }
    return when (name) {
        "messages_up" -> SysTopic.MessagesUp(suffixFrom(name, rid, suffix))
        "properties_report" -> SysTopic.PropertiesReport(suffixFrom(name, rid, suffix))
        "gateway_properties_report" -> SysTopic.GatewayPropertiesReport(suffixFrom(name, rid, suffix))
        "messages_down" -> plain(SysTopic.MessagesDown)
        "events_up" -> plain(SysTopic.EventsUp)
        "events_down" -> plain(SysTopic.EventsDown)
        "bootstrap_up" -> plain(SysTopic.BootstrapUp)
        "bootstrap_down" -> plain(SysTopic.BootstrapDown)
        "sub_device_messages_up" -> plain(SysTopic.SubDeviceMessagesUp)
        "disconnect" -> plain(SysTopic.Disconnect)
        "properties_set" -> withRid { SysTopic.PropertiesSet(it) }
        "properties_set_response" -> withRid { SysTopic.PropertiesSetResponse(it) }
        "properties_get" -> withRid { SysTopic.PropertiesGet(it) }
        "properties_get_response" -> withRid { SysTopic.PropertiesGetResponse(it) }
        "command" -> withRid { SysTopic.Command(it) }
        "command_response" -> withRid { SysTopic.CommandResponse(it) }
        "shadow_get" -> withRid { SysTopic.ShadowGet(it) }
        "shadow_get_response" -> withRid { SysTopic.ShadowGetResponse(it) }
        "login" -> withRid { SysTopic.Login(it) }
        "login_response" -> withRid { SysTopic.LoginResponse(it) }
        "logout" -> withRid { SysTopic.Logout(it) }
        "logout_response" -> withRid { SysTopic.LogoutResponse(it) }
        "reset_secret" -> withRid { SysTopic.ResetSecret(it) }
        "reset_secret_response" -> withRid { SysTopic.ResetSecretResponse(it) }
        else -> fail("unknown sys topic \"$name\"")
    }
}

/** The topic of a `build` case (a topic view without `direction`). */
fun topicFrom(v: JsonNode): Topic {
    val ctx = "build"
    val ty = v.get("type")?.takeIf { it.isTextual }?.textValue() ?: fail("build: a string field \"type\"")
    val allowed = when (ty) {
        "device" -> listOf("device_id", "sys", "request_id", "suffix")
        "bridge" -> listOf("bridge_id", "device_id", "sys", "request_id", "suffix")
        "user" -> listOf("device_id", "name")
        "m2m" -> listOf("to", "from", "request_id")
        "legacy" -> listOf("device_id", "legacy")
        "custom", "unknown" -> listOf("topic")
        else -> fail("build: unknown type \"$ty\"")
    }
    val m = fields(v, ctx, allowed + "type")
    fun s(k: String) = m.reqStr(k, ctx)
    return when (ty) {
        "device" -> Topic.Device(s("device_id"), sysFrom(s("sys"), m.optStr("request_id", ctx), m.optStr("suffix", ctx)))
        "bridge" -> Topic.Bridge(
            s("bridge_id"),
            s("device_id"),
            sysFrom(s("sys"), m.optStr("request_id", ctx), m.optStr("suffix", ctx)),
        )
        "user" -> Topic.User(s("device_id"), s("name"))
        "m2m" -> Topic.M2m(s("to"), s("from"), s("request_id"))
        "legacy" -> {
            val name = s("legacy")
            Topic.Legacy(s("device_id"), LEGACY.firstOrNull { it.first == name }?.second ?: fail("unknown legacy topic \"$name\""))
        }
        "custom" -> Topic.Custom(s("topic"))
        else -> Topic.Unknown(s("topic"))
    }
}
