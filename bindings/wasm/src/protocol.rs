//! The call protocol `Client` and `IotdaDevice` share, written once: commands that start and
//! end the session, the driver's inputs and the outputs polled after each of them.

/// Adds the shared methods to a `#[wasm_bindgen]` struct whose core object is `self.inner`;
/// `$event` turns the core's event into a JS value.
macro_rules! call_protocol {
    ($ty:ident, $event:path) => {
        #[wasm_bindgen]
        impl $ty {
            /// Starts connecting: the session now waits for a transport (a bad configuration
            /// throws `invalid_config` here).
            pub fn connect(&mut self) -> Result<(), JsValue> {
                $crate::errors::check(self.inner.connect())
            }

            /// Ends the session (DISCONNECT when connected); no reconnect follows.
            pub fn disconnect(&mut self) -> Result<(), JsValue> {
                $crate::errors::check(self.inner.disconnect())
            }

            /// Bytes arrived (any split of the stream).
            #[wasm_bindgen(js_name = handleBytes)]
            pub fn handle_bytes(&mut self, now: f64, bytes: &[u8]) {
                self.inner.handle_bytes($crate::js::instant(now), bytes);
            }

            /// The deadline of `pollTimeout` passed (early or repeated calls are harmless).
            #[wasm_bindgen(js_name = handleTimeout)]
            pub fn handle_timeout(&mut self, now: f64) {
                self.inner.handle_timeout($crate::js::instant(now));
            }

            /// The transport closed.
            #[wasm_bindgen(js_name = handleClosed)]
            pub fn handle_closed(&mut self, now: f64) {
                self.inner.handle_closed($crate::js::instant(now));
            }

            /// The next whole packets to send, or `undefined` when there is nothing.
            #[wasm_bindgen(js_name = pollTransmit)]
            pub fn poll_transmit(&mut self, now: f64) -> Option<Vec<u8>> {
                let mut out = Vec::new();
                (self.inner.poll_transmit($crate::js::instant(now), &mut out) > 0).then_some(out)
            }

            /// The next deadline (same clock as `now`), or `null`.
            #[wasm_bindgen(js_name = pollTimeout)]
            pub fn poll_timeout(&self) -> JsValue {
                $crate::js::opt(
                    self.inner
                        .poll_timeout()
                        .map(|t| $crate::js::num(t.as_millis())),
                )
            }

            /// The next event (`{type, …}`), or `null`.
            #[wasm_bindgen(js_name = pollEvent)]
            pub fn poll_event(&mut self) -> JsValue {
                self.inner
                    .poll_event()
                    .as_ref()
                    .map_or(JsValue::NULL, $event)
            }
        }
    };
}

pub(crate) use call_protocol;
