//! `round_trip`: see `iotmqtt::fuzzing::round_trip` for the invariants it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotmqtt::fuzzing::round_trip(data));
