//! Helpers for tests that run the compiled `techmatch` binary.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BINARY: &str = env!("CARGO_BIN_EXE_techmatch");

/// The binary in a fresh working directory (no config/ there: the embedded defaults apply).
pub fn techmatch(directory: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command.current_dir(directory);
    for (name, _) in std::env::vars() {
        if name.starts_with("TECHMATCH") {
            command.env_remove(name);
        }
    }
    command.env("RUST_LOG", "warn");
    command
}

pub struct Served {
    pub child: Child,
    pub lines: Vec<String>,
    pub address: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` and waits for its "listening on" line.
pub fn serve(mut command: Command) -> Served {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(line) = receiver.recv_timeout(Duration::from_millis(200)) {
            if let Some(address) = line.strip_prefix("listening on ") {
                let address = address.to_owned();
                lines.push(line);
                return Served { child, lines, address };
            }
            lines.push(line);
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("serve exited early with {status}: {lines:?}");
        }
    }
    let _ = child.kill();
    let status = child.wait();
    panic!("serve did not start ({status:?}): {lines:?}");
}

pub fn http(method: &str, url: &str, body: Option<&str>) -> (u16, String) {
    // A minimal HTTP/1.1 client: the binary under test is the thing being checked, not a client.
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').map(|(host, path)| (host, format!("/{path}"))).unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

/// An HTTP exchange that reports connection failures instead of panicking (the server may be
/// killed mid-request), with an optional bearer token.
pub fn try_http(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> std::io::Result<(u16, String)> {
    use std::io::Read;
    let rest = url.strip_prefix("http://").ok_or_else(|| std::io::Error::other("not an http url"))?;
    let (host, path) =
        rest.split_once('/').map(|(host, path)| (host, format!("/{path}"))).unwrap_or((rest, "/".into()));
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    let authorization = token.map(|token| format!("Authorization: Bearer {token}\r\n")).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{authorization}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    Ok((status, body))
}

/// A small deterministic generator, seeded from the clock and printed so a failure can be replayed.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn from_clock() -> XorShift {
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
        XorShift(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}
