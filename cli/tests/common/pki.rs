//! Throwaway certificates made at test time: a CA and a server certificate it signed.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// A CA and a server certificate for some names, all PEM.
pub(crate) struct Pki {
    pub(crate) ca: String,
    pub(crate) server_cert: String,
    pub(crate) server_key: String,
}

impl Pki {
    /// A CA named `ca_name` and a server certificate for `server_names` (DNS names or IPs).
    pub(crate) fn new(ca_name: &str, server_names: &[&str]) -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, ca_name);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let names: Vec<String> = server_names.iter().map(|s| (*s).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "emulator");
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        Pki {
            ca: ca.pem(),
            server_cert: cert.pem(),
            server_key: key.serialize_pem(),
        }
    }

    /// Writes `ca.pem`, `server.pem` and `server.key` into `dir`.
    pub(crate) fn write(&self, dir: &std::path::Path) {
        std::fs::write(dir.join("ca.pem"), &self.ca).unwrap();
        std::fs::write(dir.join("server.pem"), &self.server_cert).unwrap();
        std::fs::write(dir.join("server.key"), &self.server_key).unwrap();
    }
}
