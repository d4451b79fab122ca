//! One module per area; each handler is a free `async fn` that extracts, converts to domain
//! types, calls one service method and converts the answer to a DTO.

pub mod admin;
pub mod auth;
pub mod deals;
pub mod events;
pub mod export;
pub mod me;
pub mod needs;
pub mod results;
pub mod search;
pub mod suggestions;
pub mod system;
