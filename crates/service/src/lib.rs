//! Use cases of techmatch. The HTTP layer and the CLI call these; they call `domain` for rules
//! and `store` for persistence, and know nothing of HTTP.

mod accounts;
pub mod deals;
mod error;
pub mod events;
mod form_token;
pub mod import;
mod listing_cache;
mod listings;
pub mod mail;
pub mod matching;
mod notice_subjects;
mod password;
pub mod search;
mod settings;
mod system;
mod throttle;
mod token;
mod verified_accounts;

pub use accounts::{
    AccountService, CreatedAccount, IssuedToken, NewUserByAdmin, OrganizationChoice, Registration, UserUpdate,
    generate_password,
};
pub use error::{ConflictCode, ServiceError};
pub use form_token::FormTokens;
pub use listings::{ListingFilters, ListingService, NeedChanges, NeedDraft, ResultChanges, ResultDraft, today};
pub use password::PasswordHasher;
pub use search::{ReadYourWrites, SearchService, SearchSettings};
pub use settings::{AuthSettings, JwtSecret, LoginLimits, PasswordHashSettings, SHIPPED_DEVELOPMENT_SECRET};
pub use system::{IndexStatus, Services, SystemService};
/// Search requests and answers, as the edge needs them (no tantivy types inside).
pub use techmatch_search::{SearchFilters, SearchHit, SearchRequest, SearchResults};
pub use throttle::LoginThrottle;
pub use token::{TokenClaims, TokenIssuer};

/// A page of a list as asked for by a client, already bounded.
pub use techmatch_store::{Page, PageRequest};
