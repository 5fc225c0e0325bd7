//! The system topics under `$oc/devices/{id}/sys/` and `$oc/bridges/{bid}/devices/{id}/sys/`
//! as data: one row per topic with its path, parameter, direction and where it is allowed
//! (IOTDA.md §4 and §6.3). Building and parsing both read this table.

use super::{Direction, ReportSuffix, SysTopic};

/// What follows a row's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Param {
    /// Nothing.
    None,
    /// The request id (the path ends with `request_id=`).
    RequestId,
    /// An optional `?encoding=gzip`, or `?request_id={rid}` when `request_id` is true.
    Report { request_id: bool },
}

/// Where a row is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// Only for a directly connected device (`$oc/devices/{id}/sys/…`).
    Device,
    /// Only behind a bridge (`$oc/bridges/{bid}/devices/{id}/sys/…`).
    Bridge,
    /// Both.
    Both,
}

impl Scope {
    pub(super) const fn allows(self, bridge: bool) -> bool {
        match self {
            Scope::Device => !bridge,
            Scope::Bridge => bridge,
            Scope::Both => true,
        }
    }
}

/// Declares [`Kind`] with the snake-case name of each system topic, so a kind cannot exist
/// without a name.
macro_rules! kinds {
    ($($kind:ident => $name:literal,)+) => {
        /// A system topic without its parameter value.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(super) enum Kind {
            $($kind,)+
        }

        impl Kind {
            /// Every kind, in declaration order.
            #[cfg(test)]
            pub(super) const ALL: &[Kind] = &[$(Kind::$kind,)+];

            /// The name the bindings and the shared test vectors use ([`SysTopic::name`]).
            pub(super) const fn name(self) -> &'static str {
                match self {
                    $(Kind::$kind => $name,)+
                }
            }
        }
    };
}

kinds! {
    MessagesUp => "messages_up",
    MessagesDown => "messages_down",
    PropertiesReport => "properties_report",
    GatewayPropertiesReport => "gateway_properties_report",
    PropertiesSet => "properties_set",
    PropertiesSetResponse => "properties_set_response",
    PropertiesGet => "properties_get",
    PropertiesGetResponse => "properties_get_response",
    Command => "command",
    CommandResponse => "command_response",
    ShadowGet => "shadow_get",
    ShadowGetResponse => "shadow_get_response",
    EventsUp => "events_up",
    EventsDown => "events_down",
    BootstrapUp => "bootstrap_up",
    BootstrapDown => "bootstrap_down",
    SubDeviceMessagesUp => "sub_device_messages_up",
    Login => "login",
    LoginResponse => "login_response",
    Logout => "logout",
    LogoutResponse => "logout_response",
    ResetSecret => "reset_secret",
    ResetSecretResponse => "reset_secret_response",
    Disconnect => "disconnect",
}

/// One row of the catalogue.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row {
    pub(super) kind: Kind,
    /// Path after `…/sys/`; rows with [`Param::RequestId`] end with `request_id=`.
    pub(super) path: &'static str,
    pub(super) param: Param,
    pub(super) direction: Direction,
    pub(super) scope: Scope,
}

const fn row(
    kind: Kind,
    path: &'static str,
    param: Param,
    direction: Direction,
    scope: Scope,
) -> Row {
    Row {
        kind,
        path,
        param,
        direction,
        scope,
    }
}

use Direction::{Down, Up};
use Param::RequestId as Rid;

/// Every system topic. Gateway batch reports behind a bridge are left out: the C SDK writes
/// them without `/sys` (likely a bug) and the Java bridge SDK has none (IOTDA.md §6.3).
pub(super) const ROWS: &[Row] = &[
    row(
        Kind::MessagesUp,
        "messages/up",
        Param::Report { request_id: true },
        Up,
        Scope::Both,
    ),
    row(
        Kind::MessagesDown,
        "messages/down",
        Param::None,
        Down,
        Scope::Both,
    ),
    row(
        Kind::PropertiesReport,
        "properties/report",
        Param::Report { request_id: true },
        Up,
        Scope::Both,
    ),
    row(
        Kind::GatewayPropertiesReport,
        "gateway/sub_devices/properties/report",
        Param::Report { request_id: false },
        Up,
        Scope::Device,
    ),
    row(
        Kind::PropertiesSet,
        "properties/set/request_id=",
        Rid,
        Down,
        Scope::Both,
    ),
    row(
        Kind::PropertiesSetResponse,
        "properties/set/response/request_id=",
        Rid,
        Up,
        Scope::Both,
    ),
    row(
        Kind::PropertiesGet,
        "properties/get/request_id=",
        Rid,
        Down,
        Scope::Both,
    ),
    row(
        Kind::PropertiesGetResponse,
        "properties/get/response/request_id=",
        Rid,
        Up,
        Scope::Both,
    ),
    row(
        Kind::Command,
        "commands/request_id=",
        Rid,
        Down,
        Scope::Both,
    ),
    row(
        Kind::CommandResponse,
        "commands/response/request_id=",
        Rid,
        Up,
        Scope::Both,
    ),
    row(
        Kind::ShadowGet,
        "shadow/get/request_id=",
        Rid,
        Up,
        Scope::Both,
    ),
    row(
        Kind::ShadowGetResponse,
        "shadow/get/response/request_id=",
        Rid,
        Down,
        Scope::Device,
    ),
    row(Kind::EventsUp, "events/up", Param::None, Up, Scope::Both),
    row(
        Kind::EventsDown,
        "events/down",
        Param::None,
        Down,
        Scope::Device,
    ),
    row(
        Kind::BootstrapUp,
        "bootstrap/up",
        Param::None,
        Up,
        Scope::Device,
    ),
    row(
        Kind::BootstrapDown,
        "bootstrap/down",
        Param::None,
        Down,
        Scope::Device,
    ),
    row(
        Kind::SubDeviceMessagesUp,
        "sub_device_manage/messages/up",
        Param::None,
        Up,
        Scope::Device,
    ),
    row(Kind::Login, "login/request_id=", Rid, Up, Scope::Bridge),
    row(
        Kind::LoginResponse,
        "login/response/request_id=",
        Rid,
        Down,
        Scope::Bridge,
    ),
    row(Kind::Logout, "logout/request_id=", Rid, Up, Scope::Bridge),
    row(
        Kind::LogoutResponse,
        "logout/response/request_id=",
        Rid,
        Down,
        Scope::Bridge,
    ),
    row(
        Kind::ResetSecret,
        "reset_secret/request_id=",
        Rid,
        Up,
        Scope::Bridge,
    ),
    row(
        Kind::ResetSecretResponse,
        "reset_secret/response/request_id=",
        Rid,
        Down,
        Scope::Bridge,
    ),
    row(
        Kind::Disconnect,
        "disconnect",
        Param::None,
        Down,
        Scope::Bridge,
    ),
];

/// The row of `kind`.
pub(super) fn row_of(kind: Kind) -> Option<&'static Row> {
    ROWS.iter().find(|r| r.kind == kind)
}

/// The parameter value a system topic carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Value<'a> {
    None,
    RequestId(&'a str),
    Report(ReportSuffix<'a>),
}

impl<'a> SysTopic<'a> {
    /// Splits a system topic into its row kind and parameter value.
    pub(super) const fn split(&self) -> (Kind, Value<'a>) {
        use SysTopic as S;
        match *self {
            S::MessagesUp(s) => (Kind::MessagesUp, Value::Report(s)),
            S::MessagesDown => (Kind::MessagesDown, Value::None),
            S::PropertiesReport(s) => (Kind::PropertiesReport, Value::Report(s)),
            S::GatewayPropertiesReport(s) => (Kind::GatewayPropertiesReport, Value::Report(s)),
            S::PropertiesSet { request_id } => (Kind::PropertiesSet, Value::RequestId(request_id)),
            S::PropertiesSetResponse { request_id } => {
                (Kind::PropertiesSetResponse, Value::RequestId(request_id))
            }
            S::PropertiesGet { request_id } => (Kind::PropertiesGet, Value::RequestId(request_id)),
            S::PropertiesGetResponse { request_id } => {
                (Kind::PropertiesGetResponse, Value::RequestId(request_id))
            }
            S::Command { request_id } => (Kind::Command, Value::RequestId(request_id)),
            S::CommandResponse { request_id } => {
                (Kind::CommandResponse, Value::RequestId(request_id))
            }
            S::ShadowGet { request_id } => (Kind::ShadowGet, Value::RequestId(request_id)),
            S::ShadowGetResponse { request_id } => {
                (Kind::ShadowGetResponse, Value::RequestId(request_id))
            }
            S::EventsUp => (Kind::EventsUp, Value::None),
            S::EventsDown => (Kind::EventsDown, Value::None),
            S::BootstrapUp => (Kind::BootstrapUp, Value::None),
            S::BootstrapDown => (Kind::BootstrapDown, Value::None),
            S::SubDeviceMessagesUp => (Kind::SubDeviceMessagesUp, Value::None),
            S::Login { request_id } => (Kind::Login, Value::RequestId(request_id)),
            S::LoginResponse { request_id } => (Kind::LoginResponse, Value::RequestId(request_id)),
            S::Logout { request_id } => (Kind::Logout, Value::RequestId(request_id)),
            S::LogoutResponse { request_id } => {
                (Kind::LogoutResponse, Value::RequestId(request_id))
            }
            S::ResetSecret { request_id } => (Kind::ResetSecret, Value::RequestId(request_id)),
            S::ResetSecretResponse { request_id } => {
                (Kind::ResetSecretResponse, Value::RequestId(request_id))
            }
            S::Disconnect => (Kind::Disconnect, Value::None),
        }
    }

    /// Joins a row kind and a parameter value; `None` when they do not fit together.
    pub(super) fn join(kind: Kind, value: Value<'a>) -> Option<Self> {
        use SysTopic as S;
        Some(match (kind, value) {
            (Kind::MessagesUp, Value::Report(s)) => S::MessagesUp(s),
            (Kind::MessagesDown, Value::None) => S::MessagesDown,
            (Kind::PropertiesReport, Value::Report(s)) => S::PropertiesReport(s),
            (Kind::GatewayPropertiesReport, Value::Report(s)) => S::GatewayPropertiesReport(s),
            (Kind::PropertiesSet, Value::RequestId(request_id)) => S::PropertiesSet { request_id },
            (Kind::PropertiesSetResponse, Value::RequestId(request_id)) => {
                S::PropertiesSetResponse { request_id }
            }
            (Kind::PropertiesGet, Value::RequestId(request_id)) => S::PropertiesGet { request_id },
            (Kind::PropertiesGetResponse, Value::RequestId(request_id)) => {
                S::PropertiesGetResponse { request_id }
            }
            (Kind::Command, Value::RequestId(request_id)) => S::Command { request_id },
            (Kind::CommandResponse, Value::RequestId(request_id)) => {
                S::CommandResponse { request_id }
            }
            (Kind::ShadowGet, Value::RequestId(request_id)) => S::ShadowGet { request_id },
            (Kind::ShadowGetResponse, Value::RequestId(request_id)) => {
                S::ShadowGetResponse { request_id }
            }
            (Kind::EventsUp, Value::None) => S::EventsUp,
            (Kind::EventsDown, Value::None) => S::EventsDown,
            (Kind::BootstrapUp, Value::None) => S::BootstrapUp,
            (Kind::BootstrapDown, Value::None) => S::BootstrapDown,
            (Kind::SubDeviceMessagesUp, Value::None) => S::SubDeviceMessagesUp,
            (Kind::Login, Value::RequestId(request_id)) => S::Login { request_id },
            (Kind::LoginResponse, Value::RequestId(request_id)) => S::LoginResponse { request_id },
            (Kind::Logout, Value::RequestId(request_id)) => S::Logout { request_id },
            (Kind::LogoutResponse, Value::RequestId(request_id)) => {
                S::LogoutResponse { request_id }
            }
            (Kind::ResetSecret, Value::RequestId(request_id)) => S::ResetSecret { request_id },
            (Kind::ResetSecretResponse, Value::RequestId(request_id)) => {
                S::ResetSecretResponse { request_id }
            }
            (Kind::Disconnect, Value::None) => S::Disconnect,
            _ => return None,
        })
    }
}
