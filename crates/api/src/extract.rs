//! Request extractors: the authenticated caller and the client address.

use std::future::Future;
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

/// The address the request came from, for throttling. Behind a reverse proxy every client
/// would share the proxy's address, so `X-Forwarded-For` is trusted only when configured.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let trust_forwarded =
            request.app_data::<web::Data<ApiSettings>>().is_some_and(|settings| settings.trust_forwarded_for);
        let address = if trust_forwarded {
            // Without a forwarded header this falls back to the peer, written with its port;
            // the port must go, or every connection would be a client of its own.
            request.connection_info().realip_remote_addr().map(|address| {
                address
                    .parse::<std::net::SocketAddr>()
                    .map_or_else(|_| address.to_owned(), |socket| socket.ip().to_string())
            })
        } else {
            request.peer_addr().map(|address| address.ip().to_string())
        };
        std::future::ready(Ok(ClientAddress(address.unwrap_or_else(|| "unknown".to_owned()))))
    }
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
/// Schema counts it as an integer, and so do clients that only have floating point.
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
