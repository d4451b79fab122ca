//! The messages of an interest's or a deal's thread, each stored with its notices.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use techmatch_domain::UserId;
use techmatch_domain::deal::{DealId, InterestId, Message, MessageId, MessageText, Thread};

use crate::entity::{message, notification};
use crate::events::notifications::{NewNotification, notification_rows};
use crate::{Store, StoreError};

/// The most recent messages of a thread a read returns.
const THREAD_LIMIT: u64 = 200;

fn to_message(model: message::Model) -> Result<Message, StoreError> {
    let thread = match (model.interest_id, model.deal_id) {
        (Some(id), None) => Thread::Interest(InterestId(id)),
        (None, Some(id)) => Thread::Deal(DealId(id)),
        _ => return Err(StoreError::Corrupt(format!("message {} has no single thread", model.id))),
    };
    Ok(Message {
        id: MessageId(model.id),
        thread,
        author: UserId(model.author_user_id),
        body: model.body,
        created_at: model.created_at,
    })
}

fn thread_columns(thread: Thread) -> (Option<i64>, Option<i64>) {
    match thread {
        Thread::Interest(id) => (Some(id.0), None),
        Thread::Deal(id) => (None, Some(id.0)),
    }
}

impl Store {
    pub async fn post_message(
        &self,
        thread: Thread,
        author: UserId,
        body: &MessageText,
        at: DateTime<Utc>,
        notices: &[NewNotification],
    ) -> Result<Message, StoreError> {
        let (interest_id, deal_id) = thread_columns(thread);
        let transaction = self.begin_write().await?;
        let model = message::ActiveModel {
            interest_id: Set(interest_id),
            deal_id: Set(deal_id),
            author_user_id: Set(author.0),
            body: Set(body.as_str().to_owned()),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(&transaction)
        .await?;
        if !notices.is_empty() {
            notification::Entity::insert_many(notification_rows(notices, at)).exec(&transaction).await?;
        }
        transaction.commit().await?;
        to_message(model)
    }

    /// A thread's most recent messages, oldest first.
    pub async fn messages(&self, thread: Thread) -> Result<Vec<Message>, StoreError> {
        let query = match thread {
            Thread::Interest(id) => message::Entity::find().filter(message::Column::InterestId.eq(id.0)),
            Thread::Deal(id) => message::Entity::find().filter(message::Column::DealId.eq(id.0)),
        };
        let mut models = query.order_by_desc(message::Column::Id).limit(THREAD_LIMIT).all(&self.reader).await?;
        models.reverse();
        models.into_iter().map(to_message).collect()
    }
}
