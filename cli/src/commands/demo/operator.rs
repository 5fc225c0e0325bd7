//! The operator's side of the demo: requests to the emulator's HTTP API, as `curl` would send
//! them, with the exchange shown in the transcript.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::transcript::Transcript;

/// Largest answer read (the API's answers are small).
const MAX_ANSWER: u64 = 1024 * 1024;

/// The emulator's HTTP API.
pub(super) struct Operator {
    pub(super) addr: SocketAddr,
    pub(super) timeout: Duration,
}

impl Operator {
    /// `method path` with a JSON body; the status and the JSON answer. `shown` is the body as
    /// the transcript prints it (a secret masked).
    pub(super) async fn call(
        &self,
        t: &mut Transcript,
        method: &str,
        path: &str,
        body: Option<&Value>,
        shown: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let text = body.map(Value::to_string).unwrap_or_default();
        let shown = shown.or(body).map(|b| format!(" {b}")).unwrap_or_default();
        let exchange = async {
            let mut s = TcpStream::connect(self.addr)
                .await
                .map_err(|e| format!("cannot reach the HTTP API at {}: {e}", self.addr))?;
            let request = format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                self.addr,
                text.len()
            );
            s.write_all(request.as_bytes())
                .await
                .map_err(|e| format!("HTTP request: {e}"))?;
            let mut answer = Vec::new();
            s.take(MAX_ANSWER)
                .read_to_end(&mut answer)
                .await
                .map_err(|e| format!("HTTP answer: {e}"))?;
            parse(&answer)
        };
        let (status, value) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| format!("{method} {path}: no answer in {:?}", self.timeout))??;
        t.operator(&format!("{method} {path}{shown} -> {status} {value}"));
        Ok((status, value))
    }

    /// As [`call`](Self::call), and the status must be `want`.
    pub(super) async fn expect(
        &self,
        t: &mut Transcript,
        method: &str,
        path: &str,
        body: Option<&Value>,
        want: u16,
    ) -> Result<Value, String> {
        let (status, value) = self.call(t, method, path, body, None).await?;
        if status == want {
            Ok(value)
        } else {
            Err(format!(
                "{method} {path}: HTTP {status} (wanted {want}): {value}"
            ))
        }
    }
}

fn parse(answer: &[u8]) -> Result<(u16, Value), String> {
    let text = std::str::from_utf8(answer).map_err(|_| "HTTP answer is not UTF-8".to_owned())?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| "HTTP answer without a head".to_owned())?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "HTTP answer without a status".to_owned())?;
    let value = serde_json::from_str(body).map_err(|e| format!("HTTP answer is not JSON: {e}"))?;
    Ok((status, value))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn answers_parse_into_status_and_json() {
        let (status, v) =
            parse(b"HTTP/1.1 201 Created\r\nContent-Length: 18\r\n\r\n{\"device_id\":\"d\"}")
                .unwrap();
        assert_eq!(status, 201);
        assert_eq!(v["device_id"], "d");
        assert!(parse(b"HTTP/1.1 200 OK\r\n\r\nnot json").is_err());
        assert!(parse(b"garbage").is_err());
    }
}
