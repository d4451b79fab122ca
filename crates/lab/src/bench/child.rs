//! The service as a child process of the benchmark (the running `techmatch` binary's `serve`,
//! on SQLite in a scratch directory or on a given PostgreSQL database) and a minimal
//! keep-alive HTTP/1.1 client to drive it: enough for measuring, nothing more.

use std::io::{BufRead, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader as AsyncBufReader};
use tokio::net::TcpStream;

/// One keep-alive HTTP/1.1 connection: enough client for measuring, nothing more.
pub(super) struct Connection {
    reader: AsyncBufReader<TcpStream>,
    host: String,
}

impl Connection {
    pub(super) async fn open(host: &str) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(host).await?;
        stream.set_nodelay(true)?;
        Ok(Connection { reader: AsyncBufReader::new(stream), host: host.to_owned() })
    }

    /// Sends a request and reads the whole answer; returns the status.
    pub(super) async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> std::io::Result<u16> {
        let body = body.unwrap_or("");
        let authorization = token.map(|token| format!("Authorization: Bearer {token}\r\n")).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{authorization}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            body.len()
        );
        self.reader.get_mut().write_all(request.as_bytes()).await?;
        let mut line = String::new();
        self.reader.read_line(&mut line).await?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|status| status.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = None;
        loop {
            line.clear();
            if self.reader.read_line(&mut line).await? == 0 {
                return Err(std::io::Error::other("connection closed"));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let length = length.ok_or_else(|| std::io::Error::other("no content-length"))?;
        let mut sink = vec![0u8; length];
        self.reader.read_exact(&mut sink).await?;
        Ok(status)
    }
}

/// The server as a child process, killed when dropped.
pub(super) struct Server {
    pub(super) child: Child,
    pub(super) host: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn command(directory: &Path, database_url: Option<&str>) -> anyhow::Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    // Quiet by default; TECHMATCH_BENCH_LOG (a log filter) shows the server's own timings.
    let filter = std::env::var("TECHMATCH_BENCH_LOG").unwrap_or_else(|_| "error".to_owned());
    command.current_dir(directory).env("RUST_LOG", &filter).env("TECHMATCH__LOG__FILTER", &filter);
    if let Some(url) = database_url {
        command.env("TECHMATCH__DATABASE__URL", url);
    }
    Ok(command)
}

/// Starts `serve` with `settings` (environment overrides such as
/// `TECHMATCH__AUTH__PASSWORD_HASH__MAX_WAITING`) and waits until it listens.
pub(super) fn start_server(
    directory: &Path,
    database_url: Option<&str>,
    settings: &[(&str, String)],
) -> anyhow::Result<Server> {
    let mut child = command(directory, database_url)?
        .envs(settings.iter().map(|(name, value)| (*name, value.as_str())))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let stdout = child.stdout.take().context("no stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(address) = line.strip_prefix("listening on http://") {
            return Ok(Server { child, host: address.to_owned() });
        }
    }
    bail!("the server exited before listening")
}

/// Blocking JSON call used for setup only.
pub(super) fn setup_call(host: &str, method: &str, path: &str, body: &str) -> anyhow::Result<serde_json::Value> {
    let mut stream = std::net::TcpStream::connect(host)?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response)?;
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or("");
    Ok(serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
}
