//! `client_session`: see `iotmqtt::fuzzing::client_session` for the invariants it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotmqtt::fuzzing::client_session(data));
