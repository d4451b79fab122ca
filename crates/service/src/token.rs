//! Access tokens: HS256 JWTs with every registered claim required.

use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use techmatch_domain::UserId;

use crate::settings::AuthSettings;

/// What a token says. `iat` and `ver` are not optional fields, so a token without them does not
/// even deserialize.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    /// The account's token version when the token was issued.
    pub ver: i64,
}

#[derive(Clone)]
pub struct TokenIssuer {
    encoding_key: EncodingKey,
    decoding_key: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    lifetime: Duration,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("TokenIssuer").field("issuer", &self.issuer).field("audience", &self.audience).finish()
    }
}

impl TokenIssuer {
    pub fn new(settings: &AuthSettings) -> TokenIssuer {
        let secret = settings.jwt_secret.expose();
        // One pinned algorithm: the header's `alg` can never choose another (or `none`).
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        // `set_audience` alone does not make `aud` required.
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = settings.clock_leeway_seconds;
        TokenIssuer {
            encoding_key: EncodingKey::from_secret(secret),
            decoding_key: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            lifetime: Duration::from_secs(settings.access_token_ttl_seconds),
        }
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    pub fn issue(&self, user_id: UserId, token_version: i64) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        let claims = TokenClaims {
            sub: user_id.0.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + i64::try_from(self.lifetime.as_secs()).unwrap_or(i64::MAX / 2),
            nbf: now,
            iat: now,
            ver: token_version,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding_key)
            .context("signing access token")
    }

    /// The claims of a valid token, or `None` for anything else (expired, not yet valid, wrong
    /// issuer or audience, bad signature, other algorithm, malformed).
    pub fn verify(&self, token: &str) -> Option<(UserId, i64)> {
        let data = jsonwebtoken::decode::<TokenClaims>(token, &self.decoding_key, &self.validation).ok()?;
        if data.claims.iat > Utc::now().timestamp() + i64::try_from(self.validation.leeway).unwrap_or(0) {
            return None;
        }
        let user_id = data.claims.sub.parse::<i64>().ok()?;
        Some((UserId(user_id), data.claims.ver))
    }
}
