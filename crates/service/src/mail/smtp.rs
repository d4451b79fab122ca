//! One message through an SMTP relay with lettre: plain, STARTTLS or implicit TLS, AUTH only
//! over TLS, and which failures are worth another try.

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{MailSecurity, MailSettings};

/// Why a message did not go out.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The settings or the message cannot work, whatever the relay does.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("smtp relay timed out")]
    TimedOut,
}

/// Whether trying again later may succeed: the relay was unreachable, went away, timed out or
/// answered with a transient 4xx code. A 5xx answer, a certificate that does not check out or a
/// configuration mistake will not change by waiting.
pub(super) fn transient(error: &MailError) -> bool {
    use std::io::ErrorKind::{
        BrokenPipe, ConnectionAborted, ConnectionRefused, ConnectionReset, NotConnected, TimedOut, UnexpectedEof,
    };
    match error {
        MailError::Refused(_) => false,
        MailError::TimedOut => true,
        MailError::Smtp(smtp) => {
            let lost = std::error::Error::source(smtp)
                .and_then(|source| source.downcast_ref::<std::io::Error>())
                .is_some_and(|io| {
                    matches!(
                        io.kind(),
                        BrokenPipe
                            | ConnectionAborted
                            | ConnectionRefused
                            | ConnectionReset
                            | NotConnected
                            | TimedOut
                            | UnexpectedEof
                    )
                });
            smtp.is_transient() || smtp.is_timeout() || lost
        }
    }
}

/// The relay's TLS: its certificate checked against `ca_file` alone when one is configured,
/// else against the public roots.
fn tls_parameters(settings: &MailSettings) -> Result<TlsParameters, MailError> {
    let builder = TlsParameters::builder(settings.smtp_host.clone());
    let builder = if settings.ca_file.is_empty() {
        builder.certificate_store(CertificateStore::WebpkiRoots)
    } else {
        let pem = std::fs::read(&settings.ca_file)
            .map_err(|error| MailError::Refused(format!("mail.ca_file {}: {error}", settings.ca_file)))?;
        let authority = Certificate::from_pem(&pem)
            .map_err(|error| MailError::Refused(format!("mail.ca_file {}: {error}", settings.ca_file)))?;
        builder.certificate_store(CertificateStore::None).add_root_certificate(authority)
    };
    Ok(builder.build_rustls()?)
}

fn mailbox(field: &str, address: &str) -> Result<Mailbox, MailError> {
    address.parse().map_err(|error| MailError::Refused(format!("{field} {address:?} is not an address: {error}")))
}

/// One message through the relay.
pub async fn send_mail(settings: &MailSettings, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
    if settings.security == MailSecurity::None && !settings.username.is_empty() {
        return Err(MailError::Refused("refusing to send smtp credentials without tls (set mail.security)".into()));
    }
    let message = Message::builder()
        .from(mailbox("mail.from", &settings.from)?)
        .to(mailbox("recipient", to)?)
        .subject(subject)
        .date_now()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .header(ContentTransferEncoding::Base64)
                .body(body.to_owned()),
        )
        .map_err(|error| MailError::Refused(format!("cannot build the message: {error}")))?;
    let tls = match settings.security {
        MailSecurity::None => Tls::None,
        MailSecurity::Starttls => Tls::Required(tls_parameters(settings)?),
        MailSecurity::Tls => Tls::Wrapper(tls_parameters(settings)?),
    };
    let timeout = Duration::from_millis(settings.timeout_ms.max(1));
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.smtp_host.clone())
        .port(settings.smtp_port)
        .hello_name(ClientId::Domain("techmatch".into()))
        .tls(tls)
        .timeout(Some(timeout));
    if !settings.username.is_empty() {
        transport = transport.credentials(Credentials::new(settings.username.clone(), settings.password.clone()));
    }
    // Each step is bounded by the transport's timeout; the whole exchange is too.
    tokio::time::timeout(timeout, transport.build().send(message)).await.map_err(|_| MailError::TimedOut)??;
    Ok(())
}
