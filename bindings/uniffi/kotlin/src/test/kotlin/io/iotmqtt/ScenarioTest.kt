package io.iotmqtt

import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** Every scenario file in tests/ (README: tests/README.md), one test each. */
class ScenarioTest {
    @TestFactory
    fun everyScenarioFilePasses(): List<DynamicTest> {
        val files = scenarioFiles()
        assertTrue(files.size >= MIN_FILES, "only ${files.size} scenario files in ${scenarioDir()}, expected at least $MIN_FILES")
        return files.map { file ->
            DynamicTest.dynamicTest(file.name) {
                try {
                    runScenario(file.name, parseJson(file.readText()))
                } catch (e: ScenarioFailure) {
                    throw AssertionError("${file.name}: ${e.message}", e)
                }
            }
        }
    }

    @Test
    fun aMinimalScenarioPasses() {
        run(MINIMAL)
    }

    @Test
    fun unknownKindsOpsAndFieldsFail() {
        val cases = listOf(
            MINIMAL.replace("\"client\",", "\"clients\",") to "unknown kind",
            MINIMAL.replace("\"connect\"}", "\"konnect\"}") to "unknown op",
            MINIMAL.replace("\"keep_alive\": 0", "\"keep_alive\": 0, \"keepalive\": 1") to "unknown field \"keepalive\"",
            MINIMAL.replace("{\"op\": \"connect\"}", "{\"op\": \"connect\", \"x\": 1}") to "unknown field \"x\"",
            MINIMAL.replace("\"d\",", "\"d\", \"extra\": 1,") to "unknown field \"extra\"",
        )
        for ((text, want) in cases) {
            val e = assertFailsWith<ScenarioFailure> { run(text) }
            assertTrue(e.message!!.contains(want), "${e.message} should mention $want")
        }
    }

    @Test
    fun failuresNameTheStepAndTheDifference() {
        val wrongByte = MINIMAL.replace("00 01 63\"", "00 01 64\"")
        assertTrue(assertFailsWith<ScenarioFailure> { run(wrongByte) }.message!!.startsWith("step 2 (expect_transmit)"))
        val missing = MINIMAL.replace("]}", ", {\"op\": \"expect_event\", \"event\": {\"type\": \"connected\"}}]}")
        assertTrue(assertFailsWith<ScenarioFailure> { run(missing) }.message!!.startsWith("step 3 (expect_event): no event"))
        val untaken = MINIMAL.replace("]}", ", {\"op\": \"receive\", \"hex\": \"20 02 00 00\"}]}")
        assertTrue(assertFailsWith<ScenarioFailure> { run(untaken) }.message!!.startsWith("after the last step: event left"))
        assertTrue(assertFailsWith<ScenarioFailure> { runScenario("u.json", parseJson(MINIMAL)) }.message!!.contains("differs"))
    }

    @Test
    fun matchingFollowsTheReadmeRules() {
        val act = parseJson("""{"a": 1, "b": {"c": "x", "d": null}, "p_hex": "68 69", "l": [1, 2]}""")
        for (ok in listOf("""{"a": 1}""", """{"b": {"c": "x"}}""", """{"b": {"d": null, "e": null}}""", """{"p_hex": "6869"}""",
            """{"p": "hi"}""", """{"l": [1, 2]}""", """{"a": 1.0}""")) {
            matches(parseJson(ok), act, "v")
        }
        for (bad in listOf("""{"p": "ho"}""", """{"l": [1]}""", """{"z": 1}""", """{"a": 2}""", """{"b": {"c": null}}""")) {
            assertFailsWith<ScenarioFailure>(bad) { matches(parseJson(bad), act, "v") }
        }
        val withJson = obj().put("payload_hex", hex("""{"x":1,"y":[true]}""".toByteArray()))
        matches(parseJson("""{"payload_json": {"y": [true], "x": 1.0}}"""), withJson, "v")
        assertFailsWith<ScenarioFailure> { matches(parseJson("""{"payload_json": {"x": 1}}"""), withJson, "v") }
    }

    @Test
    fun propertiesAreEncodedInIdentifierOrder() {
        val props = propsIn(parseJson("""{"user_properties": [["b", "2"], ["a", "1"]], "content_type": "t", "payload_format_indicator": true}"""), "p")
        assertEquals(
            listOf(Property.PayloadFormatIndicator(true), Property.ContentType("t"), Property.UserProperty("b", "2"), Property.UserProperty("a", "1")),
            props,
        )
    }

    private fun run(text: String) = runScenario("t.json", parseJson(text))

    companion object {
        /** Fewer files than this means scenarios went missing. */
        const val MIN_FILES = 40

        val MINIMAL = """{"name": "t", "description": "d", "spec": ["MQTT-3.1.0-1"], "kind": "client",
          "config": {"client_id": "c", "protocol": "3.1.1", "keep_alive": 0},
          "steps": [{"op": "connect"}, {"op": "handle_connected"},
                    {"op": "expect_transmit", "hex": "10 0d 00 04 4d 51 54 54 04 02 00 00 00 01 63"}]}"""
    }
}
