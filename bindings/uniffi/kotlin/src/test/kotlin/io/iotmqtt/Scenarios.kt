package io.iotmqtt

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.node.ObjectNode
import java.io.File

// Replays the cross-language scenario files (tests/README.md) through the Kotlin binding. Like the
// Rust runner it fails on any kind, op or field it does not know: nothing is skipped.

/** Where the repository is (set by the pom from make kotlin). */
fun repoDir(): File = File(System.getProperty("iotmqtt.repo") ?: error("-Diotmqtt.repo is not set")).canonicalFile

fun scenarioDir(): File = File(repoDir(), "tests")

fun scenarioFiles(): List<File> =
    (scenarioDir().listFiles() ?: error("${scenarioDir()} is not a directory"))
        .filter { it.isFile && it.name.endsWith(".json") }
        .sortedBy { it.name }

/** Runs one scenario, given as parsed JSON, as if it were the file `fileName`. */
fun runScenario(fileName: String, v: JsonNode) {
    val kind = v.get("kind")?.takeIf { it.isTextual }?.textValue() ?: fail("missing string field \"kind\"")
    val extra = when (kind) {
        "codec" -> listOf("version", "max_packet_size", "cases")
        "client" -> listOf("config", "steps")
        "credentials" -> listOf("vectors", "cases")
        "topic" -> listOf("cases")
        "device" -> listOf("config", "steps")
        else -> fail("unknown kind \"$kind\"")
    }
    val m = fields(v, "file", listOf("name", "description", "spec", "kind") + extra)
    val name = m.reqStr("name", "file")
    if (name != fileName.removeSuffix(".json")) fail("name \"$name\" differs from the file name")
    m.reqStr("description", "file")
    val spec = m.req("spec", "file")
    if (!spec.isArray || spec.isEmpty) fail("spec: a non-empty array")
    for (s in spec) {
        if (!s.isTextual) fail("spec: strings")
        if (!validSpecRef(s.textValue())) fail("spec: \"${s.textValue()}\" is neither MQTT-x.y.z[-n] nor IOTDA.md §n")
    }
    when (kind) {
        "codec" -> runCodec(m)
        "client" -> runClient(m)
        "credentials" -> runCredentials(m)
        "device" -> runDevice(m)
        else -> runTopics(m)
    }
}

private val MQTT_REF = Regex("""MQTT-\d+(\.\d+)+(-\d+)?""")
private val IOTDA_REF = Regex("""IOTDA\.md §\d+(\.\d+)*""")

fun validSpecRef(s: String): Boolean = MQTT_REF.matches(s) || IOTDA_REF.matches(s)

private fun cases(m: ObjectNode, ctx: String): JsonNode {
    val c = m.req("cases", ctx)
    if (!c.isArray || c.isEmpty) fail("cases: a non-empty array")
    return c
}

private fun <T> inCase(i: Int, case: JsonNode, origin: String = "", body: () -> T): T =
    try {
        body()
    } catch (e: ScenarioFailure) {
        val name = case.get("name")?.takeIf { it.isTextual }?.textValue() ?: ""
        fail("case $i ($origin\"$name\"): ${e.message}")
    }

// ---------------------------------------------------------------- kind codec (README §3)

private fun runCodec(m: ObjectNode) {
    val version = versionOf(m.reqStr("version", "codec"), "codec")
    val max = m.optLong("max_packet_size", "codec")?.also { if (it > 0xFFFF_FFFFL) fail("max_packet_size out of range") }
    for ((i, case) in cases(m, "codec").withIndex()) {
        inCase(i, case) { codecCase(version, max?.toUInt(), case) }
    }
}

private fun codecCase(version: ProtocolVersion, max: UInt?, case: JsonNode) {
    val c = fields(case, "case", listOf("name", "hex", "expect", "reencode_hex", "expect_error", "expect_incomplete"))
    c.optStr("name", "case")
    val bytes = unhex(c.reqStr("hex", "case"))
    if (listOf("expect", "expect_error", "expect_incomplete").count { c.has(it) } != 1) {
        fail("exactly one of expect, expect_error, expect_incomplete")
    }
    if (c.has("reencode_hex") && !c.has("expect")) fail("reencode_hex needs expect")
    val result: Result<Decoded> = try {
        Result.success(decode(bytes, version, max))
    } catch (e: IotMqttException) {
        Result.failure(e)
    }
    c.get("expect")?.let { exp ->
        val d = result.getOrElse { fail("decode failed: ${it.message}") }
        if (d !is Decoded.Packet) fail("decode: incomplete, ${(d as Decoded.Incomplete).needed} more bytes")
        if (d.len != bytes.size.toULong()) fail("the packet uses ${d.len} of the ${bytes.size} bytes")
        matches(exp, packetView(d.packet), "packet")
        val want = c.get("reencode_hex")?.let { unhex(it.textValue() ?: fail("reencode_hex: a string")) } ?: bytes
        val out = try {
            encode(d.packet, version)
        } catch (e: IotMqttException) {
            fail("re-encode failed: ${e.message}")
        }
        if (!out.contentEquals(want)) fail("re-encoded as ${hex(out)}, expected ${hex(want)}")
        return
    }
    c.get("expect_error")?.let { exp ->
        val e = fields(exp, "expect_error", listOf("violation", "offset"))
        val violation = e.reqStr("violation", "expect_error")
        val offset = e.optLong("offset", "expect_error") ?: fail("expect_error: offset")
        val err = result.exceptionOrNull()
        if (err is IotMqttException.Malformed && err.code == violation && err.offset == offset.toULong()) return
        fail("expected $violation at $offset, got ${err?.message ?: result.getOrNull()}")
    }
    val needed = c.optLong("expect_incomplete", "case") ?: fail("expect_incomplete: an integer")
    val d = result.getOrNull()
    if (d is Decoded.Incomplete && d.needed == needed.toULong()) return
    fail("expected incomplete, $needed more bytes; got ${d ?: result.exceptionOrNull()?.message}")
}

// ---------------------------------------------------------------- kind client (README §4)

private val CLIENT_CONFIG_FIELDS = listOf(
    "client_id", "protocol", "keep_alive", "ping_timeout_ms", "clean_start", "session_expiry", "credentials",
    "username", "password", "password_hex", "will", "receive_maximum", "maximum_packet_size",
    "topic_alias_maximum", "outgoing_topic_aliases", "connack_timeout_ms", "reconnect", "reconnect_min_delay_ms",
    "reconnect_max_delay_ms", "jitter_seed", "stable_after_ms", "resubscribe", "requeue", "max_queued_messages",
    "max_queued_bytes", "max_inflight", "max_subscriptions", "max_events", "manual_ack", "persistence",
    "auth_method", "auth_data_hex", "connect_properties",
)

private const val U16 = 0xFFFFL
private const val U32 = 0xFFFF_FFFFL

fun clientConfig(v: JsonNode): ClientConfig {
    val ctx = "config"
    val m = fields(v, ctx, CLIENT_CONFIG_FIELDS)
    val c = defaultClientConfig(m.reqStr("client_id", ctx))
    m.optStr("protocol", ctx)?.let { c.protocol = versionOf(it, ctx) }
    c.keepAlive = m.int("keep_alive", c.keepAlive.toLong(), ctx, U16).toUShort()
    c.pingTimeoutMs = m.optLong("ping_timeout_ms", ctx)?.toULong()
    c.cleanStart = m.flag("clean_start", c.cleanStart, ctx)
    c.sessionExpiry = m.int("session_expiry", c.sessionExpiry.toLong(), ctx, U32).toUInt()
    val username = m.optStr("username", ctx)
    val password = m.bytesField("password", ctx)
    c.credentials = when (val kind = m.optStr("credentials", ctx) ?: "none") {
        "static" -> ClientCredentials.Static(username, password)
        else -> {
            if (username != null || password != null) fail("$ctx: username/password need credentials \"static\"")
            when (kind) {
                "none" -> ClientCredentials.Anonymous
                "ask_each_time" -> ClientCredentials.AskEachTime
                else -> fail("$ctx: credentials \"$kind\"")
            }
        }
    }
    m.get("will")?.takeIf { !it.isNull }?.let { w ->
        val wctx = "config.will"
        val wm = fields(w, wctx, listOf("topic", "payload", "payload_hex", "qos", "retain", "properties"))
        c.will = WillConfig(
            wm.reqStr("topic", wctx),
            wm.bytesField("payload", wctx) ?: ByteArray(0),
            qosOf(wm.int("qos", 0, wctx), wctx),
            wm.flag("retain", false, wctx),
            propsIn(wm.get("properties"), "config.will.properties"),
        )
    }
    c.receiveMaximum = m.int("receive_maximum", c.receiveMaximum.toLong(), ctx, U16).toUShort()
    c.maximumPacketSize = m.int("maximum_packet_size", c.maximumPacketSize.toLong(), ctx, U32).toUInt()
    c.topicAliasMaximum = m.int("topic_alias_maximum", c.topicAliasMaximum.toLong(), ctx, U16).toUShort()
    c.outgoingTopicAliases = m.int("outgoing_topic_aliases", c.outgoingTopicAliases.toLong(), ctx, U16).toUShort()
    m.optLong("connack_timeout_ms", ctx)?.let { c.connackTimeoutMs = it.toULong() }
    c.reconnect = reconnectPolicy(m, c.reconnect, ctx)
    c.maxQueuedMessages = m.int("max_queued_messages", c.maxQueuedMessages.toLong(), ctx).toULong()
    c.maxQueuedBytes = m.int("max_queued_bytes", c.maxQueuedBytes.toLong(), ctx).toULong()
    c.maxInflight = m.int("max_inflight", c.maxInflight.toLong(), ctx, U16).toUShort()
    c.maxSubscriptions = m.int("max_subscriptions", c.maxSubscriptions.toLong(), ctx).toULong()
    c.maxEvents = m.int("max_events", c.maxEvents.toLong(), ctx).toULong()
    c.manualAck = m.flag("manual_ack", c.manualAck, ctx)
    c.persistence = m.flag("persistence", c.persistence, ctx)
    c.authMethod = m.optStr("auth_method", ctx)
    c.authData = m.optStr("auth_data_hex", ctx)?.let { unhex(it) }
    c.connectProperties = propsIn(m.get("connect_properties"), "config.connect_properties")
    return c
}

private fun reconnectPolicy(m: ObjectNode, r: ReconnectPolicy, ctx: String): ReconnectPolicy {
    val requeue = when (val q = m.optStr("requeue", ctx)) {
        null -> r.requeue
        "resend" -> RequeuePolicy.RESEND
        "drop" -> RequeuePolicy.DROP
        else -> fail("$ctx: requeue \"$q\"")
    }
    return r.copy(
        enabled = m.flag("reconnect", r.enabled, ctx),
        minDelayMs = m.optLong("reconnect_min_delay_ms", ctx)?.toULong() ?: r.minDelayMs,
        maxDelayMs = m.optLong("reconnect_max_delay_ms", ctx)?.toULong() ?: r.maxDelayMs,
        jitterSeed = m.optLong("jitter_seed", ctx)?.toULong() ?: r.jitterSeed,
        stableAfterMs = m.optLong("stable_after_ms", ctx)?.toULong() ?: r.stableAfterMs,
        resubscribe = m.flag("resubscribe", r.resubscribe, ctx),
        requeue = requeue,
    )
}

/** The scenario clock and what the steps remember. */
class Script {
    var clock: Long = 0
    /** Ack tokens of the message events taken, by packet identifier (the latest wins). */
    val tokens = HashMap<Long, ULong>()
    val now: ULong get() = clock.toULong()
}

/** What the common ops of `client` and `device` scenarios drive (README §4.4–4.6). */
interface Target {
    val version: ProtocolVersion
    fun connect()
    fun disconnect()
    fun handleBytes(now: ULong, bytes: ByteArray)
    fun handleTimeout(now: ULong)
    fun handleClosed(now: ULong)
    fun pollTransmit(now: ULong): ByteArray
    fun pollTimeout(): ULong?
    fun state(): ClientState
    /** The view of the next event, remembering the ack token of a message. */
    fun pollEventView(script: Script): ObjectNode?
    /** The fields of a kind-specific op, or null for an unknown op. */
    fun opFields(op: String): List<String>?
    fun runOp(op: String, s: ObjectNode, script: Script)
}

fun remember(e: Event, script: Script) {
    if (e is Event.Message) {
        val id = e.message.packetId
        val token = e.message.ackToken
        if (id != null && token != null) script.tokens[id.toLong()] = token
    }
}

/** Checks a call's outcome against an optional `expect_error`; the value when it succeeded. */
fun <T> outcome(expectError: JsonNode?, call: () -> T): T? {
    val value = try {
        call()
    } catch (e: IotMqttException) {
        if (expectError == null) fail("unexpected error ${errorView(e)} (${e.message})")
        matches(expectError, errorView(e), "error")
        return null
    }
    if (expectError != null) fail("expected error $expectError, the call succeeded")
    return value
}

private fun transmitted(target: Target, now: ULong): ByteArray {
    val out = java.io.ByteArrayOutputStream()
    repeat(100_000) {
        val chunk = target.pollTransmit(now)
        if (chunk.isEmpty()) return out.toByteArray()
        out.write(chunk)
    }
    fail("poll_transmit never ran dry")
}

private fun decodeAll(version: ProtocolVersion, all: ByteArray): List<JsonNode> {
    var rest = all
    val views = mutableListOf<JsonNode>()
    while (rest.isNotEmpty()) {
        val d = try {
            decode(rest, version, null)
        } catch (e: IotMqttException) {
            fail("transmitted bytes do not decode (${e.message}): ${hex(rest)}")
        }
        if (d !is Decoded.Packet) fail("transmitted bytes end in a partial packet: ${hex(rest)}")
        views.add(packetView(d.packet))
        rest = rest.copyOfRange(d.len.toInt(), rest.size)
    }
    return views
}

fun runSteps(target: Target, m: ObjectNode, kind: String) {
    val steps = m.req("steps", kind)
    if (!steps.isArray || steps.isEmpty) fail("steps: a non-empty array")
    val script = Script()
    for ((i, step) in steps.withIndex()) {
        val op = step.get("op")?.takeIf { it.isTextual }?.textValue() ?: "?"
        try {
            runStep(target, script, step)
        } catch (e: ScenarioFailure) {
            fail("step $i ($op): ${e.message}")
        }
    }
    try {
        val left = transmitted(target, script.now)
        if (left.isNotEmpty()) fail("bytes left to transmit: ${hex(left)}")
        target.pollEventView(script)?.let { fail("event left: $it") }
    } catch (e: ScenarioFailure) {
        fail("after the last step: ${e.message}")
    }
}

private fun runStep(target: Target, script: Script, step: JsonNode) {
    val op = (step as? ObjectNode)?.get("op")?.takeIf { it.isTextual }?.textValue()
        ?: fail("a step needs a string field \"op\"")
    val opFields = when (op) {
        "connect", "disconnect" -> listOf("expect_error")
        "timeout", "closed", "expect_no_transmit", "expect_no_event" -> emptyList()
        "receive" -> listOf("hex")
        "expect_transmit" -> listOf("hex", "packets")
        "expect_event" -> listOf("event")
        "expect_timeout" -> listOf("at", "at_least", "at_most")
        "expect_state" -> listOf("state")
        else -> target.opFields(op) ?: fail("unknown op \"$op\"")
    }
    val s = fields(step, "step", listOf("op", "now") + opFields)
    s.optLong("now", "step")?.let {
        if (it < script.clock) fail("now $it is before the clock ${script.clock}")
        script.clock = it
    }
    val now = script.now
    val expectError = s.get("expect_error")
    when (op) {
        "connect" -> outcome(expectError) { target.connect() }
        "disconnect" -> outcome(expectError) { target.disconnect() }
        "receive" -> target.handleBytes(now, unhex(s.reqStr("hex", "step")))
        "timeout" -> target.handleTimeout(now)
        "closed" -> target.handleClosed(now)
        "expect_transmit" -> {
            val got = transmitted(target, now)
            val h = s.get("hex")
            val p = s.get("packets")
            when {
                h != null && p == null -> {
                    val want = unhex(h.textValue() ?: fail("hex: a string"))
                    if (!got.contentEquals(want)) fail("transmitted ${hex(got)}\n      expected    ${hex(want)}")
                }
                h == null && p != null -> {
                    if (!p.isArray) fail("packets: an array")
                    val views = arr(decodeAll(target.version, got))
                    try {
                        matches(p, views, "packets")
                    } catch (e: ScenarioFailure) {
                        fail("${e.message}\n      transmitted $views")
                    }
                }
                else -> fail("expect_transmit: exactly one of hex, packets")
            }
        }
        "expect_no_transmit" -> {
            val got = transmitted(target, now)
            if (got.isNotEmpty()) fail("transmitted ${hex(got)}")
        }
        "expect_event" -> {
            val want = s.req("event", "step")
            val view = target.pollEventView(script) ?: fail("no event")
            try {
                matches(want, view, "event")
            } catch (e: ScenarioFailure) {
                fail("${e.message}\n      event $view")
            }
        }
        "expect_no_event" -> target.pollEventView(script)?.let { fail("got $it") }
        "expect_timeout" -> {
            val got = target.pollTimeout()?.toLong()
            val at = s.get("at")
            val lo = s.get("at_least")
            val hi = s.get("at_most")
            when {
                at != null && lo == null && hi == null -> {
                    val want = if (at.isNull) null else (if (at.canConvertToLong()) at.longValue() else fail("at: a time or null"))
                    if (got != want) fail("deadline $got, expected $want")
                }
                at == null && lo != null && hi != null -> {
                    val l = if (lo.canConvertToLong()) lo.longValue() else fail("at_least: a time")
                    val u = if (hi.canConvertToLong()) hi.longValue() else fail("at_most: a time")
                    if (got == null || got !in l..u) fail("deadline $got, expected in [$l, $u]")
                }
                else -> fail("expect_timeout: at, or at_least and at_most")
            }
        }
        "expect_state" -> {
            val want = s.reqStr("state", "step")
            val got = stateName(target.state())
            if (got != want) fail("state $got, expected $want")
        }
        else -> target.runOp(op, s, script)
    }
}

fun expectId(s: ObjectNode, got: Long?) {
    val want = s.get("expect_packet_id") ?: return
    val ok = if (want.isNull) got == null else (want.canConvertToLong() && got == want.longValue())
    if (!ok) fail("packet id $got, expected $want")
}

private fun subscription(v: JsonNode): Subscription {
    val ctx = "subscription"
    val m = fields(v, ctx, listOf("filter", "qos", "no_local", "retain_as_published", "retain_handling"))
    val rh = when (val n = m.int("retain_handling", 0, ctx)) {
        0L -> RetainHandling.SEND_AT_SUBSCRIBE
        1L -> RetainHandling.SEND_IF_NEW
        2L -> RetainHandling.DO_NOT_SEND
        else -> fail("$ctx: retain_handling $n")
    }
    return Subscription(
        m.reqStr("filter", ctx),
        qosOf(m.int("qos", 0, ctx), ctx),
        m.flag("no_local", false, ctx),
        m.flag("retain_as_published", false, ctx),
        rh,
    )
}

/** A `client` scenario's target: one `Client`, and its config for `restart`. */
class ClientTarget(private val config: ClientConfig) : Target {
    private var client = Client(config)
    override val version get() = config.protocol
    override fun connect() = client.connect()
    override fun disconnect() = client.disconnect()
    override fun handleBytes(now: ULong, bytes: ByteArray) = client.handleBytes(now, bytes)
    override fun handleTimeout(now: ULong) = client.handleTimeout(now)
    override fun handleClosed(now: ULong) = client.handleClosed(now)
    override fun pollTransmit(now: ULong) = client.pollTransmit(now)
    override fun pollTimeout() = client.pollTimeout()
    override fun state() = client.state()
    override fun pollEventView(script: Script): ObjectNode? {
        val e = client.pollEvent() ?: return null
        remember(e, script)
        return eventView(e)
    }

    override fun opFields(op: String): List<String>? = when (op) {
        "set_credentials" -> listOf("username", "password", "password_hex", "expect_error")
        "publish" -> listOf("topic", "payload", "payload_hex", "qos", "retain", "properties", "expect_packet_id", "expect_error")
        "subscribe" -> listOf("subscriptions", "properties", "expect_packet_id", "expect_error")
        "unsubscribe" -> listOf("filters", "properties", "expect_packet_id", "expect_error")
        "ack" -> listOf("packet_id", "expect_error")
        "auth_continue", "reauthenticate" -> listOf("data_hex", "expect_error")
        "snapshot", "restart", "handle_connected" -> emptyList()
        else -> null
    }

    override fun runOp(op: String, s: ObjectNode, script: Script) {
        val expectError = s.get("expect_error")
        when (op) {
            "handle_connected" -> client.handleConnected(script.now)
            "set_credentials" -> {
                val username = s.optStr("username", "step")
                val password = s.bytesField("password", "step")
                outcome(expectError) { client.setCredentials(username, password) }
            }
            "publish" -> {
                val topic = s.reqStr("topic", "step")
                val payload = s.bytesField("payload", "step") ?: ByteArray(0)
                val qos = qosOf(s.int("qos", 0, "step"), "step")
                val retain = s.flag("retain", false, "step")
                val props = propsIn(s.get("properties"), "step.properties")
                var called = false
                val id = outcome(expectError) { client.publish(topic, payload, qos, retain, props).also { called = true } }
                if (called) expectId(s, id?.toLong())
            }
            "subscribe" -> {
                val list = s.req("subscriptions", "step")
                if (!list.isArray) fail("subscriptions: an array")
                val subs = list.map { subscription(it) }
                val props = propsIn(s.get("properties"), "step.properties")
                outcome(expectError) { client.subscribe(subs, props) }?.let { expectId(s, it.toLong()) }
            }
            "unsubscribe" -> {
                val list = s.req("filters", "step")
                if (!list.isArray) fail("filters: an array")
                val filters = list.map { it.textValue() ?: fail("filters: strings") }
                val props = propsIn(s.get("properties"), "step.properties")
                outcome(expectError) { client.unsubscribe(filters, props) }?.let { expectId(s, it.toLong()) }
            }
            "ack" -> {
                val id = s.int("packet_id", 0, "step", U16)
                val token = script.tokens[id] ?: fail("no message event with packet id $id was taken")
                outcome(expectError) { client.ack(token) }
            }
            "auth_continue", "reauthenticate" -> {
                val data = unhex(s.reqStr("data_hex", "step"))
                outcome(expectError) {
                    if (op == "auth_continue") client.authContinue(data) else client.reauthenticate(data)
                }
            }
            "snapshot" -> client.snapshot()
            else -> { // "restart"
                val snapshot = client.snapshot()
                client.close()
                client = Client(config)
                try {
                    client.restore(snapshot)
                } catch (e: IotMqttException) {
                    fail("restore failed: ${e.message}")
                }
                script.tokens.clear()
            }
        }
    }
}

private fun runClient(m: ObjectNode) {
    val config = clientConfig(m.req("config", "client"))
    val target = ClientTarget(config)
    runSteps(target, m, "client")
}

// ---------------------------------------------------------------- kind credentials (README §5)

private fun sigType(n: Long): SigType = when (n) {
    0L -> SigType.HMAC_SHA256
    1L -> SigType.HMAC_SHA256_CHECKED
    2L -> SigType.HMAC_SM3
    else -> fail("sig_type $n")
}

private val AUTH_KINDS = listOf("secret", "bridge", "bootstrap_group_secret", "bootstrap_certificate", "certificate")

/** The identity of a credentials case or a device config (errors are the core's). */
fun identity(c: ObjectNode, kind: String, sig: SigType): DeviceAuth {
    fun s(key: String) = c.get(key)?.textValue() ?: ""
    return when (kind) {
        "secret" -> DeviceAuth.secret(s("device_id"), s("secret"), sig)
        "bridge" -> DeviceAuth.bridge(s("device_id"), s("secret"), sig)
        "bootstrap_group_secret" -> DeviceAuth.bootstrapGroupSecret(s("device_id"), s("group_secret"), s("scope_id"), sig)
        "bootstrap_certificate" -> DeviceAuth.bootstrapCertificate(s("device_id"), s("scope_id"), sig)
        "certificate" -> DeviceAuth.certificate(s("device_id"), sig)
        else -> fail("unknown credentials kind \"$kind\"")
    }
}

/** The cases of a credentials scenario: the vectors file's, then its own. */
fun credentialCases(m: ObjectNode): List<Pair<String, JsonNode>> {
    val out = mutableListOf<Pair<String, JsonNode>>()
    m.optStr("vectors", "credentials")?.let { file ->
        val v = try {
            mapper.readTree(File(scenarioDir(), file))
        } catch (e: Exception) {
            fail("vectors \"$file\": ${e.message}")
        }
        val list = v.get("cases")?.takeIf { it.isArray } ?: fail("vectors \"$file\": no cases array")
        list.forEach { out.add("$file " to it) }
    }
    m.get("cases")?.let { list ->
        if (!list.isArray) fail("cases: an array")
        list.forEach { out.add("" to it) }
    }
    return out
}

private fun runCredentials(m: ObjectNode) {
    val all = credentialCases(m)
    if (all.isEmpty()) fail("no credentials case")
    for ((i, pair) in all.withIndex()) {
        inCase(i, pair.second, pair.first) { credentialsCase(pair.second) }
    }
}

private val OUTPUTS = listOf("client_id", "username", "password", "derived_secret")

fun credentialsCase(case: JsonNode) {
    val ctx = "case"
    val c = fields(
        case, ctx,
        listOf("name", "kind", "device_id", "secret", "group_secret", "scope_id", "sig_type", "utc", "timestamp") +
            OUTPUTS + "expect_error",
    )
    c.optStr("name", ctx)
    val kind = c.reqStr("kind", ctx)
    val sig = sigType(c.int("sig_type", 0, ctx))
    val expectError = c.get("expect_error")
    if (expectError != null && OUTPUTS.any { c.has(it) }) fail("expect_error excludes expected values")
    c.reqStr("device_id", ctx)
    when (kind) {
        "secret", "bridge" -> c.reqStr("secret", ctx)
        "bootstrap_group_secret" -> {
            c.reqStr("group_secret", ctx)
            c.reqStr("scope_id", ctx)
        }
        "bootstrap_certificate" -> c.reqStr("scope_id", ctx)
        "certificate" -> {}
        else -> fail("unknown credentials kind \"$kind\"")
    }
    if (c.has("utc") == c.has("timestamp")) fail("exactly one of utc, timestamp")
    // The identity and the time, or the core's error for a bad input.
    val built = outcome(expectError) {
        val auth = identity(c, kind, sig)
        val utcMs = c.optStr("utc", ctx)?.let { parseUtcTime(it) }
        Triple(auth, utcMs, c.optStr("timestamp", ctx))
    } ?: return
    val (auth, utcMs, timestamp) = built
    fun check(key: String, got: String?) {
        val want = c.get(key) ?: return
        val ok = if (want.isNull) got == null else want.textValue() == got
        if (!ok) fail("$key: got $got, expected $want")
    }
    if (timestamp != null) {
        if (OUTPUTS.any { it != "password" && c.has(it) }) fail("a timestamp case checks only password")
        val secret = auth.deviceSecret() ?: fail("a timestamp case needs a secret")
        val password = try {
            computePassword(secret, timestamp, sig)
        } catch (e: IotMqttException) {
            fail("unexpected error ${errorView(e)}")
        }
        check("password", password)
        return
    }
    val creds = auth.credentials(utcMs ?: fail("utc"))
    check("client_id", creds.clientId())
    check("username", creds.username())
    check("password", creds.password())
    check("derived_secret", auth.deviceSecret())
    if (OUTPUTS.none { c.has(it) }) fail("a case checks nothing")
}

// ---------------------------------------------------------------- kind topic (README §6)

private fun runTopics(m: ObjectNode) {
    for ((i, case) in cases(m, "topic").withIndex()) {
        inCase(i, case) { topicCase(case) }
    }
}

fun topicCase(case: JsonNode) {
    val c = fields(case, "case", listOf("name", "parse", "expect", "build", "expect_topic", "expect_error"))
    c.optStr("name", "case")
    val parse = c.get("parse")
    val build = c.get("build")
    when {
        parse != null && build == null -> {
            if (c.has("expect_topic") || c.has("expect_error")) fail("a parse case has expect only")
            val input = parse.textValue() ?: fail("parse: a string")
            val parsed = parseTopic(input)
            val view = topicView(parsed)
            try {
                matches(c.req("expect", "case"), view, "topic")
            } catch (e: ScenarioFailure) {
                fail("${e.message}\n      parsed $view")
            }
            if (parsed !is Topic.Unknown) {
                val back = try {
                    buildTopic(parsed)
                } catch (e: IotMqttException) {
                    fail("the parsed topic does not build: ${e.message}")
                }
                if (back != input) fail("the parsed topic builds as \"$back\"")
            }
        }
        parse == null && build != null -> {
            if (c.has("expect")) fail("a build case has expect_topic or expect_error")
            val topic = topicFrom(build)
            val want = c.get("expect_topic")
            val err = c.get("expect_error")
            when {
                want != null && err == null -> {
                    val got = outcome(null) { buildTopic(topic) }
                    if (got != want.textValue()) fail("built \"$got\", expected $want")
                }
                want == null && err != null -> outcome(err) { buildTopic(topic) }
                else -> fail("a build case has exactly one of expect_topic, expect_error")
            }
        }
        else -> fail("a case has exactly one of parse, build")
    }
}

// ---------------------------------------------------------------- kind device (README §7)

private val DEVICE_CONFIG_FIELDS = listOf(
    "auth", "protocol", "keep_alive", "upstream_qos", "subscribe_downstream_qos1", "max_messages_per_sec",
    "max_bytes_per_sec", "max_queued_messages", "max_queued_bytes", "request_timeout_ms", "max_pending_requests",
    "request_id_seed", "connack_timeout_ms", "reconnect", "reconnect_min_delay_ms", "reconnect_max_delay_ms",
    "jitter_seed", "max_events",
)

fun deviceConfig(v: JsonNode): DeviceConfig {
    val ctx = "config"
    val m = fields(v, ctx, DEVICE_CONFIG_FIELDS)
    val a = fields(m.req("auth", ctx), "config.auth", listOf("kind", "device_id", "secret", "group_secret", "scope_id", "sig_type"))
    val kind = a.reqStr("kind", "config.auth")
    if (kind !in AUTH_KINDS) fail("config.auth: unknown kind \"$kind\"")
    val sig = sigType(a.int("sig_type", 0, "config.auth"))
    val auth = try {
        identity(a, kind, sig)
    } catch (e: IotMqttException) {
        fail("config.auth: ${errorView(e)}")
    }
    val c = defaultDeviceConfig(auth)
    m.optStr("protocol", ctx)?.let { c.protocol = versionOf(it, ctx) }
    c.keepAlive = m.int("keep_alive", c.keepAlive.toLong(), ctx, U16).toUShort()
    c.upstreamQos = qosOf(m.int("upstream_qos", qosNumber(c.upstreamQos), ctx), ctx)
    c.subscribeDownstreamQos1 = m.flag("subscribe_downstream_qos1", c.subscribeDownstreamQos1, ctx)
    c.maxMessagesPerSec = m.int("max_messages_per_sec", c.maxMessagesPerSec.toLong(), ctx, U32).toUInt()
    c.maxBytesPerSec = m.int("max_bytes_per_sec", c.maxBytesPerSec.toLong(), ctx, U32).toUInt()
    c.maxQueuedMessages = m.int("max_queued_messages", c.maxQueuedMessages.toLong(), ctx).toULong()
    c.maxQueuedBytes = m.int("max_queued_bytes", c.maxQueuedBytes.toLong(), ctx).toULong()
    m.optLong("request_timeout_ms", ctx)?.let { c.requestTimeoutMs = it.toULong() }
    c.maxPendingRequests = m.int("max_pending_requests", c.maxPendingRequests.toLong(), ctx).toULong()
    c.requestIdSeed = m.int("request_id_seed", c.requestIdSeed.toLong(), ctx).toULong()
    m.optLong("connack_timeout_ms", ctx)?.let { c.connackTimeoutMs = it.toULong() }
    // The keys a device config cannot have were refused above.
    c.reconnect = reconnectPolicy(m, c.reconnect, ctx)
    c.maxEvents = m.int("max_events", c.maxEvents.toLong(), ctx).toULong()
    return c
}

private fun reportSuffix(s: ObjectNode): ReportSuffix {
    val rid = s.optStr("request_id", "step")
    return when (val suffix = s.optStr("suffix", "step") ?: "none") {
        "none" -> if (rid == null) ReportSuffix.Plain else fail("suffix none with request_id $rid")
        "gzip" -> if (rid == null) ReportSuffix.Gzip else fail("suffix gzip with request_id $rid")
        "request_id" -> ReportSuffix.RequestId(rid ?: fail("suffix request_id needs request_id"))
        else -> fail("suffix \"$suffix\"")
    }
}

/** A JSON step field as a payload record, read by the binding's `*_from_json`. */
private fun <T> payload(s: ObjectNode, key: String, read: (String) -> T): T =
    try {
        read(mapper.writeValueAsString(s.req(key, "step")))
    } catch (e: IotMqttException) {
        fail("$key: not a valid payload: ${e.message}")
    }

/** A `device` scenario's target: one `IotdaDevice`. */
class DeviceTarget(config: DeviceConfig) : Target {
    private val device = IotdaDevice(config)
    override val version = config.protocol
    override fun connect() = device.connect()
    override fun disconnect() = device.disconnect()
    override fun handleBytes(now: ULong, bytes: ByteArray) = device.handleBytes(now, bytes)
    override fun handleTimeout(now: ULong) = device.handleTimeout(now)
    override fun handleClosed(now: ULong) = device.handleClosed(now)
    override fun pollTransmit(now: ULong) = device.pollTransmit(now)
    override fun pollTimeout() = device.pollTimeout()
    override fun state() = device.state()
    override fun pollEventView(script: Script): ObjectNode? {
        val e = device.pollEvent() ?: return null
        if (e is DeviceEvent.Mqtt) remember(e.event, script)
        return deviceEventView(e)
    }

    override fun opFields(op: String): List<String>? = when (op) {
        "handle_connected" -> listOf("utc")
        "respond_command", "respond_properties_set", "respond_properties_get" -> listOf("request_id", "response", "expect_error")
        "report_properties" -> listOf("report", "suffix", "request_id", "expect_error")
        "send_message" -> listOf("payload", "payload_hex", "suffix", "request_id", "expect_error")
        "publish" -> listOf("topic", "payload", "payload_hex", "qos", "retain", "expect_error")
        "subscribe" -> listOf("filter", "qos", "expect_packet_id", "expect_error")
        "unsubscribe" -> listOf("filter", "expect_packet_id", "expect_error")
        "get_shadow" -> listOf("service_id", "object_device_id", "expect_request_id", "expect_error")
        else -> null
    }

    override fun runOp(op: String, s: ObjectNode, script: Script) {
        val expectError = s.get("expect_error")
        when (op) {
            "handle_connected" -> {
                val utc = try {
                    parseUtcTime(s.reqStr("utc", "step"))
                } catch (e: IotMqttException) {
                    fail("utc: ${e.message}")
                }
                device.handleConnected(script.now, utc)
            }
            "respond_command" -> {
                val rid = s.reqStr("request_id", "step")
                val response = payload(s, "response") { commandResponseFromJson(it) }
                outcome(expectError) { device.respondCommand(rid, response) }
            }
            "respond_properties_set" -> {
                val rid = s.reqStr("request_id", "step")
                val response = payload(s, "response") { propertiesSetResponseFromJson(it) }
                outcome(expectError) { device.respondPropertiesSet(rid, response) }
            }
            "respond_properties_get" -> {
                val rid = s.reqStr("request_id", "step")
                val response = payload(s, "response") { propertiesReportFromJson(it) }
                outcome(expectError) { device.respondPropertiesGet(rid, response) }
            }
            "report_properties" -> {
                val report = payload(s, "report") { propertiesReportFromJson(it) }
                val suffix = reportSuffix(s)
                outcome(expectError) { device.reportProperties(report, suffix) }
            }
            "send_message" -> {
                val bytes = s.bytesField("payload", "step") ?: ByteArray(0)
                val suffix = reportSuffix(s)
                outcome(expectError) { device.sendMessage(bytes, suffix) }
            }
            "publish" -> {
                val topic = s.reqStr("topic", "step")
                val bytes = s.bytesField("payload", "step") ?: ByteArray(0)
                val qos = qosOf(s.int("qos", 0, "step"), "step")
                val retain = s.flag("retain", false, "step")
                outcome(expectError) { device.publish(topic, bytes, qos, retain) }
            }
            "subscribe", "unsubscribe" -> {
                val filter = s.reqStr("filter", "step")
                val id = if (op == "subscribe") {
                    val qos = qosOf(s.int("qos", 0, "step"), "step")
                    outcome(expectError) { device.subscribe(filter, qos) }
                } else {
                    outcome(expectError) { device.unsubscribe(filter) }
                }
                id?.let { expectId(s, it.toLong()) }
            }
            else -> { // "get_shadow"
                val serviceId = s.optStr("service_id", "step")
                val objectDeviceId = s.optStr("object_device_id", "step")
                val id = outcome(expectError) { device.getShadow(serviceId, objectDeviceId) }
                val want = s.get("expect_request_id")
                if (id != null && want != null && want.textValue() != id) fail("request id \"$id\", expected $want")
            }
        }
    }
}

private fun runDevice(m: ObjectNode) {
    val config = deviceConfig(m.req("config", "device"))
    runSteps(DeviceTarget(config), m, "device")
}
