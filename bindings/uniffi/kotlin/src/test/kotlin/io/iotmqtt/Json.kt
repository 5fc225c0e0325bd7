package io.iotmqtt

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import com.fasterxml.jackson.databind.node.ArrayNode
import com.fasterxml.jackson.databind.node.JsonNodeFactory
import com.fasterxml.jackson.databind.node.NullNode
import com.fasterxml.jackson.databind.node.ObjectNode

/** A scenario (or a step of one) that does not pass, with the reason. */
class ScenarioFailure(message: String) : Exception(message)

fun fail(message: String): Nothing = throw ScenarioFailure(message)

val mapper = ObjectMapper()
val nodes: JsonNodeFactory = JsonNodeFactory.instance

fun parseJson(text: String): JsonNode =
    try {
        mapper.readTree(text)
    } catch (e: Exception) {
        fail("not JSON: ${e.message}")
    }

fun obj(): ObjectNode = nodes.objectNode()

fun arr(items: Iterable<JsonNode>): ArrayNode = nodes.arrayNode().also { a -> items.forEach { a.add(it) } }

fun text(s: String?): JsonNode = if (s == null) NullNode.instance else nodes.textNode(s)

fun num(n: Long?): JsonNode = if (n == null) NullNode.instance else nodes.numberNode(n)

fun bool(b: Boolean): JsonNode = nodes.booleanNode(b)

// ---------------------------------------------------------------- hex (README §1.2)

fun unhex(s: String): ByteArray {
    val digits = s.filter { it != ' ' }
    if (digits.length % 2 != 0) fail("hex \"$s\" has an odd number of digits")
    return ByteArray(digits.length / 2) { i ->
        val pair = digits.substring(2 * i, 2 * i + 2)
        (pair.toIntOrNull(16) ?: fail("hex \"$s\" holds a non-hex digit")).toByte()
    }
}

fun hex(bytes: ByteArray): String = bytes.joinToString(" ") { "%02x".format(it.toInt() and 0xff) }

fun hexNode(bytes: ByteArray?): JsonNode = if (bytes == null) NullNode.instance else nodes.textNode(hex(bytes))

// ---------------------------------------------------------------- reading a scenario object

/** The object `v`, after checking that it has no field outside `allowed`. */
fun fields(v: JsonNode?, ctx: String, allowed: Collection<String>): ObjectNode {
    if (v !is ObjectNode) fail("$ctx: expected an object")
    val unknown = v.fieldNames().asSequence().firstOrNull { it !in allowed }
    if (unknown != null) fail("$ctx: unknown field \"$unknown\"")
    return v
}

fun ObjectNode.req(key: String, ctx: String): JsonNode = get(key) ?: fail("$ctx: missing field \"$key\"")

fun ObjectNode.reqStr(key: String, ctx: String): String {
    val v = req(key, ctx)
    if (!v.isTextual) fail("$ctx: $key must be a string")
    return v.textValue()
}

fun ObjectNode.optStr(key: String, ctx: String): String? {
    val v = get(key)
    if (v == null || v.isNull) return null
    if (!v.isTextual) fail("$ctx: $key must be a string or null")
    return v.textValue()
}

fun ObjectNode.optLong(key: String, ctx: String): Long? {
    val v = get(key) ?: return null
    if (!v.isIntegralNumber || !v.canConvertToLong() || v.longValue() < 0) {
        fail("$ctx: $key must be a non-negative integer")
    }
    return v.longValue()
}

fun ObjectNode.int(key: String, default: Long, ctx: String, max: Long = Long.MAX_VALUE): Long {
    val n = optLong(key, ctx) ?: return default
    if (n > max) fail("$ctx: $key = $n is out of range")
    return n
}

fun ObjectNode.flag(key: String, default: Boolean, ctx: String): Boolean {
    val v = get(key) ?: return default
    if (!v.isBoolean) fail("$ctx: $key must be a boolean")
    return v.booleanValue()
}

/** The bytes of `key` given as text (`key`) or hex (`key_hex`); null when neither is there. */
fun ObjectNode.bytesField(key: String, ctx: String): ByteArray? {
    val t = get(key)
    val h = get("${key}_hex")
    if (t != null && h != null) fail("$ctx: both $key and ${key}_hex")
    return when {
        t != null && t.isTextual -> t.textValue().toByteArray(Charsets.UTF_8)
        h != null && h.isTextual -> unhex(h.textValue())
        (t == null || t.isNull) && (h == null || h.isNull) -> null
        else -> fail("$ctx: $key must be a string")
    }
}

// ---------------------------------------------------------------- matching (README §1.3)

private fun normHex(v: JsonNode, path: String): ByteArray? = when {
    v.isNull -> null
    v.isTextual -> try {
        unhex(v.textValue())
    } catch (e: ScenarioFailure) {
        fail("$path: ${e.message}")
    }
    else -> fail("$path: expected hex or null, got $v")
}

private fun hexOrNull(b: ByteArray?) = b?.let { hex(it) } ?: "null"

/** Checks that `act` matches the expectation `exp` (README §1.3). */
fun matches(exp: JsonNode, act: JsonNode, path: String) {
    when {
        exp.isObject -> {
            if (!act.isObject) fail("$path: expected an object, got $act")
            for ((k, ev) in exp.fields()) {
                val p = "$path.$k"
                val av = act.get(k)
                when {
                    av != null && k.endsWith("_hex") -> {
                        val e = normHex(ev, p)
                        val a = normHex(av, p)
                        val same = if (e == null || a == null) e == null && a == null else e.contentEquals(a)
                        if (!same) fail("$p: expected ${hexOrNull(e)}, got ${hexOrNull(a)}")
                    }
                    av != null -> matches(ev, av, p)
                    ev.isNull -> {} // rule 5: null matches an absent key
                    k.endsWith("_json") -> {
                        val base = k.removeSuffix("_json")
                        val bytes = act.get("${base}_hex")?.let { normHex(it, p) }
                            ?: fail("$p: the view has no ${base}_hex")
                        val parsed = try {
                            mapper.readTree(bytes)
                        } catch (e: Exception) {
                            fail("$p: $base is not JSON: ${String(bytes, Charsets.UTF_8)}")
                        }
                        if (!jsonEq(ev, parsed)) fail("$p: expected JSON $ev, got $parsed")
                    }
                    act.has("${k}_hex") -> {
                        if (!ev.isTextual) fail("$p: text for bytes must be a string")
                        val actual = normHex(act.get("${k}_hex"), p)
                        val want = ev.textValue().toByteArray(Charsets.UTF_8)
                        if (actual == null || !actual.contentEquals(want)) {
                            fail("$p: expected \"${ev.textValue()}\", got ${actual?.let { "\"" + String(it, Charsets.UTF_8) + "\"" } ?: "null"}")
                        }
                    }
                    else -> fail("$p: no such field in $act")
                }
            }
        }
        exp.isArray -> {
            if (!act.isArray) fail("$path: expected an array, got $act")
            if (exp.size() != act.size()) fail("$path: expected ${exp.size()} elements, got ${act.size()}: $act")
            for (i in 0 until exp.size()) matches(exp.get(i), act.get(i), "$path[$i]")
        }
        exp.isNumber -> if (!jsonEq(exp, act)) fail("$path: expected $exp, got $act")
        else -> if (exp != act) fail("$path: expected $exp, got $act")
    }
}

/** Exact JSON equality, numbers by value (README §1.3 rule 7). */
fun jsonEq(a: JsonNode, b: JsonNode): Boolean = when {
    a.isNumber && b.isNumber -> a.decimalValue().compareTo(b.decimalValue()) == 0
    a.isArray && b.isArray -> a.size() == b.size() && (0 until a.size()).all { jsonEq(a.get(it), b.get(it)) }
    a.isObject && b.isObject -> a.size() == b.size() &&
        a.fields().asSequence().all { (k, v) -> b.get(k)?.let { jsonEq(v, it) } ?: false }
    else -> a == b
}
