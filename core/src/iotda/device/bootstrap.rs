//! Provisioning (IOTDA.md §6.1): connect to the bootstrap endpoint, subscribe to
//! `bootstrap/down`, publish the request on `bootstrap/up` once the subscription is granted,
//! read the answer, and switch to the provisioned identity for the connection to the address
//! it names.

use alloc::boxed::Box;
use alloc::string::String;
use core::mem;

use super::IotdaDevice;
use super::event::{DeviceEvent, InputProblem, RequestKind, UpstreamFailed};
use crate::client::Client;
use crate::codec::QoS;
use crate::error::{Result, UsageError};
use crate::iotda::credentials::DeviceAuth;
use crate::iotda::payloads::{BootstrapOutcome, BootstrapRequest, JsonPayload};
use crate::iotda::secret::DeviceSecret;
use crate::iotda::topics::{SysTopic, bootstrap_filter, downstream_filters};

/// Where the device is in provisioning.
#[derive(Debug, Clone)]
pub(super) struct Bootstrap {
    /// The request to send; `Some` while provisioning.
    request: Option<BootstrapRequest>,
    /// A connection came up: send the request when the subscription is granted.
    send_on_grant: bool,
}

impl Bootstrap {
    pub(super) fn new(request: Option<BootstrapRequest>) -> Self {
        Bootstrap {
            request,
            send_on_grant: false,
        }
    }

    pub(super) fn is_active(&self) -> bool {
        self.request.is_some()
    }

    pub(super) fn on_connected(&mut self) {
        self.send_on_grant = self.is_active();
    }
}

impl IotdaDevice {
    /// Subscribes what the configuration asks for, unless the device already did (the client
    /// renews its subscriptions on every new session).
    pub(super) fn subscribe_configured(&mut self) -> Result<()> {
        let device_id = self.config.auth.device_id().clone();
        let (filters, qos) = if self.bootstrap.is_active() {
            (alloc::vec![bootstrap_filter(&device_id)], QoS::AtMostOnce)
        } else if self.config.subscribe_downstream_qos1 {
            (downstream_filters(&device_id), QoS::AtLeastOnce)
        } else {
            return Ok(());
        };
        let missing: alloc::vec::Vec<&str> = filters
            .iter()
            .map(String::as_str)
            .filter(|f| !self.subscriptions.iter().any(|s| s == f))
            .collect();
        if !missing.is_empty() {
            self.subscribe_filters(&missing, qos)?;
        }
        Ok(())
    }

    /// A subscription was granted: while provisioning, that is when the request goes out.
    pub(super) fn on_granted(&mut self) {
        if !mem::take(&mut self.bootstrap.send_on_grant) {
            return;
        }
        if let Err(error) = self.request_bootstrap() {
            let topic = self.sys_topic(SysTopic::BootstrapUp).unwrap_or_default();
            self.events
                .push_back(DeviceEvent::UpstreamFailed(Box::new(UpstreamFailed {
                    topic,
                    requests: alloc::vec::Vec::new(),
                    error,
                })));
        }
    }

    /// Sends the provisioning request again (after [`DeviceEvent::BootstrapFailed`] or a
    /// timeout); it goes out when connected. The device sends it by itself once the
    /// `bootstrap/down` subscription is granted. Returns the id of the waiting request.
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] unless provisioning; [`UsageError::QueueFull`].
    pub fn request_bootstrap(&mut self) -> Result<String> {
        let Some(request) = &self.bootstrap.request else {
            return Err(UsageError::InvalidState("request_bootstrap: not provisioning").into());
        };
        let payload = request.to_json()?;
        let topic = self.sys_topic(SysTopic::BootstrapUp)?;
        let id = self.requests.next_id();
        let id = self.enqueue_request(RequestKind::Bootstrap, id, topic, payload)?;
        // The new request replaces an older one: there is one answer for both.
        self.requests
            .remove_kind_except(RequestKind::Bootstrap, &id);
        Ok(id)
    }

    /// What arrived on `bootstrap/down`.
    pub(super) fn on_bootstrap_down(&mut self, topic: String, payload: &[u8]) {
        if !self.bootstrap.is_active() {
            self.bad_input(topic, None, InputProblem::UnexpectedBootstrap);
            return;
        }
        let answer = match BootstrapOutcome::from_json(payload) {
            Ok(BootstrapOutcome::Answer(a)) => a,
            Ok(BootstrapOutcome::Failure(f)) => {
                self.requests.answer(RequestKind::Bootstrap, None, None);
                self.events.push_back(DeviceEvent::BootstrapFailed(f));
                return;
            }
            Err(e) => {
                self.bad_input(topic, None, InputProblem::Payload(e));
                return;
            }
        };
        let device_id = self.config.auth.device_id().clone();
        let sig_type = self.config.auth.sig_type();
        let auth = match (&answer.device_secret, self.config.auth.device_secret()) {
            (Some(secret), _) => match DeviceSecret::new(secret.expose()) {
                Ok(secret) => DeviceAuth::secret(device_id, secret),
                Err(e) => {
                    self.bad_input(topic, None, InputProblem::Payload(e));
                    return;
                }
            },
            (None, Some(secret)) => DeviceAuth::secret(device_id, secret.clone()),
            (None, None) => DeviceAuth::certificate(device_id),
        }
        .with_sig_type(sig_type);
        self.requests.answer(RequestKind::Bootstrap, None, None);
        self.finish_bootstrap(auth);
        self.events.push_back(DeviceEvent::Bootstrapped {
            address: answer.address,
            init_config: answer.init_config,
            secret_changed: answer.device_secret.is_some(),
        });
    }

    /// Leaves the bootstrap endpoint: the old client sends DISCONNECT (polled once more), a
    /// fresh client with the provisioned identity waits for the next transport.
    fn finish_bootstrap(&mut self, auth: DeviceAuth) {
        self.config.auth = auth;
        self.config.bootstrap = None;
        self.bootstrap = Bootstrap::new(None);
        let mut old = mem::replace(&mut self.client, Client::new(self.config.client_config()));
        // Connected, so disconnect succeeds; its events (the rest of the bootstrap session)
        // end with it.
        let _ = old.disconnect();
        self.retiring = Some(Box::new(old));
        self.subscriptions.clear();
        self.client_full = false;
        self.connect_on_transport = true;
        // A fresh client takes the six downstream filters: nothing to refuse.
        let _ = self.subscribe_configured();
    }
}
