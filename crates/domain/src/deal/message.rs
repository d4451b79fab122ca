//! Messages between the parties of an interest or a deal (and its introducer and staff).

use chrono::{DateTime, Utc};

use super::{DealId, InterestId};
use crate::account::UserId;
use crate::listing::id_type;
use crate::validation::{FieldError, clean_long_text};

use serde::{Deserialize, Serialize};
use std::fmt;

id_type!(MessageId);

/// Where a message is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Thread {
    Interest(InterestId),
    Deal(DealId),
}

/// A message's text: 1 to 5,000 characters, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub const MAX_CHARS: usize = 5_000;

    pub fn parse(field: &str, raw: &str) -> Result<MessageText, FieldError> {
        clean_long_text(field, raw, 1, Self::MAX_CHARS).map(MessageText)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: MessageId,
    pub thread: Thread,
    pub author: UserId,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_short_or_long_but_never_empty_or_invisible() {
        assert_eq!(MessageText::parse("body", " 好的 ").map(|text| text.0), Ok("好的".to_owned()));
        assert_eq!(MessageText::parse("body", "").map_err(|error| error.code), Err("required"));
        assert_eq!(MessageText::parse("body", "\u{200B}").map_err(|error| error.code), Err("no_visible_text"));
        assert_eq!(MessageText::parse("body", &"长".repeat(5_001)).map_err(|error| error.code), Err("too_long"));
    }
}
