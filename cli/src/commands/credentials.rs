//! `iotmqtt credentials`: the CONNECT ClientId, Username and Password of an IoTDA device.

use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, ValueEnum};
use iotmqtt::iotda::{
    ConnectTimestamp, DeviceAuth, DeviceId, DeviceSecret, GroupSecret, ScopeId, SigType, UtcTime,
};
use serde_json::json;

use crate::output::{CliError, CliResult, print_json, print_text};

/// Arguments of `iotmqtt credentials`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  iotmqtt credentials --device-id 5f1c0d2e_sensor01 --secret s3cr3t-Key
  iotmqtt credentials --device-id 5f1c0d2e_sensor01 --secret s3cr3t-Key --sig-type 1 \\
      --time 2026-11-25T08:00:00Z --json
  IOTDA_DEVICE_SECRET=s3cr3t-Key iotmqtt credentials --device-id 5f1c0d2e_sensor01 --field password
  iotmqtt credentials --device-id 5f1c0d2e_sensor01 --scope-id a1b2c3d4e5f6 \\
      --group-secret c2VjcmV0LWdyb3VwLWtleQ==        (bootstrap with a registration-group secret)
  mosquitto_pub -i \"$(iotmqtt credentials ... --field client_id)\" -u ... -P ...

Output: three lines `client_id: …`, `username: …`, `password: …` (no password line for
certificate identities), or with --json one object with client_id, username, password,
timestamp and sig_type. The secret itself is never printed.

Exit codes: 0 printed; 2 a missing or invalid argument (device id, secret, time).")]
pub struct CredentialsArgs {
    /// The device id (normally {product_id}_{node_id}); the bridge id with --bridge.
    #[arg(long, value_name = "ID")]
    pub device_id: String,
    /// The device secret (or set IOTDA_DEVICE_SECRET, which keeps it out of the process list).
    #[arg(
        long,
        env = "IOTDA_DEVICE_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub secret: Option<String>,
    /// Signature type: 0 = HMAC-SHA256, timestamp not checked; 1 = HMAC-SHA256, timestamp
    /// checked; 2 = HMAC-SM3, timestamp checked.
    #[arg(long, default_value = "0", value_parser = ["0", "1", "2"], value_name = "0|1|2")]
    pub sig_type: String,
    /// The UTC time the password is for, e.g. 2026-11-25T08:00:00Z (default: now). The
    /// timestamp is its hour.
    #[arg(long, value_name = "RFC3339")]
    pub time: Option<String>,
    /// Log in as a bridge (generic-protocol gateway): ClientId {bridge_id}_3_{sig}_{ts}.
    #[arg(long, conflicts_with_all = ["scope_id", "x509"])]
    pub bridge: bool,
    /// Provisioning (bootstrap) through a registration group with this scope id.
    #[arg(long, value_name = "SCOPE_ID")]
    pub scope_id: Option<String>,
    /// The registration group's secret (base64, or set IOTDA_GROUP_SECRET); needs --scope-id.
    #[arg(
        long,
        env = "IOTDA_GROUP_SECRET",
        hide_env_values = true,
        requires = "scope_id",
        conflicts_with = "secret",
        value_name = "BASE64"
    )]
    pub group_secret: Option<String>,
    /// An X.509 certificate identity: the TLS client certificate authenticates, no password.
    /// With --scope-id: a registration-group certificate ({device_id}_0_{scope_id}).
    #[arg(long, conflicts_with_all = ["secret", "group_secret"])]
    pub x509: bool,
    /// Print one JSON object.
    #[arg(long, conflicts_with = "field")]
    pub json: bool,
    /// Print only this field, for scripts.
    #[arg(long, value_enum, value_name = "FIELD")]
    pub field: Option<Field>,
}

/// One field of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Field {
    /// The MQTT ClientId.
    #[value(name = "client_id", alias = "client-id")]
    ClientId,
    /// The MQTT User Name.
    Username,
    /// The MQTT Password.
    Password,
}

/// The current UTC time.
///
/// # Errors
/// A system clock before 1970 or beyond what [`UtcTime`] holds.
pub fn utc_now() -> Result<UtcTime, CliError> {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| CliError::failure("the system clock is before 1970"))?
        .as_millis();
    let ms =
        u64::try_from(ms).map_err(|_| CliError::failure("the system clock is out of range"))?;
    UtcTime::from_unix_millis(ms).map_err(|e| CliError::failure(format!("system clock: {e}")))
}

fn identity(args: &CredentialsArgs) -> Result<DeviceAuth, CliError> {
    let device_id =
        DeviceId::new(&args.device_id).map_err(|e| CliError::usage(format!("--device-id: {e}")))?;
    let secret = || -> Result<DeviceSecret, CliError> {
        let raw = args.secret.clone().ok_or_else(|| {
            CliError::usage(
                "--secret (or IOTDA_DEVICE_SECRET) is required unless --x509 or --group-secret",
            )
        })?;
        DeviceSecret::new(raw).map_err(|e| CliError::usage(format!("--secret: {e}")))
    };
    let scope = match &args.scope_id {
        Some(s) => Some(ScopeId::new(s).map_err(|e| CliError::usage(format!("--scope-id: {e}")))?),
        None => None,
    };
    let sig_type = args
        .sig_type
        .parse::<u8>()
        .ok()
        .and_then(SigType::from_u8)
        .ok_or_else(|| CliError::usage("--sig-type must be 0, 1 or 2"))?;
    let auth = match (scope, &args.group_secret, args.x509, args.bridge) {
        (Some(scope), Some(group), _, _) => {
            let group = GroupSecret::new(group)
                .map_err(|e| CliError::usage(format!("--group-secret: {e}")))?;
            DeviceAuth::bootstrap_group_secret(device_id, &group, scope)
        }
        (Some(scope), None, true, _) => DeviceAuth::bootstrap_certificate(device_id, scope),
        (Some(_), None, false, _) => {
            return Err(CliError::usage("--scope-id needs --group-secret or --x509"));
        }
        (None, _, true, _) => DeviceAuth::certificate(device_id),
        (None, _, false, true) => DeviceAuth::bridge(device_id, secret()?),
        (None, _, false, false) => DeviceAuth::secret(device_id, secret()?),
    };
    Ok(auth.with_sig_type(sig_type))
}

/// Runs `iotmqtt credentials`.
///
/// # Errors
/// A usage error for an invalid argument; a failure to write stdout.
pub fn run(args: &CredentialsArgs) -> CliResult {
    let auth = identity(args)?;
    let now = match &args.time {
        Some(t) => UtcTime::parse(t).map_err(|_| {
            CliError::usage(format!(
                "--time {t:?} is not a UTC time like 2026-11-25T08:00:00Z"
            ))
        })?,
        None => utc_now()?,
    };
    let c = auth.credentials(&now);
    let password = c.password().map(|p| p.as_str());
    if let Some(field) = args.field {
        let value = match field {
            Field::ClientId => c.client_id(),
            Field::Username => c.username(),
            Field::Password => {
                password.ok_or_else(|| CliError::usage("a certificate identity has no password"))?
            }
        };
        return print_text(value);
    }
    if args.json {
        return print_json(&json!({
            "client_id": c.client_id(),
            "username": c.username(),
            "password": password,
            "timestamp": ConnectTimestamp::from_utc(&now).as_str(),
            "sig_type": auth.sig_type().as_u8(),
        }));
    }
    let mut text = format!("client_id: {}\nusername:  {}", c.client_id(), c.username());
    if let Some(p) = password {
        text.push_str("\npassword:  ");
        text.push_str(p);
    }
    print_text(&text)
}
