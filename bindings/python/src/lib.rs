//! The native module `iotmqtt._native`: the iotmqtt core seen from Python. It holds one core
//! object per Python object, converts types at its edge and maps errors to the exception tree
//! of `iotmqtt.errors`; every protocol rule stays in the core. The public API is the
//! `iotmqtt` package, which re-exports what is here.

mod args;
mod client;
mod device;
mod errors;
mod events;
mod iotda;
mod packets;
mod properties;
mod topics;

use pyo3::prelude::*;

#[pymodule(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(packets::decode, m)?)?;
    m.add_function(wrap_pyfunction!(packets::decode_all, m)?)?;
    m.add_function(wrap_pyfunction!(packets::encode, m)?)?;
    m.add_class::<packets::Decoder>()?;
    m.add_class::<properties::Properties>()?;
    m.add_class::<packets::Connect>()?;
    m.add_class::<packets::Will>()?;
    m.add_class::<packets::Connack>()?;
    m.add_class::<packets::Publish>()?;
    m.add_class::<packets::PubAck>()?;
    m.add_class::<packets::PubRec>()?;
    m.add_class::<packets::PubRel>()?;
    m.add_class::<packets::PubComp>()?;
    m.add_class::<packets::Subscription>()?;
    m.add_class::<packets::Subscribe>()?;
    m.add_class::<packets::SubAck>()?;
    m.add_class::<packets::Unsubscribe>()?;
    m.add_class::<packets::UnsubAck>()?;
    m.add_class::<packets::PingReq>()?;
    m.add_class::<packets::PingResp>()?;
    m.add_class::<packets::Disconnect>()?;
    m.add_class::<packets::Auth>()?;
    m.add_class::<client::ClientConfig>()?;
    m.add_class::<client::Client>()?;
    m.add_class::<client::Stats>()?;
    m.add_class::<events::CredentialsNeeded>()?;
    m.add_class::<events::AuthChallenge>()?;
    m.add_class::<events::Reauthenticated>()?;
    m.add_class::<events::Connected>()?;
    m.add_class::<events::Message>()?;
    m.add_class::<events::PublishAcked>()?;
    m.add_class::<events::PublishCompleted>()?;
    m.add_class::<events::PublishDropped>()?;
    m.add_class::<events::RequestDropped>()?;
    m.add_class::<events::Subscribed>()?;
    m.add_class::<events::Unsubscribed>()?;
    m.add_class::<events::ConnectionLost>()?;
    m.add_class::<events::Disconnected>()?;
    m.add_class::<events::ReconnectDue>()?;
    m.add_class::<events::PersistRequired>()?;
    m.add_class::<events::MessagesDropped>()?;
    m.add_class::<iotda::DeviceAuth>()?;
    m.add_class::<iotda::IotdaCredentials>()?;
    m.add_class::<iotda::Topic>()?;
    m.add_class::<device::DeviceConfig>()?;
    m.add_class::<device::IotdaDevice>()?;
    m.add_class::<device::PendingRequest>()?;
    m.add_class::<device::Command>()?;
    m.add_class::<device::PropertiesSet>()?;
    m.add_class::<device::PropertiesGet>()?;
    m.add_class::<device::Shadow>()?;
    m.add_class::<device::MessageDown>()?;
    m.add_class::<device::SystemEvent>()?;
    m.add_class::<device::Bootstrapped>()?;
    m.add_class::<device::BootstrapFailed>()?;
    m.add_class::<device::RequestTimeout>()?;
    m.add_class::<device::BadInput>()?;
    m.add_class::<device::UpstreamFailed>()?;
    m.add_function(wrap_pyfunction!(iotda::compute_password, m)?)?;
    m.add_function(wrap_pyfunction!(iotda::event_time, m)?)?;
    m.add_function(wrap_pyfunction!(iotda::unix_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(iotda::downstream_filters, m)?)?;
    m.add_function(wrap_pyfunction!(iotda::bridge_downstream_filters, m)?)?;
    m.add_function(wrap_pyfunction!(iotda::bootstrap_filter, m)?)?;
    m.add_function(wrap_pyfunction!(iotda::encode_payload, m)?)?;
    m.add_function(wrap_pyfunction!(iotda::decode_payload, m)?)?;
    m.add("PAYLOAD_TYPES", iotda::PAYLOAD_TYPES.to_vec())?;
    Ok(())
}
