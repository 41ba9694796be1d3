//! Test support shared by the exporter's unit tests and the CLI's integration tests: reading one
//! HTTP/1.1 POST on a loopback connection, as a small OTLP/HTTP receiver does.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;

/// Reads one request from `stream`: its request line (with its line break) and its body (as
/// long as `Content-Length` says).
pub fn read_post(stream: &TcpStream) -> (String, String) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut request_line = String::new();
    reader.read_line(&mut request_line).expect("request line");
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).expect("header");
        if header == "\r\n" || header.is_empty() {
            break;
        }
        if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().expect("length");
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    (request_line, String::from_utf8(body).expect("utf-8"))
}
