package io.iotmqtt

import com.fasterxml.jackson.databind.JsonNode
import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.net.Socket
import java.net.SocketTimeoutException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlin.test.AfterTest
import kotlin.test.BeforeTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * A device session from Kotlin over a real socket (`java.net.Socket`) against `iotmqtt emulator`,
 * the local IoTDA the CLI runs: the binding's `IotdaDevice` is driven by a small blocking loop
 * (the whole driver is below: bytes and time in, bytes, deadlines and events out).
 */
class EmulatorSessionTest {
    private lateinit var emulator: Process
    private var mqttPort = 0
    private var httpPort = 0
    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    @BeforeTest
    fun startEmulator() {
        val cli = File(System.getProperty("iotmqtt.cli") ?: error("-Diotmqtt.cli is not set"))
        assertTrue(cli.canExecute(), "$cli is not built (make kotlin builds it)")
        emulator = ProcessBuilder(cli.path, "emulator", "--port", "0", "--http", "0", "--quiet")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start()
        // The first stdout line is the ports it bound, as JSON.
        val line = BufferedReader(InputStreamReader(emulator.inputStream)).readLine()
            ?: error("the emulator printed nothing")
        val ports = parseJson(line)
        mqttPort = ports.get("mqtt").intValue()
        httpPort = ports.get("http").intValue()
        assertTrue(mqttPort > 0 && httpPort > 0, line)
    }

    @AfterTest
    fun stopEmulator() {
        emulator.destroy()
        if (!emulator.waitFor(5, TimeUnit.SECONDS)) emulator.destroyForcibly()
    }

    private fun api(method: String, path: String, body: String? = null): Pair<Int, JsonNode> {
        val req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:$httpPort$path"))
            .timeout(Duration.ofSeconds(30))
            .method(method, body?.let { HttpRequest.BodyPublishers.ofString(it) } ?: HttpRequest.BodyPublishers.noBody())
            .header("content-type", "application/json")
            .build()
        val res = http.send(req, HttpResponse.BodyHandlers.ofString())
        return res.statusCode() to parseJson(res.body())
    }

    private fun register(deviceId: String, secret: String) {
        val (status, body) = api("POST", "/devices", """{"device_id": "$deviceId", "secret": "$secret"}""")
        assertEquals(201, status, body.toString())
    }

    /** The driver: one socket, the device, a monotonic clock. `step` runs one round of the loop. */
    private inner class Driver(val device: IotdaDevice) : AutoCloseable {
        val socket = Socket("127.0.0.1", mqttPort).apply { soTimeout = 20; tcpNoDelay = true }
        private val start = System.nanoTime()
        private val buf = ByteArray(4096)
        var closed = false

        fun now(): ULong = ((System.nanoTime() - start) / 1_000_000).toULong()

        init {
            device.connect()
            device.handleConnected(now(), System.currentTimeMillis().toULong())
        }

        /** Writes what the device has, fires a due timer, reads once; returns the events. */
        fun step(): List<DeviceEvent> {
            val events = mutableListOf<DeviceEvent>()
            while (true) {
                var moved = false
                while (true) {
                    val out = device.pollTransmit(now())
                    if (out.isEmpty()) break
                    socket.getOutputStream().write(out)
                    moved = true
                }
                device.pollTimeout()?.let { if (it <= now()) device.handleTimeout(now()) }
                while (true) {
                    val e = device.pollEvent() ?: break
                    events.add(e)
                    moved = true
                }
                if (!moved) break
            }
            if (!closed) {
                try {
                    val n = socket.getInputStream().read(buf)
                    if (n < 0) {
                        closed = true
                        device.handleClosed(now())
                    } else {
                        device.handleBytes(now(), buf.copyOf(n))
                    }
                } catch (_: SocketTimeoutException) {
                    // Nothing arrived: back to the timers.
                }
            }
            return events
        }

        /** Runs the loop until `pick` returns a value (or 15 s pass). */
        fun <T> until(what: String, pick: (DeviceEvent) -> T?): T {
            val deadline = System.nanoTime() + 15_000_000_000L
            while (System.nanoTime() < deadline) {
                for (e in step()) pick(e)?.let { return it }
            }
            error("no $what within 15 s")
        }

        override fun close() = socket.close()
    }

    @Test
    fun aDeviceConnectsReportsAndAnswersACommandAndAPropertySet() {
        register("kt_dev_1", "s3cr3t-Key")
        val config = defaultDeviceConfig(DeviceAuth.secret("kt_dev_1", "s3cr3t-Key", SigType.HMAC_SHA256))
        IotdaDevice(config).use { device ->
            Driver(device).use { d ->
                val info = d.until("CONNACK") { ((it as? DeviceEvent.Mqtt)?.event as? Event.Connected)?.info }
                assertEquals(false, info.sessionPresent)
                assertEquals(ClientState.CONNECTED, device.state())

                // A property report reaches the platform.
                device.reportProperties(
                    PropertiesReport(listOf(ServiceProperties("Battery", """{"level":80}""", null))),
                    ReportSuffix.Plain,
                )
                var level: JsonNode? = null
                val deadline = System.nanoTime() + 15_000_000_000L
                while (level == null && System.nanoTime() < deadline) {
                    d.step()
                    val (_, props) = api("GET", "/devices/kt_dev_1/properties")
                    level = props.get("services")?.firstOrNull { it.get("service_id")?.textValue() == "Battery" }
                        ?.get("properties")?.get("level")
                }
                assertEquals(80, level?.intValue())

                // The platform sends a command and waits for the answer (the HTTP call blocks).
                val answer = CompletableFuture.supplyAsync {
                    api("POST", "/devices/kt_dev_1/commands",
                        """{"service_id": "Light", "command_name": "on", "paras": {"level": 3}, "timeout_ms": 15000}""")
                }
                val command = d.until("command") { it as? DeviceEvent.Command }
                assertEquals("on", command.command.commandName)
                assertEquals(3, parseJson(command.command.parasJson).get("level").intValue())
                device.respondCommand(command.requestId, CommandResponse(0, "done", """{"state":"on"}"""))
                while (!answer.isDone) d.step()
                val (status, body) = answer.get()
                assertEquals(200, status, body.toString())
                assertEquals(0, body.get("response").get("result_code").intValue())
                assertEquals("on", body.get("response").get("paras").get("state").textValue())

                // A property set, answered with success.
                val set = CompletableFuture.supplyAsync {
                    api("POST", "/devices/kt_dev_1/properties/set",
                        """{"service_id": "Light", "properties": {"brightness": 7}, "timeout_ms": 15000}""")
                }
                val request = d.until("property set") { it as? DeviceEvent.PropertiesSet }
                assertEquals("Light", request.request.services.single().serviceId)
                assertEquals(7, parseJson(request.request.services.single().propertiesJson).get("brightness").intValue())
                device.respondPropertiesSet(request.requestId, PropertiesSetResponse(0, "ok"))
                while (!set.isDone) d.step()
                assertEquals(0, set.get().second.get("response").get("result_code").intValue())

                device.disconnect()
                d.until("Disconnected") { if ((it as? DeviceEvent.Mqtt)?.event is Event.Disconnected) Unit else null }
                assertEquals(ClientState.IDLE, device.state())
            }
        }
    }

    @Test
    fun aWrongSecretIsRefusedWithCode4AndNotRetried() {
        register("kt_dev_2", "right-secret")
        val config = defaultDeviceConfig(DeviceAuth.secret("kt_dev_2", "wrong-secret", SigType.HMAC_SHA256))
        IotdaDevice(config).use { device ->
            Driver(device).use { d ->
                val lost = d.until("ConnectionLost") { ((it as? DeviceEvent.Mqtt)?.event as? Event.ConnectionLost)?.info }
                assertEquals("connect_refused", lost.error.code)
                assertEquals(ErrorKind.PROTOCOL, lost.error.kind)
                assertEquals(134.toUByte(), lost.error.reasonCode) // 0x86, 3.1.1 return code 4
                assertNull(lost.reconnectAt, "IoTDA devices stop after a refused password")
                assertNotNull(lost.error.message)
                assertTrue(!lost.error.message.contains("wrong-secret"))
            }
        }
    }
}
