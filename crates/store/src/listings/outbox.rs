//! The search outbox: the entries every listing write adds in its transaction, which each
//! node's indexer applies in id order, and the positions nodes report so that applied entries
//! can be pruned.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use techmatch_domain::listing::ListingKind;

use crate::entity::{search_index_node, search_outbox};
use crate::{Store, StoreError};

/// A change the search index has to apply: re-read this listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: ListingKind,
    pub entity_id: i64,
}

/// Appends an outbox row inside the caller's write transaction.
///
/// The indexer reads the outbox in id order and remembers the highest id applied, so ids must
/// become visible in the order they were handed out. SQLite has one writer, so they do; on
/// PostgreSQL a transaction-scoped advisory lock, held from here to commit, makes them so
/// (each node's listing writes already come one group at a time from its writer thread, so
/// the lock only orders the nodes among themselves).
pub(super) async fn append_outbox(
    transaction: &DatabaseTransaction,
    kind: ListingKind,
    entity_id: i64,
) -> Result<i64, sea_orm::DbErr> {
    if transaction.get_database_backend() == sea_orm::DbBackend::Postgres {
        // One round trip for the lock and the row: the lock is held until COMMIT, so every
        // round trip inside it adds to how long other nodes' writers queue behind it. The
        // lock is taken in a materialised CTE, evaluated before the insert draws its id.
        let row = transaction
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "WITH serialised AS MATERIALIZED (SELECT pg_advisory_xact_lock(7240118232)) \
                 INSERT INTO search_outbox (kind, entity_id, created_at) \
                 SELECT $1, $2, $3 FROM serialised RETURNING id",
                [kind.as_str().into(), entity_id.into(), Utc::now().into()],
            ))
            .await?
            .ok_or_else(|| sea_orm::DbErr::RecordNotInserted)?;
        return row.try_get::<i64>("", "id");
    }
    let entry = search_outbox::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        entity_id: Set(entity_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(transaction)
    .await?;
    Ok(entry.id)
}

impl Store {
    /// Outbox entries after `after_id`, oldest first.
    pub async fn outbox_after(&self, after_id: i64, limit: u64) -> Result<Vec<OutboxEntry>, StoreError> {
        let models = search_outbox::Entity::find()
            .filter(search_outbox::Column::Id.gt(after_id))
            .order_by_asc(search_outbox::Column::Id)
            .limit(limit)
            .all(&self.reader)
            .await?;
        models
            .into_iter()
            .map(|model| {
                let kind = ListingKind::parse("kind", &model.kind)
                    .map_err(|_| StoreError::Corrupt(format!("outbox row {} has kind {:?}", model.id, model.kind)))?;
                Ok(OutboxEntry { id: model.id, kind, entity_id: model.entity_id })
            })
            .collect()
    }

    /// How many outbox entries lie after `after_id`, and when the oldest of them was written:
    /// a node's indexing backlog.
    pub async fn outbox_backlog(&self, after_id: i64) -> Result<(u64, Option<chrono::DateTime<Utc>>), StoreError> {
        let pending = search_outbox::Entity::find().filter(search_outbox::Column::Id.gt(after_id));
        let count = pending.clone().count(&self.reader).await?;
        let oldest = pending.order_by_asc(search_outbox::Column::Id).one(&self.reader).await?.map(|row| row.created_at);
        Ok((count, oldest))
    }

    /// Records how far `node`'s index has applied the outbox.
    pub async fn record_index_position(
        &self,
        node: &str,
        position: i64,
        now: chrono::DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let row = search_index_node::ActiveModel {
            node: Set(node.to_owned()),
            position: Set(position),
            updated_at: Set(now),
        };
        search_index_node::Entity::insert(row)
            .on_conflict(
                sea_orm::sea_query::OnConflict::column(search_index_node::Column::Node)
                    .update_columns([search_index_node::Column::Position, search_index_node::Column::UpdatedAt])
                    .to_owned(),
            )
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// Deletes the outbox entries that every node heard from since `live_since` has applied,
    /// always keeping the newest entry (positions carry on from it). Nothing is deleted while
    /// no node has reported. Returns how many entries went.
    pub async fn prune_outbox(&self, live_since: chrono::DateTime<Utc>) -> Result<u64, StoreError> {
        let live = search_index_node::Entity::find()
            .filter(search_index_node::Column::UpdatedAt.gte(live_since))
            .all(&self.reader)
            .await?;
        let Some(lowest) = live.iter().map(|node| node.position).min() else { return Ok(0) };
        let bound = Ord::min(lowest, self.latest_outbox_id().await?);
        let deleted =
            search_outbox::Entity::delete_many().filter(search_outbox::Column::Id.lt(bound)).exec(&self.writer).await?;
        Ok(deleted.rows_affected)
    }

    /// The oldest outbox position still stored (0 when empty).
    pub async fn oldest_outbox_id(&self) -> Result<i64, StoreError> {
        let oldest = search_outbox::Entity::find()
            .order_by_asc(search_outbox::Column::Id)
            .one(&self.reader)
            .await?
            .map_or(0, |model| model.id);
        Ok(oldest)
    }

    /// The newest outbox position (0 when empty).
    pub async fn latest_outbox_id(&self) -> Result<i64, StoreError> {
        let latest = search_outbox::Entity::find()
            .order_by_desc(search_outbox::Column::Id)
            .one(&self.reader)
            .await?
            .map_or(0, |model| model.id);
        Ok(latest)
    }
}
