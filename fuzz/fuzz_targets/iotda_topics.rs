//! `iotda_topics`: see `iotmqtt::fuzzing::iotda_topics` for the invariants it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotmqtt::fuzzing::iotda_topics(data));
