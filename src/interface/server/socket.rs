//! A connection's stream as hyper sees it, with two duties hyper does not
//! offer:
//!
//! - **JSON for hyper's own errors.** hyper answers a request head it
//!   cannot parse (a bad request line or header, a head over the size
//!   limit) by itself, with an empty body, and closes the connection. Such
//!   an answer is the only one with an error status and no `content-type`
//!   (every answer of the routes is JSON), so it is recognised as it is
//!   written and replaced by the same status with the JSON error body.
//! - **A send timeout.** An answer the client has not taken within the
//!   send timeout of the first write that had to wait ends the connection,
//!   so a client that never reads, or reads a byte at a time, cannot hold
//!   its slot. The clock stops only when hyper's buffer is all sent (its
//!   flush), not at each partial write.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use super::http::HttpError;

pub(crate) struct Socket<S> {
    stream: S,
    send_timeout: Duration,
    /// Running from the first write that had to wait until the next flush.
    stalled: Option<Pin<Box<Sleep>>>,
    /// The JSON answer that replaces hyper's, and how much of it is sent.
    replacement: Option<(Vec<u8>, usize)>,
}

impl<S> Socket<S> {
    pub(crate) fn new(stream: S, send_timeout: Duration) -> Self {
        Socket {
            stream,
            send_timeout,
            stalled: None,
            replacement: None,
        }
    }
}

impl<S: AsyncWrite + Unpin> Socket<S> {
    /// Times a write that waits: waiting past the send timeout, counted
    /// from the first write that had to wait since the last flush, is an
    /// error, which ends the connection.
    fn timed<T>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if result.is_ready() {
            return result;
        }
        let timeout = self.send_timeout;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.stalled = None;
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client did not read its answer",
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// Sends what is left of the replacement answer.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, sent)) = &self.replacement {
            let rest = bytes.get(*sent..).unwrap_or_default();
            if rest.is_empty() {
                self.replacement = None;
                break;
            }
            let written = Pin::new(&mut self.stream).poll_write(cx, rest);
            let count = ready!(self.timed(cx, written))?;
            if count == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            if let Some((_, sent)) = &mut self.replacement {
                *sent += count;
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Socket<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Socket<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_replacement(cx))?;
        if let Some(answer) = json_answer_for(buf) {
            // hyper flushes and shuts down after its error answer; the
            // replacement is sent then.
            this.replacement = Some((answer, 0));
            return Poll::Ready(Ok(buf.len()));
        }
        let written = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.timed(cx, written)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_replacement(cx))?;
        let flushed = Pin::new(&mut this.stream).poll_flush(cx);
        ready!(this.timed(cx, flushed))?;
        // hyper flushes once its buffer is all written: the answer is sent.
        this.stalled = None;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_replacement(cx))?;
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}

/// If `written` is one of hyper's own error answers (a whole head, an
/// error status, `content-length: 0`, `connection: close`, no
/// `content-type`), the same answer with its JSON body.
fn json_answer_for(written: &[u8]) -> Option<Vec<u8>> {
    let head = std::str::from_utf8(written.strip_suffix(b"\r\n\r\n")?).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status: u16 = status_line
        .strip_prefix("HTTP/1.1 ")?
        .get(..3)?
        .parse()
        .ok()?;
    let headers: Vec<&str> = lines.collect();
    let has = |line: &str| {
        headers
            .iter()
            .any(|header| header.eq_ignore_ascii_case(line))
    };
    let names_content_type = headers.iter().any(|header| {
        header
            .get(..13)
            .is_some_and(|name| name.eq_ignore_ascii_case("content-type:"))
    });
    if status < 400 || names_content_type || !has("content-length: 0") || !has("connection: close")
    {
        return None;
    }
    let body = HttpError::from_status(status).to_json().to_string();
    let mut answer = format!("{status_line}\r\n");
    for header in headers
        .iter()
        .filter(|header| !header.eq_ignore_ascii_case("content-length: 0"))
    {
        answer.push_str(header);
        answer.push_str("\r\n");
    }
    answer.push_str(&format!(
        "content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    ));
    Some(answer.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_empty_error_answer_gets_a_json_body() {
        let written = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\n\
                        content-length: 0\r\ndate: Mon, 07 Dec 2026 03:29:48 GMT\r\n\r\n";
        let answer = String::from_utf8(json_answer_for(written).unwrap()).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(head.contains("\r\ncontent-type: application/json\r\n"));
        assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())));
        assert!(head.contains("\r\ndate: "));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"]["kind"], "head_too_large");
    }

    #[test]
    fn answers_of_the_routes_pass_unchanged() {
        let json = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\
                     content-length: 2\r\n\r\n{}";
        assert_eq!(json_answer_for(json), None);
        let head_only = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\
                          content-length: 90\r\n\r\n";
        assert_eq!(json_answer_for(head_only), None);
        let success = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(json_answer_for(success), None);
    }
}
