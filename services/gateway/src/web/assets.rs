//! Static files served from memory the way caches and slow links want
//! them: an `ETag` (a hash of the bytes) with `304 Not Modified` on a
//! matching `If-None-Match`, and a gzip copy for clients that accept it.
//!
//! The bytes are compiled in and never change while the gateway runs, so
//! each file is compressed once, at its first request, at the best level,
//! rather than per response by a compression layer: no CPU per request, and
//! the same bytes (so the same `ETag`) every time.

use std::io::Write;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

/// One file: its type, its caching rule and its bytes, plain and gzipped.
pub struct StaticFile {
    content_type: &'static str,
    cache_control: &'static str,
    plain: Bytes,
    /// `None` when gzip would not make it smaller.
    gzip: Option<Bytes>,
    etag: HeaderValue,
    gzip_etag: HeaderValue,
}

impl StaticFile {
    pub fn new(content_type: &'static str, cache_control: &'static str, body: &str) -> Self {
        let plain = Bytes::copy_from_slice(body.as_bytes());
        let gzip = gzip(&plain).filter(|packed| packed.len() < plain.len());
        // Each representation has its own strong validator; the hash is of
        // the plain bytes, so both change together.
        let hash = hex::encode(&Sha256::digest(&plain)[..16]);
        let value = |tag: String| HeaderValue::from_str(&tag).expect("hex is header text");
        Self {
            content_type,
            cache_control,
            plain,
            gzip,
            etag: value(format!("\"{hash}\"")),
            gzip_etag: value(format!("\"{hash}-gz\"")),
        }
    }

    /// The answer to a GET (or HEAD) carrying `request` headers.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let packed = self.gzip.as_ref().filter(|_| accepts_gzip(request));
        let etag = if packed.is_some() {
            &self.gzip_etag
        } else {
            &self.etag
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, etag.clone());
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(self.cache_control),
        );
        // Caches keep the plain and the gzip copy apart.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        headers.extend(super::policy::asset_headers());
        if self.matches(request) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        let body = match packed {
            Some(packed) => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                packed.clone()
            }
            None => self.plain.clone(),
        };
        (headers, body).into_response()
    }

    /// `If-None-Match` names either copy (compared weakly, as RFC 9110
    /// says for this header), or is `*`.
    fn matches(&self, request: &HeaderMap) -> bool {
        let Some(wanted) = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        wanted.split(',').map(str::trim).any(|tag| {
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag == "*"
                || tag.as_bytes() == self.etag.as_bytes()
                || tag.as_bytes() == self.gzip_etag.as_bytes()
        })
    }
}

fn gzip(bytes: &[u8]) -> Option<Bytes> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 3), Compression::best());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// Whether `Accept-Encoding` takes gzip: listed (or `*`) without `q=0`.
fn accepts_gzip(request: &HeaderMap) -> bool {
    let Some(accepted) = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut star = false;
    for item in accepted.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or_default().to_ascii_lowercase();
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        match coding.as_str() {
            "gzip" | "x-gzip" => return !refused,
            "*" => star = !refused,
            _ => {}
        }
    }
    star
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), HeaderValue::from_str(v).unwrap()))
            .collect()
    }

    #[test]
    fn gzip_is_taken_when_listed_or_starred_and_never_at_q_zero() {
        let accepts = |v: &str| accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, v)]));
        assert!(accepts("gzip, deflate, br"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("*, gzip;q=0.0"));
        assert!(!accepts("br, identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match_takes_either_copy_weak_or_strong_or_a_star() {
        let file = StaticFile::new("text/plain", "no-cache", &"text ".repeat(100));
        let matches = |v: &str| file.matches(&headers(&[(header::IF_NONE_MATCH, v)]));
        let plain = file.etag.to_str().unwrap().to_owned();
        let packed = file.gzip_etag.to_str().unwrap().to_owned();
        assert!(matches(&plain) && matches(&packed) && matches("*"));
        assert!(matches(&format!("\"old\", W/{plain}")));
        assert!(!matches("\"old\""));
        assert!(!file.matches(&HeaderMap::new()));
    }

    #[test]
    fn a_file_gzip_would_not_shrink_is_sent_plain() {
        let file = StaticFile::new("text/plain", "no-cache", "x");
        assert!(file.gzip.is_none());
        let response = file.respond(&headers(&[(header::ACCEPT_ENCODING, "gzip")]));
        assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(response.headers()[header::ETAG], file.etag);
    }
}
