//! A hostile or broken node on 127.0.0.1: it answers every request with the same reply (or never
//! answers), whatever was asked. It stops with the test's runtime.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone)]
pub(crate) enum Reply {
    /// This status, content type and body.
    Answer {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// The request is read, then nothing is ever sent back.
    Never,
}

impl Reply {
    pub(crate) fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self::Answer {
            status: 200,
            content_type,
            body: body.into(),
        }
    }
}

/// A server giving `reply` to every request; its base URL.
pub(crate) async fn serve(reply: Reply) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream, reply.clone()));
        }
    });
    url
}

async fn answer(mut stream: TcpStream, reply: Reply) {
    // The request: its head, then a chunked body up to its last chunk (uploads are chunked).
    let mut request = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        let Ok(n) = stream.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        request.extend_from_slice(&buf[..n]);
        let Some(head_end) = find(&request, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
        if !head.contains("transfer-encoding: chunked") || request.ends_with(b"\r\n0\r\n\r\n") {
            break;
        }
    }
    match reply {
        Reply::Never => {
            let _ = stream.read(&mut buf).await;
        }
        Reply::Answer {
            status,
            content_type,
            body,
        } => {
            let head = format!(
                "HTTP/1.1 {status} Whatever\r\nContent-Type: {content_type}\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A bare `POST path` to `base` (for checks the store does not offer, like `pin/ls`): the
/// status and body.
pub(crate) async fn post(base: &str, path: &str) -> (u16, String) {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, body)| body.to_owned());
    (status, body)
}
