//! Events to the application: the bounded backlog, the drop policy, and the moment a
//! message is acknowledged.

use std::task::{Context, Poll};

use iotmqtt::QoS;
use iotmqtt::client;

use super::Driver;
use crate::event::Event;

impl Driver {
    pub(super) fn push_message(&mut self, message: client::Message) {
        if !self.events_open {
            self.settle(Event::Mqtt(client::Event::Message(message)));
            return;
        }
        if message.qos == QoS::AtMostOnce && self.backlog.len() >= self.backlog_limit {
            self.count_dropped(1, 0);
            return;
        }
        // QoS 1/2 always wait: they are not acknowledged yet, so the server's in-flight limit
        // bounds them.
        self.backlog
            .push_back(Event::Mqtt(client::Event::Message(message)));
    }

    pub(super) fn push_app(&mut self, event: Event) {
        if !self.events_open {
            return;
        }
        if self.backlog.len() >= self.backlog_limit {
            self.count_dropped(0, 1);
            return;
        }
        self.backlog.push_back(event);
    }

    /// Counts dropped events in a `Dropped` marker where they were dropped: the last entry
    /// of the backlog, or a new marker beyond the limit (at most one after each QoS 1/2
    /// message, so the backlog stays bounded).
    pub(super) fn count_dropped(&mut self, dropped_messages: u64, dropped_events: u64) {
        if !self.events_open {
            return;
        }
        if let Some(Event::Dropped { messages, events }) = self.backlog.back_mut() {
            *messages = messages.saturating_add(dropped_messages);
            *events = events.saturating_add(dropped_events);
            return;
        }
        self.backlog.push_back(Event::Dropped {
            messages: dropped_messages,
            events: dropped_events,
        });
    }

    /// An event leaves the driver: a message is acknowledged now in automatic mode.
    pub(super) fn settle(&mut self, event: Event) -> Event {
        match event {
            Event::Mqtt(client::Event::Message(mut message)) => {
                if self.auto_ack {
                    if let Some(token) = message.ack_token.take() {
                        // A token of a session the server replaced is accepted and ignored.
                        let _ = self.core.ack(token);
                    }
                }
                Event::Mqtt(client::Event::Message(message))
            }
            other => other,
        }
    }

    pub(super) fn poll_deliver(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        while self.events_open && !self.backlog.is_empty() {
            match self.events.poll_reserve(cx) {
                Poll::Pending => break,
                Poll::Ready(Err(_)) => {
                    self.events_open = false;
                }
                Poll::Ready(Ok(())) => {
                    let Some(event) = self.backlog.pop_front() else {
                        break;
                    };
                    let event = self.settle(event);
                    if self.events.send_item(Box::new(event)).is_err() {
                        self.events_open = false;
                    }
                    progress = true;
                }
            }
        }
        if !self.events_open {
            while let Some(event) = self.backlog.pop_front() {
                self.settle(event);
                progress = true;
            }
        }
        progress
    }
}
