//! A system topic as the bindings and the shared test vectors spell it (`tests/README.md`
//! §2.5): a snake-case name ([`SysTopic::name`]), a request id ([`SysTopic::request_id`]) and a
//! report suffix ([`SysTopic::report_suffix`], [`ReportSuffix::name`]), and back
//! ([`SysTopic::from_parts`]). The names live with the catalogue's rows, so every binding reads
//! the same table.

use super::catalogue::{Param, ROWS, Value};
use super::{ReportSuffix, SysTopic};
use crate::iotda::error::SysPartsError;

impl<'a> ReportSuffix<'a> {
    /// The name the bindings use: `none`, `gzip` or `request_id`.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            ReportSuffix::None => "none",
            ReportSuffix::Gzip => "gzip",
            ReportSuffix::RequestId(_) => "request_id",
        }
    }

    /// The suffix of a [`name`](Self::name) with the request id that goes with it; `None` when
    /// the name is not a suffix's or does not fit the request id (`request_id` needs one,
    /// `none` and `gzip` take none).
    ///
    /// ```
    /// use iotmqtt::iotda::ReportSuffix;
    /// assert_eq!(ReportSuffix::from_parts("gzip", None), Some(ReportSuffix::Gzip));
    /// assert_eq!(
    ///     ReportSuffix::from_parts("request_id", Some("r1")),
    ///     Some(ReportSuffix::RequestId("r1"))
    /// );
    /// assert_eq!(ReportSuffix::from_parts("request_id", None), None);
    /// assert_eq!(ReportSuffix::from_parts("none", Some("r1")), None);
    /// ```
    #[must_use]
    pub fn from_parts(name: &str, request_id: Option<&'a str>) -> Option<Self> {
        // The request id decides which suffix it can be; the name must then be that one's.
        let suffix = match request_id {
            Some(rid) => ReportSuffix::RequestId(rid),
            None if name == ReportSuffix::Gzip.name() => ReportSuffix::Gzip,
            None => ReportSuffix::None,
        };
        (suffix.name() == name).then_some(suffix)
    }
}

impl<'a> SysTopic<'a> {
    /// The snake-case name the bindings and the shared test vectors use: `messages_up`,
    /// `messages_down`, `properties_report`, `gateway_properties_report`, `properties_set`,
    /// `properties_set_response`, `properties_get`, `properties_get_response`, `command`,
    /// `command_response`, `shadow_get`, `shadow_get_response`, `events_up`, `events_down`,
    /// `bootstrap_up`, `bootstrap_down`, `sub_device_messages_up`, `login`, `login_response`,
    /// `logout`, `logout_response`, `reset_secret`, `reset_secret_response`, `disconnect`.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.split().0.name()
    }

    /// The report suffix of the three report topics (`messages_up`, `properties_report`,
    /// `gateway_properties_report`); `None` for the others.
    #[must_use]
    pub const fn report_suffix(&self) -> Option<ReportSuffix<'a>> {
        match self.split().1 {
            Value::Report(suffix) => Some(suffix),
            Value::None | Value::RequestId(_) => None,
        }
    }

    /// The system topic [`name`](Self::name)d `name`, with its
    /// [`request_id`](Self::request_id) and the [`name`](ReportSuffix::name) of its
    /// [`report_suffix`](Self::report_suffix): the inverse of those three. A report topic's
    /// suffix defaults to `none`; the other topics take no suffix.
    ///
    /// This checks only that the parts fit the name, in this order: the name, the request id,
    /// the suffix. The request id's characters and whether the catalogue has the topic where
    /// it is used (behind a bridge, a gateway report with `?request_id=`) are checked by
    /// [`Topic::write`](super::Topic::write).
    ///
    /// ```
    /// use iotmqtt::iotda::{ReportSuffix, SysPartsError, SysTopic};
    /// let reply = SysTopic::from_parts("command_response", Some("42"), None)?;
    /// assert_eq!(reply, SysTopic::CommandResponse { request_id: "42" });
    ///
    /// let report = SysTopic::PropertiesReport(ReportSuffix::RequestId("r1"));
    /// let parts = (report.name(), report.request_id(), report.report_suffix().map(|s| s.name()));
    /// assert_eq!(parts, ("properties_report", Some("r1"), Some("request_id")));
    /// assert_eq!(SysTopic::from_parts(parts.0, parts.1, parts.2), Ok(report));
    ///
    /// assert_eq!(SysTopic::from_parts("command", None, None), Err(SysPartsError::RequestIdMissing));
    /// assert_eq!(
    ///     SysTopic::from_parts("messages_up", None, Some("zip")),
    ///     Err(SysPartsError::BadSuffix)
    /// );
    /// # Ok::<(), SysPartsError>(())
    /// ```
    pub fn from_parts(
        name: &str,
        request_id: Option<&'a str>,
        suffix: Option<&str>,
    ) -> Result<Self, SysPartsError> {
        let row = ROWS
            .iter()
            .find(|row| row.kind.name() == name)
            .ok_or(SysPartsError::UnknownName)?;
        let value = match (row.param, request_id) {
            (Param::Report { .. }, _) => Value::Report(
                ReportSuffix::from_parts(suffix.unwrap_or("none"), request_id)
                    .ok_or(SysPartsError::BadSuffix)?,
            ),
            (Param::RequestId, None) => return Err(SysPartsError::RequestIdMissing),
            (Param::None, Some(_)) => return Err(SysPartsError::RequestIdNotTaken),
            _ if suffix.is_some() => return Err(SysPartsError::SuffixNotTaken),
            (Param::RequestId, Some(rid)) => Value::RequestId(rid),
            (Param::None, None) => Value::None,
        };
        // Every row's parameter fits its kind (tested below), so this never falls back.
        SysTopic::join(row.kind, value).ok_or(SysPartsError::UnknownName)
    }
}

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeSet;
    use alloc::string::{String, ToString};
    use alloc::vec;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::super::catalogue::Kind;
    use super::*;

    /// Every value a row's parameter allows, with `rid` wherever a request id goes.
    fn values(param: Param, rid: &str) -> Vec<Value<'_>> {
        match param {
            Param::None => vec![Value::None],
            Param::RequestId => vec![Value::RequestId(rid)],
            Param::Report { .. } => vec![
                Value::Report(ReportSuffix::None),
                Value::Report(ReportSuffix::Gzip),
                Value::Report(ReportSuffix::RequestId(rid)),
            ],
        }
    }

    fn row_param(kind: Kind) -> Param {
        ROWS.iter().find(|r| r.kind == kind).unwrap().param
    }

    fn parts<'a>(t: &SysTopic<'a>) -> (&'static str, Option<&'a str>, Option<&'static str>) {
        (
            t.name(),
            t.request_id(),
            t.report_suffix().map(|s| s.name()),
        )
    }

    /// Joins `kind` and `value`, checks the accessors agree with the catalogue and that the
    /// parts build the same topic.
    fn assert_round_trip(kind: Kind, value: Value<'_>) {
        let topic = SysTopic::join(kind, value).unwrap();
        assert_eq!(topic.split(), (kind, value));
        let (name, rid, suffix) = parts(&topic);
        assert_eq!(name, kind.name());
        match value {
            Value::None => assert_eq!((rid, suffix), (None, None)),
            Value::RequestId(r) => assert_eq!((rid, suffix), (Some(r), None)),
            Value::Report(s) => assert_eq!(suffix, Some(s.name())),
        }
        assert_eq!(
            SysTopic::from_parts(name, rid, suffix),
            Ok(topic),
            "{topic:?}"
        );
    }

    #[test]
    fn every_kind_has_one_row_and_its_own_snake_case_name() {
        let mut names = BTreeSet::new();
        for &kind in Kind::ALL {
            assert_eq!(
                ROWS.iter().filter(|r| r.kind == kind).count(),
                1,
                "{kind:?}"
            );
            let name = kind.name();
            assert!(names.insert(name), "{name} named twice");
            assert!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}"
            );
        }
        assert_eq!(ROWS.len(), Kind::ALL.len());
    }

    #[test]
    fn every_topic_goes_to_its_parts_and_back() {
        for &kind in Kind::ALL {
            for value in values(row_param(kind), "r-1") {
                assert_round_trip(kind, value);
            }
        }
    }

    #[test]
    fn report_suffixes_go_to_their_names_and_back() {
        for s in [
            ReportSuffix::None,
            ReportSuffix::Gzip,
            ReportSuffix::RequestId("r"),
        ] {
            let rid = match s {
                ReportSuffix::RequestId(r) => Some(r),
                _ => None,
            };
            assert_eq!(ReportSuffix::from_parts(s.name(), rid), Some(s));
        }
        for (name, rid) in [
            ("none", Some("r")),
            ("gzip", Some("r")),
            ("request_id", None),
            ("", None),
            ("GZIP", None),
            ("encoding=gzip", None),
        ] {
            assert_eq!(ReportSuffix::from_parts(name, rid), None, "{name} {rid:?}");
        }
    }

    #[test]
    fn refusals_name_the_wrong_part_in_order() {
        use SysPartsError as E;
        let cases: [(&str, Option<&str>, Option<&str>, E); 14] = [
            ("", None, None, E::UnknownName),
            ("Command", Some("1"), None, E::UnknownName),
            ("commands/request_id=", Some("1"), None, E::UnknownName),
            // The name comes first.
            ("nope", None, Some("zip"), E::UnknownName),
            ("command", None, None, E::RequestIdMissing),
            // The request id comes before the suffix.
            ("command", None, Some("gzip"), E::RequestIdMissing),
            ("command", Some("1"), Some("none"), E::SuffixNotTaken),
            ("events_up", Some("1"), None, E::RequestIdNotTaken),
            ("events_up", Some("1"), Some("gzip"), E::RequestIdNotTaken),
            ("disconnect", None, Some("none"), E::SuffixNotTaken),
            ("messages_up", None, Some("request_id"), E::BadSuffix),
            ("messages_up", Some("1"), None, E::BadSuffix),
            ("properties_report", Some("1"), Some("gzip"), E::BadSuffix),
            (
                "gateway_properties_report",
                None,
                Some("encoding"),
                E::BadSuffix,
            ),
        ];
        for (name, rid, suffix, want) in cases {
            assert_eq!(
                SysTopic::from_parts(name, rid, suffix),
                Err(want),
                "{name} {rid:?} {suffix:?}"
            );
        }
        // A report topic's suffix defaults to `none`; the gateway report's `request_id`
        // suffix is built here and refused by the catalogue when written.
        assert_eq!(
            SysTopic::from_parts("messages_up", None, None),
            Ok(SysTopic::MessagesUp(ReportSuffix::None))
        );
        assert_eq!(
            SysTopic::from_parts("gateway_properties_report", Some("1"), Some("request_id")),
            Ok(SysTopic::GatewayPropertiesReport(ReportSuffix::RequestId(
                "1"
            )))
        );
    }

    #[test]
    fn error_messages_are_distinct() {
        use SysPartsError as E;
        let all = [
            E::UnknownName,
            E::RequestIdMissing,
            E::RequestIdNotTaken,
            E::SuffixNotTaken,
            E::BadSuffix,
        ];
        let texts: BTreeSet<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(texts.len(), all.len());
    }

    proptest! {
        /// Any kind with any request id (its characters are `Topic::write`'s business) and any
        /// of its suffixes goes to its parts and back.
        #[test]
        fn parts_round_trip(index in 0..Kind::ALL.len(), rid in "\\PC{0,40}", pick in 0usize..3) {
            let kind = Kind::ALL[index];
            let values = values(row_param(kind), &rid);
            assert_round_trip(kind, values[pick % values.len()]);
        }

        /// Whatever the parts, `from_parts` never panics and what it builds gives them back.
        #[test]
        fn from_parts_gives_back_its_parts(
            name in prop_oneof![
                prop::sample::select(Kind::ALL).prop_map(|k| k.name().to_string()),
                "[a-z_]{0,30}",
            ],
            rid in proptest::option::of("\\PC{0,10}"),
            suffix in proptest::option::of(prop_oneof![
                prop::sample::select(vec!["none", "gzip", "request_id"]).prop_map(String::from),
                "[a-z_]{0,12}",
            ]),
        ) {
            if let Ok(topic) = SysTopic::from_parts(&name, rid.as_deref(), suffix.as_deref()) {
                let (n, r, s) = parts(&topic);
                prop_assert_eq!(n, name.as_str());
                prop_assert_eq!(r, rid.as_deref());
                // An omitted report suffix reads back as `none`.
                let none = topic.report_suffix().map(|_| "none");
                prop_assert_eq!(s, suffix.as_deref().or(none));
            }
        }
    }
}
