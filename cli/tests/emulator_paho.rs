//! The emulator with paho-mqtt from PyPI: `tests/paho/emulator_paho.py` against
//! `iotmqtt emulator`. The virtual environment lives in the target directory; `make paho`
//! creates it, and this test creates it too when it is missing (a fresh machine).

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{EmulatorProcess, example_registry};

/// `<target>/paho-venv`: the target directory is three levels above this test binary
/// (`<target>/debug/deps/emulator_paho-…`).
fn venv() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).unwrap().to_path_buf();
    target.join("paho-venv")
}

fn python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

fn has_paho(venv: &Path) -> bool {
    Command::new(python(venv))
        .args(["-c", "import paho.mqtt.client"])
        .status()
        .is_ok_and(|s| s.success())
}

fn ensure_venv() -> PathBuf {
    let venv = venv();
    if has_paho(&venv) {
        return venv;
    }
    let requirements = format!("{}/tests/paho/requirements.txt", env!("CARGO_MANIFEST_DIR"));
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "python3 -m venv failed");
    let ok = Command::new(python(&venv))
        .args(["-m", "pip", "install", "-q", "-r", &requirements])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "pip install paho-mqtt failed");
    assert!(has_paho(&venv));
    venv
}

#[test]
fn paho_mqtt_against_the_emulator() {
    let venv = ensure_venv();
    let emu = EmulatorProcess::start("paho", &example_registry());
    let script = format!("{}/tests/paho/emulator_paho.py", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(python(&venv))
        .arg(script)
        .args([
            emu.mqtt.to_string(),
            emu.http.to_string(),
            emu.ws.unwrap().to_string(),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}\nemulator log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        emu.log()
    );
    assert!(text.contains("10 passed, 0 failed"), "{text}");
    // Each refusal and each check shows in the emulator's log, never with a secret.
    let log = emu.log();
    assert!(log.contains("login refused (CONNACK 4)"), "{log}");
    assert!(!log.contains("s3cr3t-Key"));
}
