//! Messages in an interest's or a deal's thread: written and read by those who see it (its
//! parties, the introducer, staff); everyone else in the thread is notified.

use std::collections::BTreeSet;
use techmatch_domain::event::NoticeText;

use chrono::{DateTime, Utc};
use techmatch_domain::deal::{Message, MessageText, Thread, can_see_deal};
use techmatch_domain::{Actor, UserId};
use techmatch_store::NewNotification;
use tracing::info;

use super::DealService;
use crate::error::ServiceError;

/// A message with its author's name.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageView {
    pub message: Message,
    pub author_name: String,
}

impl DealService {
    /// The people of a thread `actor` may see: those told of a new message.
    async fn thread_people(&self, actor: &Actor, thread: Thread) -> Result<BTreeSet<UserId>, ServiceError> {
        let mut people = BTreeSet::new();
        let interest_id = match thread {
            Thread::Interest(id) => Some(id),
            Thread::Deal(id) => {
                let deal = match self.store.deal(id).await? {
                    Some(deal) if can_see_deal(actor, &deal) => deal,
                    _ => return Err(ServiceError::NotFound("deal")),
                };
                people.extend(deal.introducer);
                deal.interest_id
            }
        };
        if let Some(id) = interest_id {
            let interest = match (thread, self.store.interest(id).await?) {
                (Thread::Interest(_), Some(interest)) if techmatch_domain::deal::can_see_interest(actor, &interest) => {
                    interest
                }
                (Thread::Deal(_), Some(interest)) => interest,
                _ => return Err(ServiceError::NotFound("interest")),
            };
            people.insert(interest.sender);
            people.insert(interest.answered_by.unwrap_or(interest.recipient));
        }
        Ok(people)
    }

    pub async fn post_message(
        &self,
        actor: &Actor,
        thread: Thread,
        body: MessageText,
        now: DateTime<Utc>,
    ) -> Result<MessageView, ServiceError> {
        let people = self.thread_people(actor, thread).await?;
        let notices: Vec<NewNotification> = people
            .into_iter()
            .filter(|person| *person != actor.user_id)
            .map(|person| NewNotification {
                user_id: person,
                kind: "message_received",
                message: NoticeText::new(
                    "您在合作意向或项目中收到一条新留言",
                    "A new message in one of your interests or deals.",
                ),
            })
            .collect();
        let message = self.store.post_message(thread, actor.user_id, &body, now, &notices).await?;
        info!(message_id = %message.id, user_id = %actor.user_id, "message posted");
        let author_name = self.author_name(actor.user_id).await?;
        Ok(MessageView { message, author_name })
    }

    pub async fn messages(&self, actor: &Actor, thread: Thread) -> Result<Vec<MessageView>, ServiceError> {
        self.thread_people(actor, thread).await?;
        let messages = self.store.messages(thread).await?;
        let mut names: std::collections::HashMap<UserId, String> = std::collections::HashMap::new();
        let mut views = Vec::with_capacity(messages.len());
        for message in messages {
            let author_name = match names.get(&message.author) {
                Some(name) => name.clone(),
                None => {
                    let name = self.author_name(message.author).await?;
                    names.insert(message.author, name.clone());
                    name
                }
            };
            views.push(MessageView { message, author_name });
        }
        Ok(views)
    }

    async fn author_name(&self, user: UserId) -> Result<String, ServiceError> {
        Ok(self
            .store
            .find_account(user)
            .await?
            .map(|account| account.display_name.as_str().to_owned())
            .unwrap_or_default())
    }
}
