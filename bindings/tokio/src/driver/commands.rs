//! Commands from the handles, applied to the session; replies that wait for the server
//! are kept in `waiters`.

use std::task::{Context, Poll};

use iotmqtt::{ReasonCode, Subscription, UsageError};

use super::{COMMAND_BATCH, Driver, Waiter};
use crate::client::{Command, PublishAck};
use crate::error::Error;

impl Driver {
    pub(super) fn poll_commands(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.commands_open || self.stopping {
            return false;
        }
        let mut progress = false;
        for _ in 0..COMMAND_BATCH {
            match self.commands.poll_recv(cx) {
                Poll::Ready(Some(command)) => {
                    self.command(*command);
                    progress = true;
                }
                Poll::Ready(None) => {
                    self.commands_open = false;
                    return true;
                }
                Poll::Pending => break,
            }
        }
        progress
    }

    pub(super) fn command(&mut self, command: Command) {
        match command {
            Command::Publish {
                topic,
                payload,
                qos,
                retain,
                properties,
                reply,
            } => match self
                .core
                .publish(&topic, &payload, qos, retain, properties.as_properties())
            {
                Ok(None) => {
                    let _ = reply.send(Ok(PublishAck {
                        packet_id: None,
                        reason: ReasonCode::Success,
                        properties: iotmqtt::OwnedProperties::new(),
                    }));
                }
                Ok(Some(id)) => {
                    self.waiters.insert(id.get(), Waiter::Publish(reply));
                }
                Err(e) => {
                    let _ = reply.send(Err(e.into()));
                }
            },
            Command::Subscribe {
                filters,
                properties,
                reply,
            } => {
                let subscriptions: Vec<Subscription<'_>> = filters
                    .iter()
                    .map(|(filter, options)| Subscription {
                        filter,
                        options: *options,
                    })
                    .collect();
                match self
                    .core
                    .subscribe(&subscriptions, properties.as_properties())
                {
                    Ok(id) => {
                        self.waiters.insert(id.get(), Waiter::Subscribe(reply));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Unsubscribe {
                filters,
                properties,
                reply,
            } => {
                let filters: Vec<&str> = filters.iter().map(String::as_str).collect();
                match self.core.unsubscribe(&filters, properties.as_properties()) {
                    Ok(id) => {
                        self.waiters.insert(id.get(), Waiter::Unsubscribe(reply));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Ack { token, reply } => {
                let result = if self.auto_ack {
                    Err(Error::Mqtt(
                        UsageError::InvalidState("ack: messages are acknowledged automatically")
                            .into(),
                    ))
                } else {
                    self.core.ack(token).map_err(Error::from)
                };
                let _ = reply.send(result);
            }
            Command::AuthContinue { data, reply } => {
                let _ = reply.send(self.core.auth_continue(&data).map_err(Error::from));
            }
            Command::Reauthenticate { data, reply } => {
                let _ = reply.send(self.core.reauthenticate(&data).map_err(Error::from));
            }
            Command::Stats { reply } => {
                let _ = reply.send(Ok(self.core.stats()));
            }
            Command::Disconnect { reply } => {
                self.disconnect_waiters.push(reply);
                if self.core.disconnect().is_err() {
                    // Already idle: nothing to send.
                    self.begin_stop();
                }
            }
        }
    }
}
