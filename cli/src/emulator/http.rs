//! A small HTTP/1.1 server for the operator API: one request per connection (`Connection:
//! close`), `Content-Length` bodies only, JSON in and out. Bounded: request head 16 KiB, body
//! 2 MiB, 10 s to send the request.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::api;
use super::hub::Hub;

/// Largest request head (request line and headers).
const MAX_HEAD: usize = 16 * 1024;
/// Largest request body.
pub(crate) const MAX_BODY: usize = 2 * 1024 * 1024;
/// Time a client has to send its whole request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query parameters, undecoded.
    pub query: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// A query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A JSON response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Response {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Value,
}

impl Response {
    pub(crate) fn ok(body: Value) -> Self {
        Response { status: 200, body }
    }

    pub(crate) fn error(status: u16, message: impl Into<String>) -> Self {
        Response {
            status,
            body: json!({ "error": message.into() }),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Where the head ends (after `\r\n\r\n`).
fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// Parses the head; `Err` is the response to send.
fn parse_head(head: &str) -> Result<(Request, usize, bool), Response> {
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default();
    let mut parts = first.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(Response::error(400, "malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(Response::error(400, "HTTP/1.x only"));
    }
    let mut length = 0usize;
    let mut expect_continue = false;
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(Response::error(400, "malformed header"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value
                .parse()
                .map_err(|_| Response::error(400, "bad Content-Length"))?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Response::error(411, "send a Content-Length, not chunks"));
        } else if name.eq_ignore_ascii_case("expect") {
            expect_continue = value.eq_ignore_ascii_case("100-continue");
        }
    }
    if length > MAX_BODY {
        return Err(Response::error(413, "body larger than 2 MiB"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let request = Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query,
        body: Vec::new(),
    };
    Ok((request, length, expect_continue))
}

async fn read_request(stream: &mut TcpStream) -> Result<Request, Response> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = head_end(&buf) {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return Err(Response::error(431, "request head larger than 16 KiB"));
        }
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| Response::error(400, "connection failed"))?;
        if n == 0 {
            return Err(Response::error(400, "incomplete request"));
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let head = std::str::from_utf8(buf.get(..end).unwrap_or_default())
        .map_err(|_| Response::error(400, "request head is not UTF-8"))?;
    let (mut request, length, expect_continue) = parse_head(head)?;
    let mut body = buf.get(end..).unwrap_or_default().to_vec();
    if expect_continue && body.len() < length {
        let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
    }
    while body.len() < length {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| Response::error(400, "connection failed"))?;
        if n == 0 {
            return Err(Response::error(400, "body shorter than Content-Length"));
        }
        body.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    body.truncate(length);
    request.body = body;
    Ok(request)
}

/// Serves one HTTP connection.
pub(crate) async fn serve(hub: Arc<Hub>, mut stream: TcpStream) {
    let response = match tokio::time::timeout(READ_TIMEOUT, read_request(&mut stream)).await {
        Ok(Ok(request)) => api::handle(&hub, request).await,
        Ok(Err(response)) => response,
        Err(_) => Response::error(408, "request not received within 10 s"),
    };
    let body = serde_json::to_vec_pretty(&response.body).unwrap_or_default();
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        response.status,
        reason(response.status),
        body.len() + 1
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.write_all(b"\n").await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_with_query_and_length() {
        let (r, len, cont) = parse_head(
            "POST /devices/d1/messages?limit=5&x HTTP/1.1\r\nHost: a\r\ncontent-length: 12\r\nExpect: 100-continue\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/devices/d1/messages")
        );
        assert_eq!(r.param("limit"), Some("5"));
        assert_eq!(r.param("x"), Some(""));
        assert_eq!((len, cont), (12, true));
    }

    #[test]
    fn bad_heads_get_an_error_status() {
        assert_eq!(parse_head("GARBAGE\r\n\r\n").unwrap_err().status, 400);
        let chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(parse_head(chunked).unwrap_err().status, 411);
        let big = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        assert_eq!(parse_head(&big).unwrap_err().status, 413);
    }
}
