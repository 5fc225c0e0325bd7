//! TLS with rustls: which roots to trust, an optional client certificate, SNI, and the
//! IoTDA-style option to skip the host name check.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::ConfigError;

/// Where the trusted root certificates come from.
#[derive(Clone)]
enum Roots {
    #[cfg(feature = "native-roots")]
    Native,
    #[cfg(feature = "webpki-roots")]
    WebPki,
    CaFile(PathBuf),
    CaPem(Vec<u8>),
}

/// Where the client certificate and its key come from.
#[derive(Clone)]
enum ClientCert {
    Files { cert: PathBuf, key: PathBuf },
    Pem { cert: Vec<u8>, key: Vec<u8> },
}

/// TLS settings for [`Endpoint::tls`](crate::Endpoint::tls) and
/// [`Endpoint::wss`](crate::Endpoint::wss).
///
/// Pick the trusted roots (the system store, Mozilla's roots, or a CA file such as IoTDA's
/// root certificate), then optionally a client certificate for X.509 device authentication,
/// an SNI name, and ALPN protocols. TLS 1.2 and 1.3 are offered; certificates are always
/// checked against the roots.
///
/// ```no_run
/// use iotmqtt_tokio::TlsOptions;
/// let tls = TlsOptions::ca_file("/etc/iotda/root.pem")
///     .client_cert_files("/etc/iotda/device.crt", "/etc/iotda/device.key")
///     .server_name("iot-mqtts.cn-north-4.myhuaweicloud.com");
/// # let _ = tls;
/// ```
#[derive(Clone)]
pub struct TlsOptions {
    roots: Roots,
    client_cert: Option<ClientCert>,
    server_name: Option<String>,
    verify_hostname: bool,
    alpn: Vec<Vec<u8>>,
}

/// Never shows key material; names the files.
impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let roots = match &self.roots {
            #[cfg(feature = "native-roots")]
            Roots::Native => "system".to_string(),
            #[cfg(feature = "webpki-roots")]
            Roots::WebPki => "webpki".to_string(),
            Roots::CaFile(p) => p.display().to_string(),
            Roots::CaPem(_) => "PEM".to_string(),
        };
        let client_cert = match &self.client_cert {
            None => "none".to_string(),
            Some(ClientCert::Files { cert, .. }) => cert.display().to_string(),
            Some(ClientCert::Pem { .. }) => "PEM".to_string(),
        };
        f.debug_struct("TlsOptions")
            .field("roots", &roots)
            .field("client_cert", &client_cert)
            .field("server_name", &self.server_name)
            .field("verify_hostname", &self.verify_hostname)
            .finish_non_exhaustive()
    }
}

impl TlsOptions {
    fn with_roots(roots: Roots) -> Self {
        TlsOptions {
            roots,
            client_cert: None,
            server_name: None,
            verify_hostname: true,
            alpn: Vec::new(),
        }
    }

    /// Trust the operating system's root certificates (feature `native-roots`, on by
    /// default).
    ///
    /// ```
    /// let tls = iotmqtt_tokio::TlsOptions::native_roots();
    /// assert!(format!("{tls:?}").contains("system"));
    /// ```
    #[cfg(feature = "native-roots")]
    #[must_use]
    pub fn native_roots() -> Self {
        Self::with_roots(Roots::Native)
    }

    /// Trust Mozilla's root certificates, compiled in (feature `webpki-roots`).
    #[cfg(feature = "webpki-roots")]
    #[must_use]
    pub fn webpki_roots() -> Self {
        Self::with_roots(Roots::WebPki)
    }

    /// Trust the CA certificates in this PEM file (read when the client connects).
    ///
    /// ```
    /// let tls = iotmqtt_tokio::TlsOptions::ca_file("ca.pem");
    /// assert!(format!("{tls:?}").contains("ca.pem"));
    /// ```
    #[must_use]
    pub fn ca_file(path: impl Into<PathBuf>) -> Self {
        Self::with_roots(Roots::CaFile(path.into()))
    }

    /// Trust the CA certificates in this PEM text.
    #[must_use]
    pub fn ca_pem(pem: impl Into<Vec<u8>>) -> Self {
        Self::with_roots(Roots::CaPem(pem.into()))
    }

    /// Present this client certificate chain (PEM file, leaf first) and private key (PEM:
    /// PKCS#8, PKCS#1 or SEC1) for X.509 authentication.
    #[must_use]
    pub fn client_cert_files(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.client_cert = Some(ClientCert::Files {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// Present this client certificate chain and private key, both PEM text.
    #[must_use]
    pub fn client_cert_pem(mut self, cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        self.client_cert = Some(ClientCert::Pem {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// The name sent in SNI and checked against the server certificate, when it differs from
    /// the host connected to (for example when connecting by IP address).
    #[must_use]
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// ALPN protocols to offer, most preferred first.
    #[must_use]
    pub fn alpn(mut self, protocols: Vec<Vec<u8>>) -> Self {
        self.alpn = protocols;
        self
    }

    /// **Insecure**: accept a server certificate that chains to a trusted root but does not
    /// name the host. This is what Huawei's IoTDA device SDKs do (their endpoints are often
    /// reached through names the certificate does not list); it lets anyone holding *any*
    /// certificate from the same CA impersonate the server. Off by default; prefer
    /// [`server_name`](TlsOptions::server_name) with the name the certificate carries.
    #[must_use]
    pub fn danger_skip_hostname_verification(mut self) -> Self {
        self.verify_hostname = false;
        self
    }

    /// Reads the files and builds the TLS client configuration for `host` (called by
    /// `connect`; useful to check options early).
    ///
    /// # Errors
    /// [`ConfigError`] for an unreadable file, a PEM without certificate or key, a key that
    /// does not fit the certificate, an invalid server name, or no roots.
    pub fn build(&self, host: &str) -> Result<TlsSetup, ConfigError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = Arc::new(self.root_store()?);
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(ConfigError::Tls)?;
        let builder = if self.verify_hostname {
            builder.with_root_certificates(roots)
        } else {
            let verifier = ChainOnlyVerifier::new(roots, provider)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        };
        let mut config = match &self.client_cert {
            None => builder.with_no_client_auth(),
            Some(client) => {
                let (certs, key) = client.load()?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(ConfigError::Tls)?
            }
        };
        config.alpn_protocols.clone_from(&self.alpn);
        let name = self.server_name.as_deref().unwrap_or(host);
        let server_name = ServerName::try_from(name.to_string())
            .map_err(|_| ConfigError::InvalidServerName(name.to_string()))?;
        Ok(TlsSetup {
            connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
            server_name,
        })
    }

    fn root_store(&self) -> Result<RootCertStore, ConfigError> {
        let mut store = RootCertStore::empty();
        match &self.roots {
            #[cfg(feature = "native-roots")]
            Roots::Native => {
                let found = rustls_native_certs::load_native_certs();
                let (added, _) = store.add_parsable_certificates(found.certs);
                if added == 0 {
                    return Err(ConfigError::NoRoots(format!(
                        "the system store gave no usable certificate ({} errors)",
                        found.errors.len()
                    )));
                }
            }
            #[cfg(feature = "webpki-roots")]
            Roots::WebPki => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            Roots::CaFile(path) => {
                let pem = read(path)?;
                add_pem_roots(&mut store, &pem, &path.display().to_string())?;
            }
            Roots::CaPem(pem) => add_pem_roots(&mut store, pem, "the CA PEM")?,
        }
        Ok(store)
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| ConfigError::Read {
        path: path.to_path_buf(),
        source: Arc::new(e),
    })
}

fn certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(ConfigError::NoCertificate(what.to_string()));
    }
    Ok(certs)
}

fn add_pem_roots(store: &mut RootCertStore, pem: &[u8], what: &str) -> Result<(), ConfigError> {
    for cert in certificates(pem, what)? {
        store.add(cert).map_err(ConfigError::Tls)?;
    }
    Ok(())
}

impl ClientCert {
    fn load(&self) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), ConfigError> {
        let (cert, key, cert_name, key_name) = match self {
            ClientCert::Files { cert, key } => (
                read(cert)?,
                read(key)?,
                cert.display().to_string(),
                key.display().to_string(),
            ),
            ClientCert::Pem { cert, key } => (
                cert.clone(),
                key.clone(),
                "the client certificate PEM".to_string(),
                "the client key PEM".to_string(),
            ),
        };
        let certs = certificates(&cert, &cert_name)?;
        let key =
            PrivateKeyDer::from_pem_slice(&key).map_err(|_| ConfigError::NoPrivateKey(key_name))?;
        Ok((certs, key))
    }
}

/// A ready TLS client configuration and the server name to present.
#[derive(Clone)]
pub struct TlsSetup {
    pub(crate) connector: tokio_rustls::TlsConnector,
    pub(crate) server_name: ServerName<'static>,
}

impl fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSetup")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

/// Verifies the certificate chain, the signatures and the validity period like rustls does,
/// and accepts a certificate whose names do not match the host.
#[derive(Debug)]
struct ChainOnlyVerifier {
    inner: Arc<WebPkiServerVerifier>,
}

impl ChainOnlyVerifier {
    fn new(roots: Arc<RootCertStore>, provider: Arc<CryptoProvider>) -> Result<Self, ConfigError> {
        let inner = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|e| ConfigError::NoRoots(e.to_string()))?;
        Ok(ChainOnlyVerifier { inner })
    }
}

impl ServerCertVerifier for ChainOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // rustls checks the chain first and the name last: a name error means the chain is
        // trusted.
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
