//! [`AsyncClient`]: the cheap-to-clone handle that sends commands to the driver task.

use iotmqtt::client::{AckToken, Stats};
use iotmqtt::{
    OwnedProperties, PacketId, QoS, ReasonCode, SubAckReason, SubscriptionOptions, UnsubAckReason,
};
use tokio::sync::{mpsc, oneshot};

use crate::driver::Driver;
use crate::error::{ConfigError, Error};
use crate::event::EventStream;
use crate::options::Options;

/// How a publish ended: the server's acknowledgement (PUBACK at QoS 1, PUBCOMP at QoS 2), or
/// acceptance into the session's queue at QoS 0.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublishAck {
    /// The packet identifier (QoS 1 and 2).
    pub packet_id: Option<PacketId>,
    /// The reason code (`Success` at QoS 0 and in MQTT 3.1.1).
    pub reason: ReasonCode,
    /// The acknowledgement's properties (MQTT 5.0).
    pub properties: OwnedProperties,
}

/// The server's answer to a SUBSCRIBE: one code per filter, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscribeAck {
    /// The packet identifier of the SUBSCRIBE.
    pub packet_id: PacketId,
    /// One code per filter: the granted QoS or a failure.
    pub reasons: Vec<SubAckReason>,
    /// SUBACK properties (MQTT 5.0).
    pub properties: OwnedProperties,
}

/// The server's answer to an UNSUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnsubscribeAck {
    /// The packet identifier of the UNSUBSCRIBE.
    pub packet_id: PacketId,
    /// One code per filter (MQTT 5.0; empty in 3.1.1).
    pub reasons: Vec<UnsubAckReason>,
    /// UNSUBACK properties (MQTT 5.0).
    pub properties: OwnedProperties,
}

pub(crate) type Reply<T> = oneshot::Sender<Result<T, Error>>;

/// One request to the driver task.
pub(crate) enum Command {
    Publish {
        topic: String,
        payload: Vec<u8>,
        qos: QoS,
        retain: bool,
        properties: OwnedProperties,
        reply: Reply<PublishAck>,
    },
    Subscribe {
        filters: Vec<(String, SubscriptionOptions)>,
        properties: OwnedProperties,
        reply: Reply<SubscribeAck>,
    },
    Unsubscribe {
        filters: Vec<String>,
        properties: OwnedProperties,
        reply: Reply<UnsubscribeAck>,
    },
    Ack {
        token: AckToken,
        reply: Reply<()>,
    },
    AuthContinue {
        data: Vec<u8>,
        reply: Reply<()>,
    },
    Reauthenticate {
        data: Vec<u8>,
        reply: Reply<()>,
    },
    Disconnect {
        reply: Reply<()>,
    },
    Stats {
        reply: Reply<Stats>,
    },
}

/// A handle on one MQTT client. Clone it freely (it is a channel sender); every clone talks to
/// the same session, which one driver task owns.
///
/// Every command is a future that resolves when the session is done with it: a publish when
/// the server acknowledges it (PUBACK at QoS 1, PUBCOMP at QoS 2) or at once at QoS 0, a
/// subscription at its SUBACK. Commands issued while the connection is down are queued by the
/// session (within its limits) and sent after the reconnect; their futures wait meanwhile.
/// Dropping a command future does not cancel the command once it reached the driver.
///
/// ```no_run
/// use iotmqtt::QoS;
/// use iotmqtt::client::ClientConfig;
/// use iotmqtt_tokio::{AsyncClient, Endpoint, Options};
///
/// # async fn run() -> Result<(), iotmqtt_tokio::Error> {
/// let options = Options::new(Endpoint::tcp("127.0.0.1", 1883), ClientConfig::new("sensor-1"));
/// let (client, mut events) = AsyncClient::connect(options)?;
/// client.subscribe("sensors/+/cmd", QoS::AtLeastOnce).await?;
/// client.publish("sensors/1/temp", b"21.5".to_vec(), QoS::AtLeastOnce, false).await?;
/// while let Some(event) = events.recv().await {
///     println!("{event:?}");
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct AsyncClient {
    tx: mpsc::Sender<Box<Command>>,
}

impl AsyncClient {
    /// Starts a client: spawns its driver task on the current tokio runtime, which connects at
    /// once and reconnects after every loss until [`disconnect`](AsyncClient::disconnect) (or
    /// until the session gives up: see `ReconnectPolicy`). Returns the handle and the event
    /// stream.
    ///
    /// # Errors
    /// [`Error::Config`] for an invalid session configuration, unreadable TLS files, an
    /// invalid server name or WebSocket path, `Credentials::AskEachTime` without a credentials
    /// callback, `config.persistence` without [`Options::persistence`], or a snapshot to restore
    /// that this session cannot use.
    ///
    /// # Panics
    /// Outside a tokio runtime (like `tokio::spawn`).
    pub fn connect(options: Options) -> Result<(AsyncClient, EventStream), Error> {
        let command_capacity = options.command_capacity;
        let event_capacity = options.event_capacity;
        let (tx, commands) = mpsc::channel(command_capacity);
        let (events_tx, events) = mpsc::channel(event_capacity);
        let driver = Driver::new(options, commands, events_tx).map_err(|e| match e {
            ConfigError::Client(e) => Error::Config(ConfigError::Client(e)),
            other => Error::Config(other),
        })?;
        tokio::spawn(driver.run());
        Ok((AsyncClient { tx }, EventStream { rx: events }))
    }

    async fn request<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, Error> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Box::new(make(reply)))
            .await
            .map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// Publishes `payload` to `topic`. Resolves at QoS 0 once the session queued the message,
    /// at QoS 1 on PUBACK, at QoS 2 on PUBCOMP.
    ///
    /// # Errors
    /// [`Error::Mqtt`] when the session refuses the message at once (invalid topic, queue full,
    /// QoS or size above the server's limits); [`Error::Rejected`] for a failure reason code
    /// from the server; [`Error::Dropped`] when the session gave it up; [`Error::Closed`].
    pub async fn publish(
        &self,
        topic: impl Into<String>,
        payload: impl Into<Vec<u8>>,
        qos: QoS,
        retain: bool,
    ) -> Result<PublishAck, Error> {
        self.publish_with_properties(topic, payload, qos, retain, OwnedProperties::new())
            .await
    }

    /// [`publish`](AsyncClient::publish) with MQTT 5.0 PUBLISH properties (content type,
    /// response topic, user properties …; not a Topic Alias, which the session manages).
    ///
    /// # Errors
    /// As [`publish`](AsyncClient::publish).
    pub async fn publish_with_properties(
        &self,
        topic: impl Into<String>,
        payload: impl Into<Vec<u8>>,
        qos: QoS,
        retain: bool,
        properties: OwnedProperties,
    ) -> Result<PublishAck, Error> {
        let (topic, payload) = (topic.into(), payload.into());
        self.request(|reply| Command::Publish {
            topic,
            payload,
            qos,
            retain,
            properties,
            reply,
        })
        .await
    }

    /// Subscribes to one filter at `qos`; resolves on SUBACK with the granted QoS.
    ///
    /// # Errors
    /// [`Error::Rejected`] when the server refused the subscription (the failure code);
    /// otherwise as [`subscribe_many`](AsyncClient::subscribe_many).
    pub async fn subscribe(&self, filter: impl Into<String>, qos: QoS) -> Result<QoS, Error> {
        let ack = self
            .subscribe_many(
                vec![(filter.into(), SubscriptionOptions::qos(qos))],
                OwnedProperties::new(),
            )
            .await?;
        match ack.reasons.first().copied() {
            Some(code) => code
                .granted_qos()
                .ok_or(Error::Rejected(ReasonCode::from(code))),
            None => Err(Error::Rejected(ReasonCode::UnspecifiedError)),
        }
    }

    /// Subscribes to several filters with their options and SUBSCRIBE properties; resolves on
    /// SUBACK with one code per filter. The session renews granted subscriptions after a
    /// reconnect that starts a new session (`reconnect.resubscribe`).
    ///
    /// # Errors
    /// [`Error::Mqtt`] for an invalid filter or option, or too many subscriptions;
    /// [`Error::Dropped`] when, after a reconnect, the request no longer fits the server's
    /// Maximum Packet Size; [`Error::Closed`].
    pub async fn subscribe_many(
        &self,
        filters: Vec<(String, SubscriptionOptions)>,
        properties: OwnedProperties,
    ) -> Result<SubscribeAck, Error> {
        self.request(|reply| Command::Subscribe {
            filters,
            properties,
            reply,
        })
        .await
    }

    /// Unsubscribes from `filters`; resolves on UNSUBACK.
    ///
    /// # Errors
    /// [`Error::Mqtt`] for an invalid filter; [`Error::Dropped`] as for
    /// [`subscribe_many`](AsyncClient::subscribe_many); [`Error::Closed`].
    pub async fn unsubscribe(&self, filters: Vec<String>) -> Result<UnsubscribeAck, Error> {
        self.request(|reply| Command::Unsubscribe {
            filters,
            properties: OwnedProperties::new(),
            reply,
        })
        .await
    }

    /// Acknowledges a received QoS 1/2 message in manual-ack mode (`config.manual_ack`), with
    /// the `ack_token` of its `Message`, once the application has stored it.
    ///
    /// # Errors
    /// [`Error::Mqtt`] in automatic mode or for an unknown token; [`Error::Closed`].
    pub async fn ack(&self, token: AckToken) -> Result<(), Error> {
        self.request(|reply| Command::Ack { token, reply }).await
    }

    /// Answers an MQTT 5.0 `AuthChallenge` event (enhanced authentication).
    ///
    /// # Errors
    /// [`Error::Mqtt`] when no challenge is pending; [`Error::Closed`].
    pub async fn auth_continue(&self, data: Vec<u8>) -> Result<(), Error> {
        self.request(|reply| Command::AuthContinue { data, reply })
            .await
    }

    /// Starts MQTT 5.0 re-authentication.
    ///
    /// # Errors
    /// [`Error::Mqtt`] unless connected over 5.0 with an `auth_method`; [`Error::Closed`].
    pub async fn reauthenticate(&self, data: Vec<u8>) -> Result<(), Error> {
        self.request(|reply| Command::Reauthenticate { data, reply })
            .await
    }

    /// What the session holds right now (queued and in-flight messages, buffers).
    ///
    /// # Errors
    /// [`Error::Closed`].
    pub async fn stats(&self) -> Result<Stats, Error> {
        self.request(|reply| Command::Stats { reply }).await
    }

    /// Sends DISCONNECT (when connected), closes the transport and stops the event loop;
    /// resolves once the DISCONNECT was written (or could not be). Messages still queued in
    /// the session are given up and their futures fail with [`Error::Closed`]; the event
    /// stream ends after `Disconnected`.
    ///
    /// # Errors
    /// [`Error::Closed`] when the event loop has already stopped.
    pub async fn disconnect(&self) -> Result<(), Error> {
        self.request(|reply| Command::Disconnect { reply }).await
    }

    /// True once the event loop has stopped: every command then fails with [`Error::Closed`].
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}
