//! `uniffi-bindgen`: generates the Kotlin and Swift sources from the compiled library
//! (`generate --library target/debug/libiotmqtt_uniffi.so --language kotlin --out-dir …`).

fn main() {
    uniffi::uniffi_bindgen_main()
}
