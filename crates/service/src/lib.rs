//! Use cases of techmatch. The HTTP layer and the CLI call these; they call `domain` for rules
//! and `store` for persistence, and know nothing of HTTP.

mod accounts;
mod error;
mod password;
mod settings;
mod system;
mod throttle;
mod token;

pub use accounts::{
    AccountService, CreatedAccount, IssuedToken, NewUserByAdmin, OrganizationChoice, Registration, UserUpdate,
};
pub use error::ServiceError;
pub use password::PasswordHasher;
pub use settings::{AuthSettings, JwtSecret, LoginLimits, PasswordHashSettings, SHIPPED_DEVELOPMENT_SECRET};
pub use system::{Services, SystemService};
pub use throttle::LoginThrottle;
pub use token::{TokenClaims, TokenIssuer};

/// A page of a list as asked for by a client, already bounded.
pub use techmatch_store::{Page, PageRequest};
