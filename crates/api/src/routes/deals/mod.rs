//! What follows a match: expressions of interest (`interests`) and deals (`stages`), each use
//! case with its wire formats beside it.

mod export;
mod funnel;
mod interests;
mod introductions;
mod messages;
mod portfolio;
mod stages;
mod waiting;

pub(crate) use export::deals_file;
pub use export::export_deals;
pub use funnel::deal_funnel;
pub(crate) use funnel::funnel_workbook;
pub use interests::{answer_interest, express_interest, get_interest, list_interests};
pub use introductions::{answer_introduction, introduce, list_introductions};
pub use messages::{deal_messages, interest_messages, post_deal_message, post_interest_message};
pub use portfolio::my_portfolio;
pub use stages::{change_deal, get_deal, list_deals};
pub use waiting::waiting_on_me;
