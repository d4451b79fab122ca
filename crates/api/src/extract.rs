//! Request extractors: the authenticated caller and the client address.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use techmatch_domain::Actor;
use techmatch_service::{ServiceError, Services};

use crate::error::{ApiError, ErrorCode};
use crate::server::ApiSettings;

/// The caller, resolved from `Authorization: Bearer <token>`. Routes that take this refuse
/// anonymous callers with 401 before the handler runs.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated(pub Actor);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let token = bearer_token(request);
        let services = request.app_data::<web::Data<Services>>().cloned();
        Box::pin(async move {
            let services =
                services.ok_or_else(|| ApiError::from(ServiceError::Internal(anyhow::anyhow!("services missing"))))?;
            let token = token.ok_or(ServiceError::Unauthenticated)?;
            Ok(Authenticated(services.accounts.authenticate(&token).await?))
        })
    }
}

fn bearer_token(request: &HttpRequest) -> Option<String> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The address the request came from, for throttling: the peer's, or behind trusted reverse
/// proxies ([`client_address`]) the nearest address in `X-Forwarded-For` that no trusted proxy
/// has. Always an IP address (or `unknown`).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(Ok(ClientAddress(client_address(request))))
    }
}

/// The client's address, the same rule for the API and the pages. Without
/// `server.trust_forwarded_for` it is the peer. With it, the peer and the `X-Forwarded-For`
/// entries are read from the right (each proxy appends the address it was reached from), past
/// every trusted proxy (`server.trusted_proxies`; when none is listed, the peer is the one
/// proxy): the first address left is the client. Entries further left are the client's own
/// writing and never count, so a forged header cannot change the key.
pub fn client_address(request: &HttpRequest) -> String {
    let Some(peer) = request.peer_addr().map(|address| address.ip()) else {
        return "unknown".to_owned();
    };
    let settings = request.app_data::<web::Data<ApiSettings>>();
    let Some(settings) = settings.filter(|settings| settings.trust_forwarded_for) else {
        return peer.to_string();
    };
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    forwarded_client(peer, &forwarded, &settings.trusted_proxies).to_string()
}

/// [`client_address`]'s rule over parsed parts.
fn forwarded_client(peer: IpAddr, forwarded: &[&str], trusted_proxies: &[ipnet::IpNet]) -> IpAddr {
    let trusted = |address: IpAddr, hop: usize| {
        if trusted_proxies.is_empty() {
            hop == 0
        } else {
            trusted_proxies.iter().any(|network| network.contains(&address))
        }
    };
    let mut nearest = peer;
    if !trusted(peer, 0) {
        return peer;
    }
    for (hop, entry) in forwarded.iter().rev().enumerate() {
        // An entry a trusted proxy wrote that is not an address: the proxy is the best known.
        let Some(address) = parse_forwarded_entry(entry) else {
            return nearest;
        };
        if !trusted(address, hop + 1) {
            return address;
        }
        nearest = address;
    }
    nearest
}

/// An `X-Forwarded-For` entry: an IPv4 or IPv6 address, possibly with a port (`[::1]:80`,
/// `192.0.2.1:80`).
fn parse_forwarded_entry(entry: &str) -> Option<IpAddr> {
    entry.parse::<IpAddr>().ok().or_else(|| entry.parse::<std::net::SocketAddr>().ok().map(|socket| socket.ip())).map(
        |address| match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        },
    )
}

/// The caller if a bearer token is sent, anonymous otherwise. A token that is sent but invalid
/// is refused (401), not silently ignored.
#[derive(Debug, Clone, Copy)]
pub struct MaybeAuthenticated(pub Option<Actor>);

impl MaybeAuthenticated {
    pub fn actor(&self) -> Option<&Actor> {
        self.0.as_ref()
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let has_header = request.headers().contains_key(header::AUTHORIZATION);
        let token = bearer_token(request);
        let services = request.app_data::<web::Data<Services>>().cloned();
        Box::pin(async move {
            if !has_header {
                return Ok(MaybeAuthenticated(None));
            }
            let services =
                services.ok_or_else(|| ApiError::from(ServiceError::Internal(anyhow::anyhow!("services missing"))))?;
            let token = token.ok_or(ServiceError::InvalidToken)?;
            Ok(MaybeAuthenticated(Some(services.accounts.authenticate(&token).await?)))
        })
    }
}

/// A JSON request body. Read like `web::Json` (same size limit, content type and error codes),
/// but a number with a zero fraction (`5.0`) is accepted where an integer is expected: JSON
/// Schema counts it as an integer, and so do clients that only have floating point. The body
/// must be a JSON object.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Whole numbers written with a fraction become integers, at any depth; other values stay.
fn integral_numbers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    // Beyond 2^53 a float no longer holds every integer exactly: leave those as they are.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(number) => match number.as_f64() {
            Some(float) if !number.is_i64() && !number.is_u64() && float.fract() == 0.0 && float.abs() <= EXACT => {
                if float >= 0.0 {
                    Value::from(float as u64)
                } else {
                    Value::from(float as i64)
                }
            }
            _ => Value::Number(number),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(integral_numbers).collect()),
        Value::Object(fields) => {
            Value::Object(fields.into_iter().map(|(key, value)| (key, integral_numbers(value))).collect())
        }
        other => other,
    }
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<serde_json::Value>::from_request(request, payload);
        Box::pin(async move {
            let web::Json(value) = value.await?;
            // Every body is an object; serde would also read a struct from an array of its
            // fields in order, which no schema allows.
            if !value.is_object() {
                return Err(ApiError::new(ErrorCode::InvalidBody, "the body must be a JSON object").into());
            }
            serde_json::from_value::<T>(integral_numbers(value)).map(JsonBody).map_err(|error| {
                let code = if error.to_string().starts_with("unknown field") {
                    ErrorCode::UnknownField
                } else {
                    ErrorCode::InvalidBody
                };
                ApiError::new(code, error.to_string()).into()
            })
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn networks(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter().map(|network| network.parse().unwrap()).collect()
    }

    #[test]
    fn the_client_is_the_nearest_address_no_trusted_proxy_has() {
        let proxies = networks(&["10.0.0.0/8"]);
        // A client that writes its own header cannot choose its key: only what the trusted
        // proxies appended counts.
        assert_eq!(forwarded_client(ip("10.0.0.1"), &["203.0.113.9", "198.51.100.7"], &proxies), ip("198.51.100.7"));
        assert_eq!(
            forwarded_client(ip("10.0.0.1"), &["203.0.113.9", "198.51.100.7", "10.0.0.2"], &proxies),
            ip("198.51.100.7"),
            "two proxies in a row"
        );
        assert_eq!(forwarded_client(ip("192.0.2.5"), &["203.0.113.9"], &proxies), ip("192.0.2.5"), "not via a proxy");
        assert_eq!(forwarded_client(ip("10.0.0.1"), &[], &proxies), ip("10.0.0.1"), "no header");
        assert_eq!(forwarded_client(ip("10.0.0.1"), &["garbage"], &proxies), ip("10.0.0.1"), "unreadable entry");
        assert_eq!(forwarded_client(ip("10.0.0.1"), &["[2001:db8::1]:4711"], &proxies), ip("2001:db8::1"));
        assert_eq!(forwarded_client(ip("10.0.0.1"), &["::ffff:192.0.2.1"], &proxies), ip("192.0.2.1"));
    }

    #[test]
    fn without_listed_proxies_the_peer_is_the_one_proxy() {
        assert_eq!(forwarded_client(ip("127.0.0.1"), &["203.0.113.9", "198.51.100.7"], &[]), ip("198.51.100.7"));
        assert_eq!(forwarded_client(ip("127.0.0.1"), &[], &[]), ip("127.0.0.1"));
    }
}
