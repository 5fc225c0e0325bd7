//! The emulator's server certificate for its TLS listeners (MQTTS and wss).

use std::fmt;
use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// A server certificate chain and its private key, checked and ready to accept TLS clients.
///
/// Built from PEM files ([`TlsIdentity::from_files`]) or PEM text ([`TlsIdentity::from_pem`]);
/// TLS 1.2 and 1.3 are offered, no client certificate is asked for. `Debug` never shows the
/// key.
#[derive(Clone)]
pub struct TlsIdentity {
    acceptor: TlsAcceptor,
    subject: String,
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("certificate", &self.subject)
            .finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// Reads the certificate chain (PEM, the server's certificate first) and its key (PEM:
    /// PKCS#8, PKCS#1 or SEC1).
    ///
    /// # Errors
    /// A file that cannot be read, or see [`TlsIdentity::from_pem`]; the message names the file.
    pub fn from_files(cert: &Path, key: &Path) -> io::Result<TlsIdentity> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|e| {
                io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display()))
            })
        };
        TlsIdentity::with_names(
            &read(cert)?,
            &read(key)?,
            &cert.display().to_string(),
            &key.display().to_string(),
        )
    }

    /// Takes the certificate chain and key as PEM text.
    ///
    /// # Errors
    /// `InvalidInput` when there is no certificate, no private key, or the key does not fit
    /// the certificate.
    pub fn from_pem(cert: &[u8], key: &[u8]) -> io::Result<TlsIdentity> {
        TlsIdentity::with_names(cert, key, "the certificate PEM", "the key PEM")
    }

    fn with_names(
        cert: &[u8],
        key: &[u8],
        cert_name: &str,
        key_name: &str,
    ) -> io::Result<TlsIdentity> {
        let invalid = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
            .filter_map(Result::ok)
            .collect();
        if chain.is_empty() {
            return Err(invalid(format!("no certificate in {cert_name}")));
        }
        let key = PrivateKeyDer::from_pem_slice(key)
            .map_err(|_| invalid(format!("no private key in {key_name}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(format!("TLS configuration: {e}")))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| invalid(format!("{cert_name} with {key_name}: {e}")))?;
        Ok(TlsIdentity {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            subject: cert_name.to_owned(),
        })
    }

    /// The acceptor for one listener.
    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }
}
