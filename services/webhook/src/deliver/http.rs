//! One POST to a subscriber, with the SSRF guard built into the connection:
//! the host is resolved here, every address it resolves to is checked
//! ([`forbidden_address`]), and the connection goes to the checked address
//! itself, so a second DNS answer (rebinding) is never asked for. Redirects
//! are not followed (a 3xx is a failed attempt). HTTPS verifies the
//! server's certificate against the system's roots.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::{CONTENT_TYPE, HOST, USER_AGENT};
use hyper_util::rt::TokioIo;
use switchboard_contracts::webhooks::forbidden_address;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, pki_types::ServerName};

/// How much of an answer's body the delivery log keeps.
pub const EXCERPT_BYTES: usize = 512;

/// Why an attempt got no answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the URL is not an http(s) URL with a host: {0}")]
    BadUrl(String),
    #[error("{host} resolves to {address}, a {why} address; such targets are refused")]
    Refused {
        host: String,
        address: IpAddr,
        why: &'static str,
    },
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot connect to {address}: {source}")]
    Connect {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS with {host}: {source}")]
    Tls {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

/// What the subscriber answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The start of the body, as text.
    pub excerpt: String,
}

/// Sends webhook POSTs. Cheap to clone.
#[derive(Clone)]
pub struct Sender {
    tls: TlsConnector,
    allow_private: bool,
    timeout: Duration,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("allow_private", &self.allow_private)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct Post<'a> {
    pub url: &'a str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

impl Sender {
    pub fn new(allow_private: bool, timeout: Duration) -> Self {
        let mut roots = RootCertStore::empty();
        // Certificates the system store holds but rustls cannot parse are
        // skipped; a subscriber signed by one fails its TLS handshake.
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Self {
            tls: TlsConnector::from(Arc::new(config)),
            allow_private,
            timeout,
        }
    }

    /// POSTs once, within the timeout.
    pub async fn post(&self, post: Post<'_>) -> Result<Answer, SendError> {
        tokio::time::timeout(self.timeout, self.send(post))
            .await
            .map_err(|_| SendError::Timeout(self.timeout))?
    }

    async fn send(&self, post: Post<'_>) -> Result<Answer, SendError> {
        let bad = || SendError::BadUrl(post.url.to_owned());
        let uri: hyper::Uri = post.url.parse().map_err(|_| bad())?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(bad()),
        };
        let host = uri.host().ok_or_else(bad)?.to_owned();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let address = self.checked_address(&host, port).await?;
        let tcp = TcpStream::connect(address)
            .await
            .map_err(|source| SendError::Connect { address, source })?;
        let _ = tcp.set_nodelay(true);
        let authority = uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .ok_or_else(bad)?;
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let mut request = Request::post(path)
            .header(HOST, authority)
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, "Switchboard-Webhooks/1");
        for (name, value) in post.headers {
            request = request.header(name, value);
        }
        let request = request.body(Full::new(post.body)).map_err(|_| bad())?;
        if https {
            let bare = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned();
            let name = ServerName::try_from(bare).map_err(|_| bad())?;
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|source| SendError::Tls { host, source })?;
            exchange(tls, request).await
        } else {
            exchange(tcp, request).await
        }
    }

    /// The address to connect to: a literal IP, or the host's first
    /// address; refused when any address it names is forbidden.
    async fn checked_address(&self, host: &str, port: u16) -> Result<SocketAddr, SendError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addresses: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((bare, port))
                .await
                .map_err(|source| SendError::Resolve {
                    host: host.to_owned(),
                    source,
                })?
                .collect(),
        };
        if !self.allow_private {
            for address in &addresses {
                if let Some(why) = forbidden_address(address.ip()) {
                    return Err(SendError::Refused {
                        host: host.to_owned(),
                        address: address.ip(),
                        why,
                    });
                }
            }
        }
        addresses
            .first()
            .copied()
            .ok_or_else(|| SendError::Resolve {
                host: host.to_owned(),
                source: std::io::Error::other("no addresses"),
            })
    }
}

/// Sends the request over one HTTP/1.1 connection and reads the status and
/// the start of the body.
async fn exchange<S>(stream: S, request: Request<Full<Bytes>>) -> Result<Answer, SendError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    let driver = tokio::spawn(connection);
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let mut excerpt = Vec::new();
    while excerpt.len() < EXCERPT_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    excerpt.extend_from_slice(data);
                }
            }
            // The status is what counts; a body cut short still shows.
            Some(Err(_)) | None => break,
        }
    }
    driver.abort();
    excerpt.truncate(EXCERPT_BYTES);
    Ok(Answer {
        status,
        excerpt: String::from_utf8_lossy(&excerpt).into_owned(),
    })
}
