package io.iotmqtt

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull

/** IoTDA topics through the binding: parse, build, direction, and the core's errors. */
class TopicTest {
    @Test
    fun aCommandTopicParsesAndItsResponseTopicBuilds() {
        val t = parseTopic("\$oc/devices/d1/sys/commands/request_id=7")
        assertEquals(Topic.Device("d1", SysTopic.Command("7")), t)
        assertEquals(Direction.DOWN, topicDirection(t))
        val reply = Topic.Device("d1", SysTopic.CommandResponse("7"))
        assertEquals("\$oc/devices/d1/sys/commands/response/request_id=7", buildTopic(reply))
        assertEquals(Direction.UP, topicDirection(reply))
    }

    @Test
    fun everyKindOfTopicRoundTrips() {
        val topics = listOf(
            "\$oc/devices/d1/sys/properties/report",
            "\$oc/devices/d1/sys/messages/up?request_id=r1",
            "\$oc/devices/d1/sys/gateway/sub_devices/properties/report",
            "\$oc/devices/d1/sys/events/down",
            "\$oc/devices/d1/sys/shadow/get/request_id=9",
            "\$oc/devices/d1/user/a/b",
            "\$oc/bridges/b1/devices/d1/sys/messages/down",
            "/huawei/v1/devices/d1/data/json",
            "plant/line1/temp",
        )
        for (s in topics) {
            val t = parseTopic(s)
            assertEquals(false, t is Topic.Unknown, s)
            assertEquals(s, buildTopic(t), s)
        }
        assertEquals(Topic.Custom("plant/line1/temp"), parseTopic("plant/line1/temp"))
        assertEquals(Direction.BOTH, topicDirection(Topic.Custom("a")))
    }

    @Test
    fun unknownTopicsAndBadPartsAreReported() {
        val unknown = parseTopic("\$oc/devices/d1/sys/nothing")
        assertEquals(Topic.Unknown("\$oc/devices/d1/sys/nothing"), unknown)
        assertNull(topicDirection(unknown))
        val cases = mapOf(
            Topic.User("d1", "a//b") to "invalid_user_topic_name",
            Topic.Device("d/1", SysTopic.MessagesDown) to "invalid_topic_device_id",
            Topic.Device("d1", SysTopic.Command("a+b")) to "invalid_request_id",
            Topic.Custom("\$oc/x") to "invalid_custom_topic",
        )
        for ((topic, code) in cases) {
            val e = assertFailsWith<IotMqttException.Usage>(code) { buildTopic(topic) }
            assertEquals(code, e.code)
        }
    }
}
