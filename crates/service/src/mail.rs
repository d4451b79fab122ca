//! E-mail copies of in-app notifications, through an SMTP relay when one is configured; logged
//! otherwise. Delivery happens after the change is committed, in the background: a slow or
//! absent relay never delays or fails the request that caused the notice.
//!
//! The client speaks plain SMTP (RFC 5321: EHLO, MAIL, RCPT, DATA, QUIT) without TLS or
//! authentication, which is what a relay on the same host or network (postfix, an office
//! gateway) expects; the message is UTF-8 text, base64-encoded, with an RFC 2047 subject.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use techmatch_store::{NewNotification, Store};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// `[mail]` in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// Empty: no e-mail, notices are logged.
    pub smtp_host: String,
    pub smtp_port: u16,
    pub from: String,
    pub timeout_ms: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings { smtp_host: String::new(), smtp_port: 25, from: "techmatch@localhost".into(), timeout_ms: 5000 }
    }
}

#[derive(Debug, Clone)]
pub struct Mailer {
    settings: MailSettings,
    store: Store,
}

impl Mailer {
    pub fn new(settings: MailSettings, store: Store) -> Mailer {
        Mailer { settings, store }
    }

    /// Sends (or logs) the notices in the background.
    pub fn deliver(&self, notices: Vec<NewNotification>) {
        if notices.is_empty() {
            return;
        }
        let mailer = self.clone();
        tokio::spawn(async move {
            for notice in notices {
                mailer.deliver_one(&notice).await;
            }
        });
    }

    async fn deliver_one(&self, notice: &NewNotification) {
        if self.settings.smtp_host.is_empty() {
            tracing::info!(user_id = notice.user_id.0, kind = notice.kind, "e-mail not configured; notice kept in-app");
            return;
        }
        let address = match self.store.find_account(notice.user_id).await {
            Ok(Some(account)) => account.email.as_str().to_owned(),
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(user_id = notice.user_id.0, error = %error, "no e-mail sent: account lookup failed");
                return;
            }
        };
        let subject = format!("[techmatch] {}", notice.kind.replace('_', " "));
        match send_mail(&self.settings, &address, &subject, &notice.message).await {
            Ok(()) => tracing::info!(user_id = notice.user_id.0, kind = notice.kind, "notice e-mailed"),
            Err(error) => {
                tracing::warn!(user_id = notice.user_id.0, kind = notice.kind, error = %error, "notice e-mail failed")
            }
        }
    }
}

/// Reads one (possibly multi-line) reply and checks its code.
async fn expect<R: tokio::io::AsyncBufRead + Unpin>(reader: &mut R, code: &str) -> std::io::Result<()> {
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "relay closed the connection"));
        }
        if !line.starts_with(code) {
            return Err(std::io::Error::other(format!("relay answered {:?}, expected {code}", line.trim_end())));
        }
        // "250-…" continues, "250 …" ends the reply.
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

fn header_safe(value: &str) -> bool {
    !value.contains(['\r', '\n', '<', '>'])
}

/// One message through the relay.
pub async fn send_mail(settings: &MailSettings, to: &str, subject: &str, body: &str) -> std::io::Result<()> {
    if !header_safe(to) || !header_safe(&settings.from) {
        return Err(std::io::Error::other("an address contains characters not allowed in a header"));
    }
    let timeout = Duration::from_millis(settings.timeout_ms.max(1));
    let exchange = async {
        let stream = TcpStream::connect((settings.smtp_host.as_str(), settings.smtp_port)).await?;
        let (read_half, mut writer) = stream.into_split();
        let mut reader = BufReader::new(read_half);
        expect(&mut reader, "220").await?;
        writer.write_all(b"EHLO techmatch\r\n").await?;
        expect(&mut reader, "250").await?;
        writer.write_all(format!("MAIL FROM:<{}>\r\n", settings.from).as_bytes()).await?;
        expect(&mut reader, "250").await?;
        writer.write_all(format!("RCPT TO:<{to}>\r\n").as_bytes()).await?;
        expect(&mut reader, "250").await?;
        writer.write_all(b"DATA\r\n").await?;
        expect(&mut reader, "354").await?;
        let encoded = STANDARD.encode(body.as_bytes());
        let lines: Vec<&str> =
            encoded.as_bytes().chunks(76).map(|chunk| std::str::from_utf8(chunk).unwrap_or_default()).collect();
        let message = format!(
            "From: <{from}>\r\nTo: <{to}>\r\nSubject: =?UTF-8?B?{subject}?=\r\nDate: {date}\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n.\r\n",
            from = settings.from,
            subject = STANDARD.encode(subject.as_bytes()),
            date = chrono::Utc::now().to_rfc2822(),
            body = lines.join("\r\n"),
        );
        writer.write_all(message.as_bytes()).await?;
        expect(&mut reader, "250").await?;
        writer.write_all(b"QUIT\r\n").await?;
        // The relay has accepted the message; its goodbye is a courtesy.
        let _ = expect(&mut reader, "221").await;
        Ok(())
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "smtp relay timed out"))?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use tokio::net::TcpListener;

    use super::*;

    /// A relay that speaks just enough SMTP and hands back what it received.
    async fn relay(reject_recipient: bool) -> (u16, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (read_half, mut writer) = stream.into_split();
            let mut reader = BufReader::new(read_half);
            let mut transcript = String::new();
            writer.write_all(b"220 relay ready\r\n").await.unwrap();
            let mut in_data = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).await.unwrap() == 0 {
                    break;
                }
                transcript.push_str(&line);
                let reply: &[u8] = if in_data {
                    if line == ".\r\n" {
                        in_data = false;
                        b"250 queued\r\n"
                    } else {
                        continue;
                    }
                } else if line.starts_with("EHLO") {
                    b"250-relay\r\n250 8BITMIME\r\n"
                } else if line.starts_with("RCPT") && reject_recipient {
                    b"550 no such user\r\n"
                } else if line.starts_with("DATA") {
                    in_data = true;
                    b"354 go ahead\r\n"
                } else if line.starts_with("QUIT") {
                    writer.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                } else {
                    b"250 ok\r\n"
                };
                writer.write_all(reply).await.unwrap();
            }
            transcript
        });
        (port, handle)
    }

    fn settings(port: u16) -> MailSettings {
        MailSettings {
            smtp_host: "127.0.0.1".into(),
            smtp_port: port,
            from: "noreply@techmatch.cn".into(),
            timeout_ms: 2000,
        }
    }

    #[tokio::test]
    async fn a_notice_goes_through_the_relay_in_utf8() {
        let (port, handle) = relay(false).await;
        send_mail(&settings(port), "wang@lab.cn", "[techmatch] request received", "您收到一个洽谈请求 / a request")
            .await
            .unwrap();
        let transcript = handle.await.unwrap();
        assert!(transcript.contains("MAIL FROM:<noreply@techmatch.cn>\r\n"), "{transcript}");
        assert!(transcript.contains("RCPT TO:<wang@lab.cn>\r\n"));
        let body_line = transcript.lines().skip_while(|line| !line.is_empty()).nth(1).unwrap();
        let decoded = String::from_utf8(STANDARD.decode(body_line).unwrap()).unwrap();
        assert_eq!(decoded, "您收到一个洽谈请求 / a request");
        assert!(transcript.contains("QUIT"));
    }

    #[tokio::test]
    async fn a_refusing_or_absent_relay_is_an_error_not_a_hang() {
        let (port, _handle) = relay(true).await;
        let refused = send_mail(&settings(port), "nobody@lab.cn", "s", "b").await.unwrap_err();
        assert!(refused.to_string().contains("550"), "{refused}");
        let unused = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        assert!(send_mail(&settings(unused), "x@lab.cn", "s", "b").await.is_err());
        assert!(send_mail(&settings(unused), "x@lab.cn\r\nBcc: all", "s", "b").await.is_err(), "header injection");
    }
}
