//! The mail queue and SMTP delivery against a relay in the test: plain, STARTTLS, implicit
//! TLS, refusals, retries and each recipient's language.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::rustls;

use super::*;

/// How the test relay behaves.
#[derive(Clone, Default)]
struct RelayOptions {
    reject_recipient: bool,
    /// Offer STARTTLS and upgrade with this certificate when asked.
    starttls: Option<Arc<rustls::ServerConfig>>,
    /// Speak TLS from the first byte.
    implicit_tls: Option<Arc<rustls::ServerConfig>>,
    /// Offer AUTH and accept only this user name and password.
    credentials: Option<(String, String)>,
}

/// Reads commands and answers them until QUIT or STARTTLS; returns whether STARTTLS was asked.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut BufReader<S>,
    options: &RelayOptions,
    secured: bool,
    transcript: &mut String,
) -> bool {
    let mut in_data = false;
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
            return false;
        }
        transcript.push_str(&line);
        let reply: String = if in_data {
            if line == ".\r\n" {
                in_data = false;
                "250 queued\r\n".into()
            } else {
                continue;
            }
        } else if line.starts_with("EHLO") {
            let mut reply = "250-relay\r\n".to_owned();
            if options.starttls.is_some() && !secured {
                reply.push_str("250-STARTTLS\r\n");
            }
            if options.credentials.is_some() && secured {
                reply.push_str("250-AUTH PLAIN\r\n");
            }
            reply.push_str("250 8BITMIME\r\n");
            reply
        } else if line.starts_with("STARTTLS") {
            stream.write_all(b"220 go ahead\r\n").await.unwrap();
            return true;
        } else if let Some(given) = line.strip_prefix("AUTH PLAIN ") {
            let (user, password) = options.credentials.clone().unwrap_or_default();
            let expected = STANDARD.encode(format!("\0{user}\0{password}"));
            if given.trim_end() == expected { "235 welcome\r\n".into() } else { "535 no\r\n".into() }
        } else if line.starts_with("RCPT") && options.reject_recipient {
            "550 no such user\r\n".into()
        } else if line.starts_with("DATA") {
            in_data = true;
            "354 go ahead\r\n".into()
        } else if line.starts_with("QUIT") {
            stream.write_all(b"221 bye\r\n").await.unwrap();
            return false;
        } else {
            "250 ok\r\n".into()
        };
        stream.write_all(reply.as_bytes()).await.unwrap();
    }
}

/// A relay that speaks just enough SMTP and hands back what it received (after TLS, when
/// it was asked for, only what came over TLS).
async fn relay_with(options: RelayOptions) -> (u16, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut transcript = String::new();
        if let Some(config) = options.implicit_tls.clone() {
            let Ok(tls) = tokio_rustls::TlsAcceptor::from(config).accept(tcp).await else {
                return "(tls handshake failed)".to_owned();
            };
            let mut stream = BufReader::new(tls);
            stream.write_all(b"220 relay ready\r\n").await.unwrap();
            serve(&mut stream, &options, true, &mut transcript).await;
            return transcript;
        }
        let mut plain = BufReader::new(tcp);
        plain.write_all(b"220 relay ready\r\n").await.unwrap();
        if serve(&mut plain, &options, false, &mut transcript).await {
            let config = options.starttls.clone().unwrap();
            let Ok(tls) = tokio_rustls::TlsAcceptor::from(config).accept(plain.into_inner()).await else {
                return "(tls handshake failed)".to_owned();
            };
            transcript.clear();
            serve(&mut BufReader::new(tls), &options, true, &mut transcript).await;
        }
        transcript
    });
    (port, handle)
}

async fn relay(reject_recipient: bool) -> (u16, tokio::task::JoinHandle<String>) {
    relay_with(RelayOptions { reject_recipient, ..RelayOptions::default() }).await
}

/// A certificate authority (its PEM) and a relay certificate for 127.0.0.1 and localhost
/// that it signed.
fn authority_and_relay() -> (String, Arc<rustls::ServerConfig>) {
    let mut authority = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    authority.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    authority.distinguished_name.push(rcgen::DnType::CommonName, "techmatch mail test ca");
    let authority_key = rcgen::KeyPair::generate().unwrap();
    let authority_certificate = authority.self_signed(&authority_key).unwrap();
    let issuer = rcgen::Issuer::new(authority, authority_key);
    let relay = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let relay_key = rcgen::KeyPair::generate().unwrap();
    let relay_certificate = relay.signed_by(&relay_key, &issuer).unwrap();
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(relay_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![relay_certificate.der().clone()], key)
        .unwrap();
    (authority_certificate.pem(), Arc::new(config))
}

fn settings(port: u16) -> MailSettings {
    MailSettings {
        smtp_host: "127.0.0.1".into(),
        smtp_port: port,
        from: "noreply@techmatch.cn".into(),
        timeout_ms: 2000,
        ..MailSettings::default()
    }
}

fn with_authority(mut settings: MailSettings, pem: &str, directory: &tempfile::TempDir) -> MailSettings {
    let path = directory.path().join("ca.pem");
    std::fs::write(&path, pem).unwrap();
    settings.ca_file = path.display().to_string();
    settings
}

#[tokio::test]
async fn starttls_then_login_then_the_message_all_over_tls() {
    let (authority, relay_config) = authority_and_relay();
    let credentials = ("mailer@techmatch.cn".to_owned(), "relay password 甲乙".to_owned());
    let options = RelayOptions {
        starttls: Some(relay_config),
        credentials: Some(credentials.clone()),
        ..RelayOptions::default()
    };
    let (port, handle) = relay_with(options).await;
    let directory = tempfile::tempdir().unwrap();
    let mut settings = with_authority(settings(port), &authority, &directory);
    settings.security = MailSecurity::Starttls;
    (settings.username, settings.password) = credentials;
    send_mail(&settings, "wang@lab.cn", "s", "正文 body").await.unwrap();
    let over_tls = handle.await.unwrap();
    // The transcript holds only what came after the handshake: login and message included.
    assert!(over_tls.starts_with("EHLO"), "{over_tls}");
    assert!(over_tls.contains("AUTH PLAIN "), "{over_tls}");
    assert!(over_tls.contains("RCPT TO:<wang@lab.cn>"), "{over_tls}");
}

#[tokio::test]
async fn implicit_tls_delivers_and_a_stranger_certificate_is_refused() {
    let (authority, relay_config) = authority_and_relay();
    let directory = tempfile::tempdir().unwrap();
    let (port, handle) =
        relay_with(RelayOptions { implicit_tls: Some(relay_config.clone()), ..RelayOptions::default() }).await;
    let mut trusting = with_authority(settings(port), &authority, &directory);
    trusting.security = MailSecurity::Tls;
    send_mail(&trusting, "li@lab.cn", "s", "b").await.unwrap();
    assert!(handle.await.unwrap().contains("RCPT TO:<li@lab.cn>"));

    // The same relay, but the client trusts another authority (or only the public roots).
    let (stranger, _) = authority_and_relay();
    for ca in [Some(stranger.as_str()), None] {
        let (port, handle) =
            relay_with(RelayOptions { implicit_tls: Some(relay_config.clone()), ..RelayOptions::default() }).await;
        let mut suspicious = match ca {
            Some(pem) => with_authority(settings(port), pem, &directory),
            None => settings(port),
        };
        suspicious.security = MailSecurity::Tls;
        let refused = send_mail(&suspicious, "li@lab.cn", "s", "b").await.unwrap_err();
        assert!(refused.to_string().to_lowercase().contains("certificate"), "{refused}");
        assert_eq!(handle.await.unwrap(), "(tls handshake failed)");
    }
}

#[tokio::test]
async fn a_busy_relay_is_worth_another_try_and_a_refusal_is_not() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut busy, _) = listener.accept().await.unwrap();
        busy.write_all(b"421 too busy, try later\r\n").await.unwrap();
    });
    let busy = send_mail(&settings(port), "zhao@lab.cn", "s", "b").await.unwrap_err();
    assert!(transient(&busy), "{busy}");
    let (port, handle) = relay(true).await;
    let refused = send_mail(&settings(port), "nobody@lab.cn", "s", "b").await.unwrap_err();
    assert!(refused.to_string().contains("550") && !transient(&refused), "{refused}");
    handle.await.unwrap();
    let unused = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let unreachable = send_mail(&settings(unused), "x@lab.cn", "s", "b").await.unwrap_err();
    assert!(transient(&unreachable), "{unreachable}");
}

/// A notice and the account it is for, stored as an event change would store them.
async fn stored_notice(store: &techmatch_store::Store, email: &str) -> i64 {
    stored_notice_at(store, email, chrono::Utc::now()).await
}

async fn stored_notice_at(store: &techmatch_store::Store, email: &str, at: chrono::DateTime<chrono::Utc>) -> i64 {
    let (account, _) = store
        .create_account(techmatch_store::NewAccount {
            email: techmatch_domain::account::EmailAddress::parse("email", email).unwrap(),
            password_hash: "not a real hash".to_owned(),
            display_name: techmatch_domain::account::DisplayName::parse("display_name", "赵老师").unwrap(),
            role: techmatch_domain::Role::Researcher,
            membership: techmatch_store::Membership::None,
        })
        .await
        .unwrap();
    let notice = techmatch_store::NewNotification {
        user_id: account.id,
        kind: "request_received",
        message: techmatch_domain::event::NoticeText::new("您收到一个洽谈请求", "You received a meeting request."),
    };
    store.notify(std::slice::from_ref(&notice), at).await.unwrap();
    store.notifications(account.id, 1).await.unwrap()[0].id.0
}

#[tokio::test]
async fn a_notice_waits_in_the_database_until_the_relay_takes_it() {
    for database in techmatch_store::testing::TestDatabase::all().await {
        let store = database.store().await;
        let label = database.label;
        // The relay is down when the notice is stored: the try fails and is put off.
        let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        // Long enough that the second look below comes before it, however slow the machine.
        let delays = [Duration::from_millis(1500); 2];
        let notice = stored_notice(&store, "zhao@lab.cn").await;
        let first = Mailer::new(settings(port), store.clone()).with_retry_delays(&delays);
        assert_eq!(first.send_due().await.unwrap(), 1, "{label}");
        assert_eq!(store.notice_mail_state(notice).await.unwrap(), Some((None, 1)), "{label}");
        assert_eq!(first.send_due().await.unwrap(), 0, "{label}: not due again before its delay");

        // Another sender (a restart) with the relay back: the notice goes out, once.
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let back = tokio::spawn(async move {
            let (connection, _) = listener.accept().await.unwrap();
            let mut stream = BufReader::new(connection);
            stream.write_all(b"220 relay ready\r\n").await.unwrap();
            let mut transcript = String::new();
            serve(&mut stream, &RelayOptions::default(), false, &mut transcript).await;
            transcript
        });
        tokio::time::sleep(Duration::from_millis(1600)).await;
        let restarted = Mailer::new(settings(port), store.clone()).with_retry_delays(&delays);
        assert_eq!(restarted.send_due().await.unwrap(), 1, "{label}");
        assert!(back.await.unwrap().contains("RCPT TO:<zhao@lab.cn>"), "{label}");
        let (mailed_at, attempts) = store.notice_mail_state(notice).await.unwrap().unwrap();
        assert!(mailed_at.is_some() && attempts == 2, "{label}: {mailed_at:?} after {attempts}");
        assert_eq!(restarted.send_due().await.unwrap(), 0, "{label}: sent once");

        // A permanent refusal ends it at once: the relay accepts a single connection.
        let (port, handle) = relay(true).await;
        let refused = stored_notice(&store, "nobody@lab.cn").await;
        let sender = Mailer::new(settings(port), store.clone()).with_retry_delays(&delays);
        assert_eq!(sender.send_due().await.unwrap(), 1, "{label}");
        assert!(handle.await.unwrap().contains("RCPT TO:<nobody@lab.cn>"), "{label}");
        assert_eq!(store.notice_mail_state(refused).await.unwrap(), Some((None, 1)), "{label}");
        tokio::time::sleep(Duration::from_millis(1600)).await;
        assert_eq!(sender.send_due().await.unwrap(), 0, "{label}: given up");

        // A due notice is claimed by one sender only.
        let claimed = stored_notice(&store, "qian@lab.cn").await;
        let due = store.notices_due_for_mail(chrono::Utc::now(), 10).await.unwrap();
        let waiting = due.iter().find(|queued| queued.id == claimed).unwrap();
        let lease = chrono::Utc::now() + chrono::Duration::seconds(60);
        assert!(store.claim_notice_for_mail(waiting, lease).await.unwrap(), "{label}");
        assert!(!store.claim_notice_for_mail(waiting, lease).await.unwrap(), "{label}: taken already");
        store.close().await;
    }
}

#[tokio::test]
async fn without_a_relay_no_sender_touches_the_queue() {
    let database = techmatch_store::testing::TestDatabase::sqlite();
    let store = database.store().await;
    let notice = stored_notice(&store, "zhou@lab.cn").await;
    let mailer = Mailer::new(MailSettings::default(), store.clone());
    mailer.start();
    mailer.notices_stored();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Still queued, untried: a process with a relay mails it while it is fresh.
    assert_eq!(store.notice_mail_state(notice).await.unwrap(), Some((None, 0)));
    assert_eq!(store.notices_due_for_mail(chrono::Utc::now(), 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_notice_older_than_a_day_is_not_mailed() {
    let database = techmatch_store::testing::TestDatabase::sqlite();
    let store = database.store().await;
    // Stored two days ago, while no relay was configured: never sent since.
    let (port, relay) = relay(false).await;
    let notice = stored_notice_at(&store, "sun@lab.cn", chrono::Utc::now() - chrono::Duration::days(2)).await;
    let sender = Mailer::new(settings(port), store.clone());
    assert_eq!(sender.send_due().await.unwrap(), 1);
    assert_eq!(store.notice_mail_state(notice).await.unwrap(), Some((None, 1)));
    assert_eq!(sender.send_due().await.unwrap(), 0, "given up, not put off");
    assert!(!relay.is_finished(), "the relay was never contacted");
    relay.abort();
}

#[tokio::test]
async fn credentials_never_travel_in_the_clear() {
    // Configured without TLS: refused before connecting.
    let (port, _handle) = relay(false).await;
    let mut plain = settings(port);
    plain.username = "mailer".into();
    plain.password = "secret".into();
    let refused = send_mail(&plain, "a@lab.cn", "s", "b").await.unwrap_err();
    assert!(refused.to_string().contains("without tls"), "{refused}");
    // STARTTLS asked for but not offered: the client stops before sending anything more.
    let (port, handle) = relay(false).await;
    let mut starttls = settings(port);
    starttls.security = MailSecurity::Starttls;
    starttls.username = "mailer".into();
    starttls.password = "secret".into();
    let refused = send_mail(&starttls, "a@lab.cn", "s", "b").await.unwrap_err();
    assert!(refused.to_string().contains("STARTTLS"), "{refused}");
    let transcript = handle.await.unwrap();
    assert!(!transcript.contains("AUTH") && !transcript.contains("MAIL"), "{transcript}");
    // The password does not show in the settings' debug output either.
    assert!(!format!("{starttls:?}").contains("secret"));
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
async fn each_recipient_reads_the_notice_in_their_own_language() {
    let database = techmatch_store::testing::TestDatabase::sqlite();
    let store = database.store().await;
    let body_of = |transcript: &str| {
        let body_line = transcript.lines().skip_while(|line| !line.is_empty()).nth(1).unwrap().to_owned();
        String::from_utf8(STANDARD.decode(body_line).unwrap()).unwrap()
    };
    let (port, handle) = relay(false).await;
    stored_notice(&store, "zhao@lab.cn").await;
    Mailer::new(settings(port), store.clone()).send_due().await.unwrap();
    let chinese = handle.await.unwrap();
    assert_eq!(body_of(&chinese), "您收到一个洽谈请求");

    let notice = stored_notice(&store, "smith@lab.cn").await;
    let owner = store
        .find_account_by_email(&techmatch_domain::EmailAddress::parse("email", "smith@lab.cn").unwrap())
        .await
        .unwrap()
        .unwrap();
    store.set_account_language(owner.id, techmatch_domain::Language::English).await.unwrap();
    let (port, handle) = relay(false).await;
    Mailer::new(settings(port), store.clone()).send_due().await.unwrap();
    let english = handle.await.unwrap();
    assert!(english.contains("Subject: [techmatch] You received a meeting request"), "{english}");
    assert_eq!(body_of(&english), "You received a meeting request.");
    assert!(store.notice_mail_state(notice).await.unwrap().unwrap().0.is_some());
    store.close().await;
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
