package io.iotmqtt

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** IoTDA logins through the binding against tests/vectors/iotda-auth.json, read at run time. */
class CredentialsTest {
    private val vectors = mapper.readTree(File(repoDir(), "tests/vectors/iotda-auth.json")).get("cases")

    private fun sig(n: Int) = listOf(SigType.HMAC_SHA256, SigType.HMAC_SHA256_CHECKED, SigType.HMAC_SM3)[n]

    @Test
    fun everyVectorGivesItsClientIdUsernameAndPassword() {
        assertTrue(vectors.size() >= 6, "vectors file has ${vectors.size()} cases")
        var checked = 0
        for (case in vectors) {
            val name = case.get("name").textValue()
            val s = { key: String -> case.get(key)?.textValue() }
            val sigType = sig(case.get("sig_type")?.intValue() ?: 0)
            val auth = when (val kind = s("kind")) {
                "secret" -> DeviceAuth.secret(s("device_id")!!, s("secret")!!, sigType)
                "bridge" -> DeviceAuth.bridge(s("device_id")!!, s("secret")!!, sigType)
                "bootstrap_group_secret" ->
                    DeviceAuth.bootstrapGroupSecret(s("device_id")!!, s("group_secret")!!, s("scope_id")!!, sigType)
                "bootstrap_certificate" -> DeviceAuth.bootstrapCertificate(s("device_id")!!, s("scope_id")!!, sigType)
                "certificate" -> DeviceAuth.certificate(s("device_id")!!, sigType)
                else -> error("$name: unknown kind $kind")
            }
            val timestamp = s("timestamp")
            if (timestamp != null) {
                assertEquals(s("password"), computePassword(auth.deviceSecret()!!, timestamp, sigType), name)
            } else {
                val creds = auth.credentials(parseUtcTime(s("utc")!!))
                s("client_id")?.let { assertEquals(it, creds.clientId(), name) }
                s("username")?.let { assertEquals(it, creds.username(), name) }
                if (case.has("password")) assertEquals(s("password"), creds.password(), name)
                s("derived_secret")?.let { assertEquals(it, auth.deviceSecret(), name) }
            }
            checked++
        }
        assertEquals(vectors.size(), checked)
    }

    @Test
    fun aLoginIsMadeFromTheHourOfTheUtcTime() {
        val auth = DeviceAuth.secret("5f1c0d2e_sensor01", "s3cr3t-Key", SigType.HMAC_SHA256)
        val at8 = auth.credentials(parseUtcTime("2026-11-25T08:59:59Z"))
        val at9 = auth.credentials(parseUtcTime("2026-11-25T09:00:00Z"))
        assertEquals("5f1c0d2e_sensor01_0_0_2026112508", at8.clientId())
        assertEquals("5f1c0d2e_sensor01_0_0_2026112509", at9.clientId())
        assertTrue(at8.password() != at9.password())
        assertEquals(parseUtcTime("20261125T085959Z"), parseUtcTime("2026-11-25T08:59:59Z"))
        assertNull(DeviceAuth.certificate("dev_1", SigType.HMAC_SHA256).credentials(0uL).password())
    }

    @Test
    fun badInputIsAUsageErrorThatNeverShowsTheSecret() {
        val e = assertFailsWith<IotMqttException.Usage> { DeviceAuth.secret("bad/id", "s3cr3t-Key", SigType.HMAC_SHA256) }
        assertEquals("invalid_device_id", e.code)
        assertFalse(e.message!!.contains("s3cr3t"))
        assertEquals("invalid_secret", assertFailsWith<IotMqttException.Usage> { DeviceAuth.secret("dev", "", SigType.HMAC_SHA256) }.code)
        assertEquals("invalid_time", assertFailsWith<IotMqttException.Usage> { parseUtcTime("2026-02-30T00:00:00Z") }.code)
        // A timestamp is the ClientId's last field: the core reports it as a bad ClientId.
        assertEquals("invalid_client_id", assertFailsWith<IotMqttException.Usage> { computePassword("k", "2026113200", SigType.HMAC_SHA256) }.code)
        // The identity is an object: nothing generated prints its secret.
        val auth = DeviceAuth.secret("dev", "s3cr3t-Key", SigType.HMAC_SHA256)
        assertFalse(auth.toString().contains("s3cr3t"))
        assertFalse(defaultDeviceConfig(auth).toString().contains("s3cr3t"))
    }
}
