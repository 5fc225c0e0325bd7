//! Incoming topic → [`Topic`]. Strict in the same way as the builder, so whatever parses into a
//! catalogued variant writes back to the same string.

use super::catalogue::{Param, ROWS, Value};
use super::{
    LegacyTopic, ReportSuffix, SysTopic, Topic, check_custom_topic, check_request_id,
    check_user_topic_name,
};
use crate::iotda::ids::check_device_id;
use crate::iotda::limits::MAX_CUSTOM_TOPIC_LEN;

pub(super) fn parse(topic: &str) -> Topic<'_> {
    parse_known(topic).unwrap_or(if check_custom_topic(topic).is_ok() {
        Topic::Custom(topic)
    } else {
        Topic::Unknown(topic)
    })
}

/// The next level of `s` as a valid device id, and what follows its `/`.
fn device_level(s: &str) -> Option<(&str, &str)> {
    let (id, rest) = s.split_once('/')?;
    check_device_id(id).ok()?;
    Some((id, rest))
}

fn parse_known(topic: &str) -> Option<Topic<'_>> {
    if let Some(rest) = topic.strip_prefix("$oc/devices/") {
        let (device_id, rest) = device_level(rest)?;
        if let Some(path) = rest.strip_prefix("sys/") {
            return Some(Topic::Device {
                device_id,
                topic: parse_sys(path, false)?,
            });
        }
        let name = rest.strip_prefix("user/")?;
        check_user_topic_name(name).ok()?;
        return Some(Topic::User { device_id, name });
    }
    if let Some(rest) = topic.strip_prefix("$oc/bridges/") {
        let (bridge_id, rest) = device_level(rest)?;
        let (device_id, rest) = device_level(rest.strip_prefix("devices/")?)?;
        return Some(Topic::Bridge {
            bridge_id,
            device_id,
            topic: parse_sys(rest.strip_prefix("sys/")?, true)?,
        });
    }
    if let Some(rest) = topic.strip_prefix("$oc/m2m/to/") {
        let (to, rest) = device_level(rest)?;
        let (from, rest) = device_level(rest.strip_prefix("from/")?)?;
        let request_id = rest.strip_prefix("request_id=")?;
        check_request_id(request_id).ok()?;
        return (topic.len() <= MAX_CUSTOM_TOPIC_LEN).then_some(Topic::M2m {
            to,
            from,
            request_id,
        });
    }
    if let Some(rest) = topic.strip_prefix("/huawei/v1/devices/") {
        let (device_id, path) = device_level(rest)?;
        let legacy = LegacyTopic::ALL.into_iter().find(|t| t.path() == path)?;
        return Some(Topic::Legacy {
            device_id,
            topic: legacy,
        });
    }
    None
}

/// The system topic for the part after `…/sys/`.
fn parse_sys(path: &str, bridge: bool) -> Option<SysTopic<'_>> {
    ROWS.iter()
        .filter(|row| row.scope.allows(bridge))
        .find_map(|row| {
            let rest = path.strip_prefix(row.path)?;
            let value = match row.param {
                Param::None => rest.is_empty().then_some(Value::None)?,
                Param::RequestId => {
                    check_request_id(rest).ok()?;
                    Value::RequestId(rest)
                }
                Param::Report { request_id } => {
                    Value::Report(parse_suffix(rest, request_id && !bridge, !bridge)?)
                }
            };
            SysTopic::join(row.kind, value)
        })
}

fn parse_suffix(rest: &str, request_id_ok: bool, gzip_ok: bool) -> Option<ReportSuffix<'_>> {
    if rest.is_empty() {
        return Some(ReportSuffix::None);
    }
    if rest == "?encoding=gzip" {
        return gzip_ok.then_some(ReportSuffix::Gzip);
    }
    let rid = rest.strip_prefix("?request_id=")?;
    check_request_id(rid).ok()?;
    request_id_ok.then_some(ReportSuffix::RequestId(rid))
}
