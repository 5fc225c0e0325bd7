//! `iotda_payloads`: see `iotmqtt::fuzzing::iotda_payloads` for the invariants it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotmqtt::fuzzing::iotda_payloads(data));
