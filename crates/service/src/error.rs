use std::time::Duration;

use techmatch_domain::{AccessDenied, ValidationErrors};
use techmatch_store::StoreError;

/// Every way a use case can fail, as the edge needs to tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error("e-mail address or password is wrong")]
    InvalidCredentials,
    #[error("the access token is missing, expired, revoked or invalid")]
    InvalidToken,
    #[error("authentication required")]
    Unauthenticated,
    #[error("not allowed for this account")]
    Forbidden,
    #[error("this account is deactivated")]
    AccountDisabled,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: ConflictCode, message: String },
    #[error("too many attempts; retry in {} s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// The service is at its bound for this kind of work (hashing passwords); retry soon.
    #[error("too busy; retry in {} s", retry_after.as_secs())]
    Busy { retry_after: Duration },
    #[error("the database is unavailable")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

/// What a refused request conflicts with in the state the use case found (409 at the HTTP
/// edge), under a stable snake_case name that clients, pages and their translations key on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConflictCode {
    // Accounts and organizations
    EmailTaken,
    OrganizationExists,
    CannotDeactivateSelf,
    OrganizationKindNotAllowed,
    OrganizationRequired,
    // Listings and open challenges
    VersionConflict,
    NotAChallenge,
    ChallengeClosed,
    AlreadyApplied,
    // Events, registrations and requests
    InvalidTransition,
    UseSchedule,
    StaleStatus,
    RegistrationClosed,
    EventFull,
    AlreadyRegistered,
    EventNotOpen,
    EventStarted,
    EventClosed,
    RequestExpired,
    RequestAnswered,
    AlreadyRequested,
    // The schedule and its meetings
    DeclinedPair,
    FollowUpRecorded,
    EventNotScheduled,
    ParticipantBusy,
    ParticipantUnavailable,
    ScheduleChanged,
    NotHeld,
    MeetingNotStarted,
    // Interests and deals
    ListingNotOpen,
    OwnListing,
    InterestOpen,
    InterestAnswered,
    InterestExpired,
    DealFinished,
    StageNotForward,
    IntroductionOpen,
    IntroductionAnswered,
}

impl ConflictCode {
    pub const ALL: [ConflictCode; 38] = [
        ConflictCode::EmailTaken,
        ConflictCode::OrganizationExists,
        ConflictCode::CannotDeactivateSelf,
        ConflictCode::OrganizationKindNotAllowed,
        ConflictCode::OrganizationRequired,
        ConflictCode::VersionConflict,
        ConflictCode::NotAChallenge,
        ConflictCode::ChallengeClosed,
        ConflictCode::AlreadyApplied,
        ConflictCode::InvalidTransition,
        ConflictCode::UseSchedule,
        ConflictCode::StaleStatus,
        ConflictCode::RegistrationClosed,
        ConflictCode::EventFull,
        ConflictCode::AlreadyRegistered,
        ConflictCode::EventNotOpen,
        ConflictCode::EventStarted,
        ConflictCode::EventClosed,
        ConflictCode::RequestExpired,
        ConflictCode::RequestAnswered,
        ConflictCode::AlreadyRequested,
        ConflictCode::DeclinedPair,
        ConflictCode::FollowUpRecorded,
        ConflictCode::EventNotScheduled,
        ConflictCode::ParticipantBusy,
        ConflictCode::ParticipantUnavailable,
        ConflictCode::ScheduleChanged,
        ConflictCode::NotHeld,
        ConflictCode::MeetingNotStarted,
        ConflictCode::ListingNotOpen,
        ConflictCode::OwnListing,
        ConflictCode::InterestOpen,
        ConflictCode::InterestAnswered,
        ConflictCode::InterestExpired,
        ConflictCode::DealFinished,
        ConflictCode::StageNotForward,
        ConflictCode::IntroductionOpen,
        ConflictCode::IntroductionAnswered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConflictCode::EmailTaken => "email_taken",
            ConflictCode::OrganizationExists => "organization_exists",
            ConflictCode::CannotDeactivateSelf => "cannot_deactivate_self",
            ConflictCode::OrganizationKindNotAllowed => "organization_kind_not_allowed",
            ConflictCode::OrganizationRequired => "organization_required",
            ConflictCode::VersionConflict => "version_conflict",
            ConflictCode::NotAChallenge => "not_a_challenge",
            ConflictCode::ChallengeClosed => "challenge_closed",
            ConflictCode::AlreadyApplied => "already_applied",
            ConflictCode::InvalidTransition => "invalid_transition",
            ConflictCode::UseSchedule => "use_schedule",
            ConflictCode::StaleStatus => "stale_status",
            ConflictCode::RegistrationClosed => "registration_closed",
            ConflictCode::EventFull => "event_full",
            ConflictCode::AlreadyRegistered => "already_registered",
            ConflictCode::EventNotOpen => "event_not_open",
            ConflictCode::EventStarted => "event_started",
            ConflictCode::EventClosed => "event_closed",
            ConflictCode::RequestExpired => "request_expired",
            ConflictCode::RequestAnswered => "request_answered",
            ConflictCode::AlreadyRequested => "already_requested",
            ConflictCode::DeclinedPair => "declined_pair",
            ConflictCode::FollowUpRecorded => "follow_up_recorded",
            ConflictCode::EventNotScheduled => "event_not_scheduled",
            ConflictCode::ParticipantBusy => "participant_busy",
            ConflictCode::ParticipantUnavailable => "participant_unavailable",
            ConflictCode::ScheduleChanged => "schedule_changed",
            ConflictCode::NotHeld => "not_held",
            ConflictCode::MeetingNotStarted => "meeting_not_started",
            ConflictCode::ListingNotOpen => "listing_not_open",
            ConflictCode::OwnListing => "own_listing",
            ConflictCode::InterestOpen => "interest_open",
            ConflictCode::InterestAnswered => "interest_answered",
            ConflictCode::InterestExpired => "interest_expired",
            ConflictCode::DealFinished => "deal_finished",
            ConflictCode::StageNotForward => "stage_not_forward",
            ConflictCode::IntroductionOpen => "introduction_open",
            ConflictCode::IntroductionAnswered => "introduction_answered",
        }
    }
}

impl std::fmt::Display for ConflictCode {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl From<AccessDenied> for ServiceError {
    fn from(denied: AccessDenied) -> Self {
        match denied {
            AccessDenied::Unauthenticated => ServiceError::Unauthenticated,
            AccessDenied::Forbidden => ServiceError::Forbidden,
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(message) => ServiceError::Unavailable(message),
            StoreError::NotFound => ServiceError::NotFound("record"),
            other => ServiceError::Internal(anyhow::Error::new(other).context("store operation failed")),
        }
    }
}

impl From<crate::password::HashError> for ServiceError {
    fn from(error: crate::password::HashError) -> Self {
        match error {
            crate::password::HashError::Busy { retry_after } => ServiceError::Busy { retry_after },
            crate::password::HashError::Failed(error) => ServiceError::Internal(error),
        }
    }
}
