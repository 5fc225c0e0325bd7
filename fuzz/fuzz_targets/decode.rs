//! `decode`: see `iotmqtt::fuzzing::decode` for the invariants it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotmqtt::fuzzing::decode(data));
