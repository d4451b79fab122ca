//! Wire formats, one module per area. Requests are parsed into domain types here, collecting
//! every field error; responses are built from domain types. Entities never reach the wire. (The
//! events' wire formats sit beside their routes.)

pub mod accounts;
pub mod listings;
pub mod matches;
pub mod needs;
pub mod results;
pub mod search;
pub mod system;

use serde::Deserialize;
use techmatch_service::PageRequest;
use utoipa::IntoParams;

use crate::error::ApiError;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows to skip (default 0).
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_u64)]
    pub offset: Option<u64>,
    /// Rows to return, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}

impl PageQuery {
    pub const MAX_LIMIT: u64 = 100;

    pub fn into_page_request(self) -> Result<PageRequest, ApiError> {
        use techmatch_domain::FieldError;
        let limit = self.limit.unwrap_or(20);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(ApiError::validation(vec![FieldError::new(
                "limit",
                "out_of_range",
                "must be between 1 and 100",
            )]));
        }
        let offset = self.offset.unwrap_or(0);
        if offset > i64::MAX as u64 {
            return Err(ApiError::validation(vec![FieldError::new("offset", "out_of_range", "is too large")]));
        }
        Ok(PageRequest { offset, limit })
    }
}
