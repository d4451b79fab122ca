//! sea-orm entities. They never leave this crate: queries convert them to domain types.

pub mod challenge_application;
pub mod deal;
pub mod deal_event;
pub mod deal_funnel_figure;
pub mod event;
pub mod event_participant;
pub mod event_presentation;
pub mod interest;
pub mod introduction;
pub mod login_event;
pub mod match_decision;
pub mod meeting;
pub mod meeting_request;
pub mod message;
pub mod notification;
pub mod organization;
pub mod pair_outcome;
pub mod research_result;
pub mod search_index_node;
pub mod search_outbox;
pub mod stored_match;
pub mod suggestion_review;
pub mod tech_need;
pub mod user;
