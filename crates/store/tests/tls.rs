//! PostgreSQL over TLS: the service's database URL may ask for an encrypted, verified connection
//! (`sslmode=verify-full&sslrootcert=…`), as a managed PostgreSQL requires.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use sea_orm::{ConnectionTrait, Database, Statement};
use techmatch_store::Store;
use techmatch_store::testing::TestDatabase;

/// The CA certificate of the test cluster (`.ci/postgres.sh ca`), set by CI.
const CA_VARIABLE: &str = "TECHMATCH_TEST_POSTGRES_CA";

async fn encrypted(url: &str) -> bool {
    let connection = Database::connect(url).await.expect("connect");
    let row = connection
        .query_one_raw(Statement::from_string(
            connection.get_database_backend(),
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()".to_owned(),
        ))
        .await
        .expect("query")
        .expect("a row for this connection");
    let ssl: bool = row.try_get("", "ssl").expect("ssl column");
    connection.close().await.expect("close");
    ssl
}

#[tokio::test]
async fn postgres_connections_can_be_encrypted_and_verified() {
    let Some(database) = TestDatabase::postgres().await else { return };
    let Ok(ca) = std::env::var(CA_VARIABLE) else {
        let _ = writeln!(std::io::stderr(), "skipped: {CA_VARIABLE} is not set (CI sets it to .ci/postgres.sh ca)");
        return;
    };
    let separator = if database.settings.url.contains('?') { '&' } else { '?' };
    let verified = format!("{}{separator}sslmode=verify-full&sslrootcert={ca}", database.settings.url);
    let plain = format!("{}{separator}sslmode=disable", database.settings.url);

    assert!(encrypted(&verified).await, "verify-full gives an encrypted connection");
    assert!(!encrypted(&plain).await, "and the check tells the difference");

    // The service's own connection path, with migrations, over the verified connection.
    let mut settings = database.settings.clone();
    settings.url = verified;
    let store = Store::connect(&settings).await.expect("store over tls");
    store.migrate().await.expect("migrations over tls");

    // A certificate that is not the server's is refused: nothing silently falls back.
    let stranger = std::env::temp_dir().join(format!("techmatch-stranger-ca-{}.crt", std::process::id()));
    std::fs::write(&stranger, STRANGER_CA).unwrap();
    let mut refused = database.settings.clone();
    refused.url = format!("{}{separator}sslmode=verify-full&sslrootcert={}", database.settings.url, stranger.display());
    assert!(Store::connect(&refused).await.is_err(), "an unknown certificate authority is refused");
    let _ = std::fs::remove_file(stranger);
}

/// A self-signed certificate of nobody's server (its key was thrown away when it was made).
const STRANGER_CA: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIDJTCCAg2gAwIBAgIUESMMs7gEqMcnKGo4jh0WSTKtrg0wDQYJKoZIhvcNAQEL\n\
BQAwIjEgMB4GA1UEAwwXdGVjaG1hdGNoIHRlc3Qgc3RyYW5nZXIwHhcNMjYxMTI3\n\
MTEzNjE0WhcNMzYxMTI0MTEzNjE0WjAiMSAwHgYDVQQDDBd0ZWNobWF0Y2ggdGVz\n\
dCBzdHJhbmdlcjCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAKjIcdoE\n\
T6d9pZQmbtVrmYbWeUpLnTUrj4P5GW3IrhK2QPdKb8pvCvEp7NPixhE+YpewHT73\n\
z/2/TA0jdfG1hgFP1u/4/R1YBlkIluNI8m98mwXyKQrCiYZGj1cxDb3POhzW32gA\n\
MPF3QqVhmkIZU9SUC9ZF/syCmPGFHtZa5C+s0iDULYxnaUQLWwSdgFnrbb93S5Rm\n\
h6INTYgPcLUzh2gzytzVxk2VU9fUbnvRzdvaYfkzB0OF0Ti6DjGU78E+CDsHufNk\n\
3r1dYCdW5uggFzdUFIeZzIKZba+4Oynkp9rOHH+GwiuAlBDCYlvR84h/Q5oBSBGo\n\
LNa8/lcVTbJvxSMCAwEAAaNTMFEwHQYDVR0OBBYEFCJUUcb5MEbalUPpvbIk79qk\n\
s+jeMB8GA1UdIwQYMBaAFCJUUcb5MEbalUPpvbIk79qks+jeMA8GA1UdEwEB/wQF\n\
MAMBAf8wDQYJKoZIhvcNAQELBQADggEBAA5KQDyR5eLoLzMNLJje0xaP/Oe1/U4r\n\
FXP5OHbYIjT25xY8hxBc3FMwqfzzEs1jjhWTgwaZvvPeZ4g+/FeWoH/nwl05uXfw\n\
qBsSZ4hKfl7f6Bo0zt91xsxgNAVUtpqr6IWyLq7oKjchmuMdU/2W3nXlaki/aVuM\n\
WB1+VBGL4bca6qQaC09aTn5V9s5mBpSprYQIFJLs4thCI2BRuRCjZQG/C/SqZFzO\n\
ndem235IxdWXH1z3eT1b2DnYesfq7TMdAvcAt4hn/9GcoTydoeygjVuXyEtdIJhG\n\
a1rjHCZMhFr3ngsv/7Kj0Icw4tIe3p7u7Kj1qbbY0dJUOWL3kfYLgUU=\n\
-----END CERTIFICATE-----\n\
";
