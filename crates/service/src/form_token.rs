//! Tokens that tie a submitted form to the browser and the session it was shown to (the pages'
//! CSRF defence). The browser holds a random nonce in a cookie; a form carries an HMAC of that
//! nonce and of the session, keyed from the server secret. Someone who can plant a cookie still
//! cannot make a matching field without the key, and a token made for one session (a visitor's,
//! or the attacker's own account) does not pass for another. Every node sharing the secret
//! accepts the others' tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::settings::JwtSecret;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct FormTokens {
    keyed: HmacSha256,
}

impl std::fmt::Debug for FormTokens {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("FormTokens")
    }
}

impl FormTokens {
    /// A key of its own, derived from the secret, so that a form token is never a valid
    /// signature of anything else the secret signs.
    pub fn new(secret: &JwtSecret) -> anyhow::Result<FormTokens> {
        let mut derivation = HmacSha256::new_from_slice(secret.expose())?;
        derivation.update(b"techmatch form tokens v1");
        Ok(FormTokens { keyed: HmacSha256::new_from_slice(&derivation.finalize().into_bytes())? })
    }

    fn mac(&self, nonce: &str, session: &str) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        // Lengths first, so no two (nonce, session) pairs give the same message.
        for part in [nonce, session] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }

    /// The token a form shown to this nonce and session carries (`session` empty for a visitor).
    pub fn token(&self, nonce: &str, session: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(nonce, session).finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_token_belongs_to_one_nonce_session_and_key() {
        let tokens = FormTokens::new(&JwtSecret::new("a test secret that is long enough for hmac")).unwrap();
        let token = tokens.token("nonce-a", "session-a");
        assert_eq!(tokens.token("nonce-a", "session-a"), token, "the same on every call and node");
        assert_ne!(tokens.token("nonce-b", "session-a"), token, "another browser's nonce");
        assert_ne!(tokens.token("nonce-a", "session-b"), token, "another session");
        assert_ne!(tokens.token("nonce-a", ""), token, "a visitor's form");
        assert!(!token.contains("nonce-a"), "the nonce itself is not the token");
        // Moving characters between the parts changes the token.
        assert_ne!(tokens.token("ab", "c"), tokens.token("a", "bc"));
        let other = FormTokens::new(&JwtSecret::new("another secret that is long enough for hmac")).unwrap();
        assert_ne!(other.token("nonce-a", "session-a"), token, "another server key");
    }
}
