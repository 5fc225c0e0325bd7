//! The device registry: which devices exist, their secrets, products, node ids and gateway
//! children, loaded from a JSON or TOML file and changed in memory while the emulator runs
//! (gateways adding and deleting children, the HTTP API registering devices, self-registration
//! through a registration group).
//!
//! # File format
//!
//! JSON (or the same structure in TOML, chosen by the `.toml` extension):
//!
//! ```json
//! {
//!   "devices": [
//!     { "product_id": "5f1c0d2e", "node_id": "sensor01", "secret": "s3cr3t-Key" },
//!     { "device_id": "5f1c0d2e_gw01", "secret": "gw-Secret-1", "name": "gateway",
//!       "children": [ { "product_id": "5f1c0d2e", "node_id": "child01" } ] }
//!   ],
//!   "groups": [ { "scope_id": "a1b2c3d4e5f6", "secret": "c2VjcmV0LWdyb3VwLWtleQ==" } ]
//! }
//! ```
//!
//! * `devices[]`: `device_id` (defaults to `{product_id}_{node_id}`; IoTDA's rules: 1–128 of
//!   `[A-Za-z0-9_-]`), `secret` (required for a device that connects itself), `product_id`,
//!   `node_id`, `name` (all optional), `children[]` (sub-devices of a gateway: `device_id` or
//!   `product_id` + `node_id`, optional `name`; children connect through their gateway and have
//!   no secret).
//! * `groups[]`: registration groups for bootstrap self-registration: `scope_id` and the
//!   base64 `secret`. A device that logs in with `{device_id}_0_{scope_id}_{sig}_{ts}` and the
//!   password from the derived secret is registered on its bootstrap request.
//!
//! Unknown fields are refused (they are usually typos). Errors name the entry and the field,
//! never a secret.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use iotmqtt::iotda::{DeviceId, DeviceSecret, GroupSecret, RegisteredAuth};
use serde::Deserialize;

/// One device as the file describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceEntry {
    device_id: Option<String>,
    product_id: Option<String>,
    node_id: Option<String>,
    name: Option<String>,
    secret: Option<String>,
    #[serde(default)]
    children: Vec<ChildEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChildEntry {
    device_id: Option<String>,
    product_id: Option<String>,
    node_id: Option<String>,
    name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupEntry {
    scope_id: String,
    secret: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    #[serde(default)]
    devices: Vec<DeviceEntry>,
    #[serde(default)]
    groups: Vec<GroupEntry>,
}

/// A registered device (or gateway child). `Debug` never shows the secret.
#[derive(Debug, Clone)]
pub struct DeviceRecord {
    /// The device id.
    pub device_id: String,
    /// The product id, if known.
    pub product_id: Option<String>,
    /// The node id, if known.
    pub node_id: Option<String>,
    /// A display name.
    pub name: Option<String>,
    /// The gateway a child belongs to.
    pub gateway_id: Option<String>,
    /// A gateway's children.
    pub children: BTreeSet<String>,
    secret: Option<DeviceSecret>,
}

impl DeviceRecord {
    /// A new device record.
    ///
    /// # Errors
    /// An invalid device id or secret, described without the secret.
    pub fn new(
        device_id: &str,
        secret: Option<&str>,
        product_id: Option<String>,
        node_id: Option<String>,
    ) -> Result<Self, String> {
        DeviceId::new(device_id).map_err(|e| format!("device_id {device_id:?}: {e}"))?;
        let secret = match secret {
            Some(s) => Some(DeviceSecret::new(s).map_err(|e| format!("device {device_id}: {e}"))?),
            None => None,
        };
        Ok(DeviceRecord {
            device_id: device_id.to_owned(),
            product_id,
            node_id,
            name: None,
            gateway_id: None,
            children: BTreeSet::new(),
            secret,
        })
    }

    /// Whether the device has a secret (can log in itself).
    #[must_use]
    pub fn has_secret(&self) -> bool {
        self.secret.is_some()
    }

    /// The device's secret, if it has one (for a simulator logging in as it).
    #[must_use]
    pub fn secret(&self) -> Option<&DeviceSecret> {
        self.secret.as_ref()
    }
}

/// The registry: devices by id and registration groups by scope id.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    devices: BTreeMap<String, DeviceRecord>,
    groups: BTreeMap<String, GroupSecret>,
    /// Bumped on every change of gateway children (the `version` of sub-device notifications).
    pub version: u64,
}

/// `{product_id}_{node_id}`, or the explicit id.
fn resolve_id(
    device_id: Option<&String>,
    product_id: Option<&String>,
    node_id: Option<&String>,
) -> Option<String> {
    match (device_id, product_id, node_id) {
        (Some(id), _, _) => Some(id.clone()),
        (None, Some(p), Some(n)) => Some(format!("{p}_{n}")),
        _ => None,
    }
}

impl Registry {
    /// Reads a registry file: TOML when the name ends in `.toml`, JSON otherwise.
    ///
    /// # Errors
    /// [`RegistryError::Io`] when the file cannot be read, [`RegistryError::Invalid`] when it
    /// does not parse or breaks a rule; each is one line without any secret.
    pub fn load(path: &Path) -> Result<Self, RegistryError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| RegistryError::Io(format!("cannot read {}: {e}", path.display())))?;
        let toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let file: RegistryFile = if toml {
            toml::from_str(&text).map_err(|e| {
                let line = e
                    .span()
                    .map(|s| text.get(..s.start).map_or(0, |t| t.lines().count()));
                RegistryError::Invalid(format!(
                    "{}: {}",
                    path.display(),
                    safe_message(e.message(), line)
                ))
            })?
        } else {
            serde_json::from_str(&text).map_err(|e| {
                RegistryError::Invalid(format!("{}: {}", path.display(), json_message(&e)))
            })?
        };
        Self::from_file(file)
            .map_err(|e| RegistryError::Invalid(format!("{}: {e}", path.display())))
    }

    /// Parses registry JSON text (the format above).
    ///
    /// # Errors
    /// The text does not parse or breaks a rule.
    pub fn from_json(text: &str) -> Result<Self, RegistryError> {
        let file: RegistryFile =
            serde_json::from_str(text).map_err(|e| RegistryError::Invalid(json_message(&e)))?;
        Self::from_file(file).map_err(RegistryError::Invalid)
    }

    fn from_file(file: RegistryFile) -> Result<Self, String> {
        let mut r = Registry::default();
        for (i, d) in file.devices.iter().enumerate() {
            let id = resolve_id(
                d.device_id.as_ref(),
                d.product_id.as_ref(),
                d.node_id.as_ref(),
            )
            .ok_or_else(|| format!("devices[{i}]: needs device_id, or product_id and node_id"))?;
            let mut record = DeviceRecord::new(
                &id,
                d.secret.as_deref(),
                d.product_id.clone(),
                d.node_id.clone(),
            )
            .map_err(|e| format!("devices[{i}]: {e}"))?;
            record.name.clone_from(&d.name);
            r.insert(record).map_err(|e| format!("devices[{i}]: {e}"))?;
            for (j, c) in d.children.iter().enumerate() {
                let child_id = resolve_id(
                    c.device_id.as_ref(),
                    c.product_id.as_ref(),
                    c.node_id.as_ref(),
                )
                .ok_or_else(|| {
                    format!(
                        "devices[{i}].children[{j}]: needs device_id, or product_id and node_id"
                    )
                })?;
                let mut child =
                    DeviceRecord::new(&child_id, None, c.product_id.clone(), c.node_id.clone())
                        .map_err(|e| format!("devices[{i}].children[{j}]: {e}"))?;
                child.name.clone_from(&c.name);
                r.add_child(&id, child)
                    .map_err(|e| format!("devices[{i}].children[{j}]: {e}"))?;
            }
        }
        for (i, g) in file.groups.iter().enumerate() {
            let secret = GroupSecret::new(&g.secret).map_err(|e| format!("groups[{i}]: {e}"))?;
            r.groups.insert(g.scope_id.clone(), secret);
        }
        Ok(r)
    }

    /// Adds a device.
    ///
    /// # Errors
    /// A device with this id exists.
    pub fn insert(&mut self, record: DeviceRecord) -> Result<(), String> {
        if self.devices.contains_key(&record.device_id) {
            return Err(format!("device {} is already registered", record.device_id));
        }
        self.devices.insert(record.device_id.clone(), record);
        Ok(())
    }

    /// Adds `child` under the gateway `gateway_id`.
    ///
    /// # Errors
    /// The gateway is unknown or the child id is taken.
    pub fn add_child(&mut self, gateway_id: &str, mut child: DeviceRecord) -> Result<(), String> {
        if !self.devices.contains_key(gateway_id) {
            return Err(format!("gateway {gateway_id} is not registered"));
        }
        child.gateway_id = Some(gateway_id.to_owned());
        let child_id = child.device_id.clone();
        self.insert(child)?;
        if let Some(g) = self.devices.get_mut(gateway_id) {
            g.children.insert(child_id);
        }
        self.version = self.version.saturating_add(1);
        Ok(())
    }

    /// Removes a device; a gateway's children go with it. Returns the ids removed.
    pub fn remove(&mut self, device_id: &str) -> Vec<String> {
        let Some(record) = self.devices.remove(device_id) else {
            return Vec::new();
        };
        if let Some(g) = record
            .gateway_id
            .as_ref()
            .and_then(|g| self.devices.get_mut(g))
        {
            g.children.remove(device_id);
            self.version = self.version.saturating_add(1);
        }
        let mut removed = vec![record.device_id];
        for child in record.children {
            if self.devices.remove(&child).is_some() {
                removed.push(child);
            }
        }
        removed
    }

    /// The device with this id.
    #[must_use]
    pub fn get(&self, device_id: &str) -> Option<&DeviceRecord> {
        self.devices.get(device_id)
    }

    /// Every device, by id.
    pub fn devices(&self) -> impl Iterator<Item = &DeviceRecord> {
        self.devices.values()
    }

    /// How many devices (children included).
    #[must_use]
    pub fn len(&self) -> usize {
        self.devices.len()
    }

    /// True when no device is registered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    /// What the verifier needs for a login as `device_id` (`scope_id` for a bootstrap login
    /// through a registration group).
    #[must_use]
    pub fn auth_for(&self, device_id: &str, scope_id: Option<&str>) -> Option<RegisteredAuth> {
        match scope_id {
            Some(scope) => self
                .groups
                .get(scope)
                .map(|g| RegisteredAuth::GroupSecret(g.clone())),
            None => self
                .devices
                .get(device_id)
                .and_then(|d| d.secret.clone())
                .map(RegisteredAuth::Secret),
        }
    }

    /// Registers `device_id` with the secret derived from the group `scope_id` (bootstrap
    /// self-registration). Returns false when the group is unknown.
    pub fn self_register(&mut self, device_id: &str, scope_id: &str) -> bool {
        let (Some(group), Ok(id)) = (self.groups.get(scope_id), DeviceId::new(device_id)) else {
            return false;
        };
        let secret = group.derive_device_secret(&id);
        let record = DeviceRecord {
            device_id: device_id.to_owned(),
            product_id: None,
            node_id: None,
            name: None,
            gateway_id: None,
            children: BTreeSet::new(),
            secret: Some(secret),
        };
        let _ = self.insert(record);
        true
    }
}

/// A parser's message, kept only when it names a field (`unknown field`, `missing field`,
/// `duplicate field`): other messages may quote a value, and a value may be a secret.
fn safe_message(message: &str, line: Option<usize>) -> String {
    let names_a_field = ["unknown field", "missing field", "duplicate field"]
        .iter()
        .any(|p| message.starts_with(p));
    let text = if names_a_field {
        message.lines().next().unwrap_or(message).to_owned()
    } else {
        "does not have the registry's shape (see `iotmqtt emulator --help`)".to_owned()
    };
    match line {
        Some(l) => format!("line {l}: {text}"),
        None => text,
    }
}

fn json_message(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof => {
            format!("line {} column {}: not valid JSON", e.line(), e.column())
        }
        Category::Io => "cannot be read".to_owned(),
        Category::Data => {
            let message = e.to_string();
            safe_message(&message, Some(e.line()))
        }
    }
}

/// Why a registry could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryError {
    /// The file cannot be read.
    Io(String),
    /// The content does not parse or breaks a rule.
    Invalid(String),
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistryError::Io(m) | RegistryError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for RegistryError {}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "devices": [
        { "product_id": "p1", "node_id": "n1", "secret": "s3cr3t-Key" },
        { "device_id": "p1_gw", "secret": "gw-secret",
          "children": [ { "product_id": "p1", "node_id": "c1" } ] }
      ],
      "groups": [ { "scope_id": "a1b2c3d4e5f6", "secret": "c2VjcmV0LWdyb3VwLWtleQ==" } ]
    }"#;

    #[test]
    fn ids_default_to_product_and_node() {
        let r = Registry::from_json(SAMPLE).unwrap();
        assert_eq!(r.len(), 3);
        assert!(r.get("p1_n1").unwrap().has_secret());
        let child = r.get("p1_c1").unwrap();
        assert_eq!(child.gateway_id.as_deref(), Some("p1_gw"));
        assert!(r.get("p1_gw").unwrap().children.contains("p1_c1"));
        assert!(matches!(
            r.auth_for("x", Some("a1b2c3d4e5f6")),
            Some(RegisteredAuth::GroupSecret(_))
        ));
        assert!(r.auth_for("p1_c1", None).is_none());
    }

    #[test]
    fn errors_name_the_entry_and_never_the_secret() {
        let bad = r#"{"devices":[{"device_id":"a b","secret":"TopSecret"}]}"#;
        let e = Registry::from_json(bad).unwrap_err().to_string();
        assert!(e.contains("devices[0]") && !e.contains("TopSecret"), "{e}");
        let typo = r#"{"devices":[{"device_id":"a","secrett":"TopSecret"}]}"#;
        let e = Registry::from_json(typo).unwrap_err().to_string();
        assert!(e.contains("secrett") && !e.contains("TopSecret"), "{e}");
        let wrong_type = r#"{"devices":[{"device_id":"a","children":"TopSecret"}]}"#;
        let e = Registry::from_json(wrong_type).unwrap_err().to_string();
        assert!(e.contains("line 1") && !e.contains("TopSecret"), "{e}");
        let dup = r#"{"devices":[{"device_id":"a"},{"device_id":"a"}]}"#;
        assert!(
            Registry::from_json(dup)
                .unwrap_err()
                .to_string()
                .contains("already")
        );
    }

    #[test]
    fn removing_a_gateway_removes_its_children() {
        let mut r = Registry::from_json(SAMPLE).unwrap();
        let v = r.version;
        assert_eq!(r.remove("p1_gw"), ["p1_gw", "p1_c1"]);
        assert!(r.get("p1_c1").is_none());
        let mut r = Registry::from_json(SAMPLE).unwrap();
        assert_eq!(r.remove("p1_c1"), ["p1_c1"]);
        assert!(r.version > v);
        assert!(r.get("p1_gw").unwrap().children.is_empty());
    }
}
