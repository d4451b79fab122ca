//! Research results, technology needs, challenge applications and the search outbox.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{
    ApplicationId, ApplicationStatus, Challenge, ChallengeApplication, IpItem, IpType, Keywords, Language, ListingKind,
    LongText, Maturity, MoneyRange, NeedContent, NeedId, NeedStatus, ResearchResult, ResultContent, ResultId,
    ResultStatus, TechNeed, Title, TransferMode,
};
use techmatch_domain::{OrganizationId, RegionCode, UserId, Viewer};

use crate::entity::{challenge_application, research_result, search_index_node, search_outbox, tech_need};
use crate::{Page, PageRequest, Store, StoreError};

#[derive(Debug, Clone)]
pub struct NewResearchResult {
    pub owner_user_id: UserId,
    pub organization_id: OrganizationId,
    pub content: ResultContent,
    pub status: ResultStatus,
    pub external_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewTechNeed {
    pub owner_user_id: UserId,
    pub organization_id: OrganizationId,
    pub content: NeedContent,
    pub status: NeedStatus,
    pub external_id: Option<String>,
}

/// A change the search index has to apply: re-read this listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: ListingKind,
    pub entity_id: i64,
}

/// What an import did with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upserted {
    pub id: i64,
    /// Inserted (true) or replaced an earlier import of the same external id (false).
    pub created: bool,
    pub outbox_id: i64,
}

/// A write's result and the outbox position that makes it searchable.
#[derive(Debug, Clone)]
pub struct Written<T> {
    pub value: T,
    pub outbox_id: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("not found")]
    NotFound,
    #[error("version conflict: the stored version is {current}")]
    VersionConflict { current: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for UpdateError {
    fn from(error: sea_orm::DbErr) -> Self {
        UpdateError::Store(error.into())
    }
}

#[derive(Debug, Clone)]
pub struct ResultQuery {
    pub viewer: Viewer,
    /// `None`: everything but archived.
    pub status: Option<ResultStatus>,
    pub organization_id: Option<OrganizationId>,
    pub owner_user_id: Option<UserId>,
    pub industry: Option<IndustryCode>,
    pub maturity: Option<Maturity>,
    /// Two, four or six digits of a GB/T 2260 code.
    pub region_prefix: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NeedQuery {
    pub viewer: Viewer,
    /// `None`: everything but archived.
    pub status: Option<NeedStatus>,
    pub organization_id: Option<OrganizationId>,
    pub owner_user_id: Option<UserId>,
    pub industry: Option<IndustryCode>,
    pub region_prefix: Option<String>,
    pub challenges_only: bool,
}

#[derive(Serialize, Deserialize)]
struct StoredIpItem {
    #[serde(rename = "type")]
    kind: String,
    number: Option<String>,
}

fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Corrupt(format!("cannot encode json: {error}")))
}

fn from_json<T: for<'de> Deserialize<'de>>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("{what}: {error}")))
}

fn corrupt(what: &str, id: i64) -> impl FnOnce(techmatch_domain::FieldError) -> StoreError + '_ {
    move |error| StoreError::Corrupt(format!("{what} of row {id}: {}", error.message))
}

fn codes_json(codes: &[IndustryCode]) -> Result<String, StoreError> {
    to_json(&codes.iter().map(|code| code.as_str()).collect::<Vec<_>>())
}

fn modes_json(modes: &[TransferMode]) -> Result<String, StoreError> {
    to_json(&modes.iter().map(|mode| mode.as_str()).collect::<Vec<_>>())
}

fn parse_codes(text: &str, id: i64) -> Result<Vec<IndustryCode>, StoreError> {
    let raw: Vec<String> = from_json(text, "industry_codes")?;
    raw.iter().map(|code| IndustryCode::parse("industry_codes", code).map_err(corrupt("industry code", id))).collect()
}

fn parse_modes(text: &str, id: i64) -> Result<Vec<TransferMode>, StoreError> {
    let raw: Vec<String> = from_json(text, "modes")?;
    raw.iter().map(|mode| TransferMode::parse("modes", mode).map_err(corrupt("transfer mode", id))).collect()
}

fn parse_region(raw: Option<String>) -> Option<RegionCode> {
    raw.map(RegionCode::from_trusted)
}

/// Appends an outbox row inside the caller's write transaction.
///
/// The indexer reads the outbox in id order and remembers the highest id applied, so ids must
/// become visible in the order they were handed out. SQLite has one writer, so they do; on
/// PostgreSQL a transaction-scoped advisory lock, held from here to commit, makes them so
/// (each node's listing writes already come one group at a time from its writer thread, so
/// the lock only orders the nodes among themselves).
async fn append_outbox(
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

fn region_condition<C: ColumnTrait>(column: C, prefix: &str) -> Condition {
    // Province (2 digits) or prefecture (4) prefixes match every division inside.
    Condition::all().add(column.starts_with(prefix))
}

impl Store {
    pub async fn create_result(&self, new: NewResearchResult) -> Result<Written<ResearchResult>, StoreError> {
        let row = new_result_row(&new)?;
        let (model, outbox_id) = self
            .write(move |transaction| {
                let row = row.clone();
                Box::pin(async move {
                    let model = row.insert(transaction).await?;
                    let outbox_id = append_outbox(transaction, ListingKind::Result, model.id).await?;
                    Ok::<_, StoreError>((model, outbox_id))
                })
            })
            .await?;
        Ok(Written { value: result_from_model(model)?, outbox_id })
    }

    /// Replaces a result's content and status if it is still at `expected_version`.
    pub async fn update_result(
        &self,
        id: ResultId,
        expected_version: i64,
        content: &ResultContent,
        status: ResultStatus,
    ) -> Result<Written<ResearchResult>, UpdateError> {
        use research_result::Column;
        let columns = result_columns(content, status)?;
        let (model, outbox_id) = self
            .write(move |transaction| {
                let columns = columns.clone();
                Box::pin(async move {
                    let outcome = research_result::Entity::update_many()
                        .set(columns)
                        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
                        .filter(Column::Id.eq(id.0))
                        .filter(Column::Version.eq(expected_version))
                        .exec(transaction)
                        .await?;
                    if outcome.rows_affected == 0 {
                        let current = research_result::Entity::find_by_id(id.0).one(transaction).await?;
                        return Err(match current {
                            Some(model) => UpdateError::VersionConflict { current: model.version },
                            None => UpdateError::NotFound,
                        });
                    }
                    let outbox_id = append_outbox(transaction, ListingKind::Result, id.0).await?;
                    let model = research_result::Entity::find_by_id(id.0)
                        .one(transaction)
                        .await?
                        .ok_or(UpdateError::NotFound)?;
                    Ok((model, outbox_id))
                })
            })
            .await?;
        Ok(Written { value: result_from_model(model)?, outbox_id })
    }

    /// Imports results: each one replaces the stored result with the same `external_id`, or is
    /// inserted. Runs in one transaction per call; the caller keeps batches small and, if a
    /// batch fails, retries its rows one at a time to find the one at fault.
    pub async fn upsert_results(&self, batch: &[NewResearchResult]) -> Result<Vec<Upserted>, StoreError> {
        let transaction = self.begin_write().await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for new in batch {
            let existing = match &new.external_id {
                Some(external_id) => {
                    research_result::Entity::find()
                        .filter(research_result::Column::ExternalId.eq(external_id.as_str()))
                        .one(&transaction)
                        .await?
                }
                None => None,
            };
            let mut model = new_result_row(new)?;
            let (id, created) = match existing {
                Some(found) => {
                    model.id = Set(found.id);
                    model.version = Set(found.version + 1);
                    model.created_at = Set(found.created_at);
                    let updated = model.update(&transaction).await?;
                    (updated.id, false)
                }
                None => (model.insert(&transaction).await?.id, true),
            };
            let outbox_id = append_outbox(&transaction, ListingKind::Result, id).await?;
            outcomes.push(Upserted { id, created, outbox_id });
        }
        transaction.commit().await?;
        Ok(outcomes)
    }

    pub async fn find_result(&self, id: ResultId) -> Result<Option<ResearchResult>, StoreError> {
        research_result::Entity::find_by_id(id.0).one(&self.reader).await?.map(result_from_model).transpose()
    }

    pub async fn find_result_by_external_id(&self, external_id: &str) -> Result<Option<ResearchResult>, StoreError> {
        research_result::Entity::find()
            .filter(research_result::Column::ExternalId.eq(external_id))
            .one(&self.reader)
            .await?
            .map(result_from_model)
            .transpose()
    }

    pub async fn list_results(
        &self,
        query: &ResultQuery,
        page: PageRequest,
    ) -> Result<Page<ResearchResult>, StoreError> {
        use research_result::Column;
        let mut condition = Condition::all();
        condition = match query.status {
            Some(status) => condition.add(Column::Status.eq(status.as_str())),
            None => condition.add(Column::Status.ne(ResultStatus::Archived.as_str())),
        };
        condition = match query.viewer {
            Viewer::Staff { .. } => condition,
            Viewer::Anonymous | Viewer::Member { organization_id: None, .. } => {
                condition.add(Column::Status.eq(ResultStatus::Published.as_str()))
            }
            Viewer::Member { organization_id: Some(own), .. } => condition.add(
                Condition::any()
                    .add(Column::Status.eq(ResultStatus::Published.as_str()))
                    .add(Column::OrganizationId.eq(own.0)),
            ),
        };
        if let Some(organization_id) = query.organization_id {
            condition = condition.add(Column::OrganizationId.eq(organization_id.0));
        }
        if let Some(owner) = query.owner_user_id {
            condition = condition.add(Column::OwnerUserId.eq(owner.0));
        }
        if let Some(industry) = query.industry {
            condition = condition.add(Column::IndustryCodes.contains(format!("\"{}\"", industry.as_str())));
        }
        if let Some(maturity) = query.maturity {
            condition = condition.add(Column::Maturity.eq(maturity.as_str()));
        }
        if let Some(prefix) = &query.region_prefix {
            condition = condition.add(region_condition(Column::RegionCode, prefix));
        }
        let select = research_result::Entity::find().filter(condition);
        let total = select.clone().count(&self.reader).await?;
        let models = select
            .order_by_desc(Column::UpdatedAt)
            .order_by_desc(Column::Id)
            .offset(page.offset)
            .limit(page.limit)
            .all(&self.reader)
            .await?;
        Ok(Page { items: models.into_iter().map(result_from_model).collect::<Result<_, _>>()?, total })
    }

    /// Results with ids above `after_id`, in id order, for rebuilding the index.
    pub async fn results_after(&self, after_id: i64, limit: u64) -> Result<Vec<ResearchResult>, StoreError> {
        let models = research_result::Entity::find()
            .filter(research_result::Column::Id.gt(after_id))
            .order_by_asc(research_result::Column::Id)
            .limit(limit)
            .all(&self.reader)
            .await?;
        models.into_iter().map(result_from_model).collect()
    }

    /// The results with these ids that exist (in no particular order).
    pub async fn results_by_ids(&self, ids: &[i64]) -> Result<Vec<ResearchResult>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let models = research_result::Entity::find()
                .filter(research_result::Column::Id.is_in(chunk.iter().copied()))
                .all(&self.reader)
                .await?;
            for model in models {
                found.push(result_from_model(model)?);
            }
        }
        Ok(found)
    }

    pub async fn count_results(&self) -> Result<u64, StoreError> {
        Ok(research_result::Entity::find().count(&self.reader).await?)
    }

    pub async fn create_need(&self, new: NewTechNeed) -> Result<Written<TechNeed>, StoreError> {
        let row = new_need_row(&new)?;
        let (model, outbox_id) = self
            .write(move |transaction| {
                let row = row.clone();
                Box::pin(async move {
                    let model = row.insert(transaction).await?;
                    let outbox_id = append_outbox(transaction, ListingKind::Need, model.id).await?;
                    Ok::<_, StoreError>((model, outbox_id))
                })
            })
            .await?;
        Ok(Written { value: need_from_model(model)?, outbox_id })
    }

    pub async fn update_need(
        &self,
        id: NeedId,
        expected_version: i64,
        content: &NeedContent,
        status: NeedStatus,
    ) -> Result<Written<TechNeed>, UpdateError> {
        use tech_need::Column;
        let columns = need_columns(content, status)?;
        let (model, outbox_id) = self
            .write(move |transaction| {
                let columns = columns.clone();
                Box::pin(async move {
                    let outcome = tech_need::Entity::update_many()
                        .set(columns)
                        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
                        .filter(Column::Id.eq(id.0))
                        .filter(Column::Version.eq(expected_version))
                        .exec(transaction)
                        .await?;
                    if outcome.rows_affected == 0 {
                        let current = tech_need::Entity::find_by_id(id.0).one(transaction).await?;
                        return Err(match current {
                            Some(model) => UpdateError::VersionConflict { current: model.version },
                            None => UpdateError::NotFound,
                        });
                    }
                    let outbox_id = append_outbox(transaction, ListingKind::Need, id.0).await?;
                    let model =
                        tech_need::Entity::find_by_id(id.0).one(transaction).await?.ok_or(UpdateError::NotFound)?;
                    Ok((model, outbox_id))
                })
            })
            .await?;
        Ok(Written { value: need_from_model(model)?, outbox_id })
    }

    /// Imports needs, like [`Store::upsert_results`].
    pub async fn upsert_needs(&self, batch: &[NewTechNeed]) -> Result<Vec<Upserted>, StoreError> {
        let transaction = self.begin_write().await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for new in batch {
            let existing = match &new.external_id {
                Some(external_id) => {
                    tech_need::Entity::find()
                        .filter(tech_need::Column::ExternalId.eq(external_id.as_str()))
                        .one(&transaction)
                        .await?
                }
                None => None,
            };
            let mut model = new_need_row(new)?;
            let (id, created) = match existing {
                Some(found) => {
                    model.id = Set(found.id);
                    model.version = Set(found.version + 1);
                    model.created_at = Set(found.created_at);
                    (model.update(&transaction).await?.id, false)
                }
                None => (model.insert(&transaction).await?.id, true),
            };
            let outbox_id = append_outbox(&transaction, ListingKind::Need, id).await?;
            outcomes.push(Upserted { id, created, outbox_id });
        }
        transaction.commit().await?;
        Ok(outcomes)
    }

    pub async fn find_need(&self, id: NeedId) -> Result<Option<TechNeed>, StoreError> {
        tech_need::Entity::find_by_id(id.0).one(&self.reader).await?.map(need_from_model).transpose()
    }

    pub async fn find_need_by_external_id(&self, external_id: &str) -> Result<Option<TechNeed>, StoreError> {
        tech_need::Entity::find()
            .filter(tech_need::Column::ExternalId.eq(external_id))
            .one(&self.reader)
            .await?
            .map(need_from_model)
            .transpose()
    }

    pub async fn list_needs(&self, query: &NeedQuery, page: PageRequest) -> Result<Page<TechNeed>, StoreError> {
        use tech_need::Column;
        let mut condition = Condition::all();
        condition = match query.status {
            Some(status) => condition.add(Column::Status.eq(status.as_str())),
            None => condition.add(Column::Status.ne(NeedStatus::Archived.as_str())),
        };
        let public =
            Condition::all().add(Column::Confidential.eq(false)).add(Column::Status.ne(NeedStatus::Archived.as_str()));
        condition = match query.viewer {
            Viewer::Staff { .. } => condition,
            Viewer::Anonymous | Viewer::Member { organization_id: None, .. } => condition.add(public),
            Viewer::Member { organization_id: Some(own), .. } => {
                condition.add(Condition::any().add(public).add(Column::OrganizationId.eq(own.0)))
            }
        };
        if let Some(organization_id) = query.organization_id {
            condition = condition.add(Column::OrganizationId.eq(organization_id.0));
        }
        if let Some(owner) = query.owner_user_id {
            condition = condition.add(Column::OwnerUserId.eq(owner.0));
        }
        if let Some(industry) = query.industry {
            condition = condition.add(Column::IndustryCodes.contains(format!("\"{}\"", industry.as_str())));
        }
        if let Some(prefix) = &query.region_prefix {
            condition = condition.add(region_condition(Column::RegionCode, prefix));
        }
        if query.challenges_only {
            condition = condition.add(Column::ChallengeBounty.is_not_null());
        }
        let select = tech_need::Entity::find().filter(condition);
        let total = select.clone().count(&self.reader).await?;
        let models = select
            .order_by_desc(Column::UpdatedAt)
            .order_by_desc(Column::Id)
            .offset(page.offset)
            .limit(page.limit)
            .all(&self.reader)
            .await?;
        Ok(Page { items: models.into_iter().map(need_from_model).collect::<Result<_, _>>()?, total })
    }

    pub async fn needs_after(&self, after_id: i64, limit: u64) -> Result<Vec<TechNeed>, StoreError> {
        let models = tech_need::Entity::find()
            .filter(tech_need::Column::Id.gt(after_id))
            .order_by_asc(tech_need::Column::Id)
            .limit(limit)
            .all(&self.reader)
            .await?;
        models.into_iter().map(need_from_model).collect()
    }

    /// The needs with these ids that exist (in no particular order).
    pub async fn needs_by_ids(&self, ids: &[i64]) -> Result<Vec<TechNeed>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let models = tech_need::Entity::find()
                .filter(tech_need::Column::Id.is_in(chunk.iter().copied()))
                .all(&self.reader)
                .await?;
            for model in models {
                found.push(need_from_model(model)?);
            }
        }
        Ok(found)
    }

    pub async fn count_needs(&self) -> Result<u64, StoreError> {
        Ok(tech_need::Entity::find().count(&self.reader).await?)
    }

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

    /// Records an application; `None` when this applicant already applied to this need.
    pub async fn create_application(
        &self,
        need_id: NeedId,
        applicant: UserId,
        organization_id: Option<OrganizationId>,
        proposal: &LongText,
    ) -> Result<Option<ChallengeApplication>, StoreError> {
        let now = Utc::now();
        let transaction = self.begin_write().await?;
        let existing = challenge_application::Entity::find()
            .filter(challenge_application::Column::NeedId.eq(need_id.0))
            .filter(challenge_application::Column::ApplicantUserId.eq(applicant.0))
            .count(&transaction)
            .await?;
        if existing > 0 {
            return Ok(None);
        }
        let model = challenge_application::ActiveModel {
            need_id: Set(need_id.0),
            applicant_user_id: Set(applicant.0),
            organization_id: Set(organization_id.map(|id| id.0)),
            proposal: Set(proposal.as_str().to_owned()),
            status: Set(ApplicationStatus::Submitted.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&transaction)
        .await;
        let model = match model {
            Ok(model) => model,
            Err(error) => {
                return match StoreError::from(error) {
                    StoreError::UniqueViolation(_) => Ok(None),
                    other => Err(other),
                };
            }
        };
        transaction.commit().await?;
        Ok(Some(application_from_model(model)?))
    }

    pub async fn list_applications(&self, need_id: NeedId) -> Result<Vec<ChallengeApplication>, StoreError> {
        let models = challenge_application::Entity::find()
            .filter(challenge_application::Column::NeedId.eq(need_id.0))
            .order_by_asc(challenge_application::Column::Id)
            .all(&self.reader)
            .await?;
        models.into_iter().map(application_from_model).collect()
    }

    /// Marks one application shortlisted and returns any other shortlisted one to submitted:
    /// a challenge has at most one shortlisted team.
    pub async fn shortlist_application(
        &self,
        need_id: NeedId,
        application_id: ApplicationId,
    ) -> Result<Option<ChallengeApplication>, StoreError> {
        use challenge_application::Column;
        let transaction = self.begin_write().await?;
        let now = Utc::now();
        let found = challenge_application::Entity::find_by_id(application_id.0)
            .filter(Column::NeedId.eq(need_id.0))
            .one(&transaction)
            .await?;
        if found.is_none() {
            return Ok(None);
        }
        challenge_application::Entity::update_many()
            .col_expr(Column::Status, Expr::value(ApplicationStatus::Submitted.as_str()))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::NeedId.eq(need_id.0))
            .filter(Column::Status.eq(ApplicationStatus::Shortlisted.as_str()))
            .exec(&transaction)
            .await?;
        challenge_application::Entity::update_many()
            .col_expr(Column::Status, Expr::value(ApplicationStatus::Shortlisted.as_str()))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(application_id.0))
            .exec(&transaction)
            .await?;
        let model = challenge_application::Entity::find_by_id(application_id.0).one(&transaction).await?;
        transaction.commit().await?;
        model.map(application_from_model).transpose()
    }
}

/// A result's content columns (everything its owner writes, plus derived language, status and
/// the update time), set once here for inserts, updates and imports alike.
fn result_columns(content: &ResultContent, status: ResultStatus) -> Result<research_result::ActiveModel, StoreError> {
    Ok(research_result::ActiveModel {
        title: Set(content.title.as_str().to_owned()),
        r#abstract: Set(content.abstract_text.as_str().to_owned()),
        keywords: Set(to_json(&content.keywords.as_slice())?),
        field: Set(content.field.clone()),
        industry_codes: Set(codes_json(&content.industry_codes)?),
        maturity: Set(content.maturity.as_str().to_owned()),
        ip_items: Set(ip_items_json(&content.ip_items)?),
        transfer_modes: Set(modes_json(&content.transfer_modes)?),
        price_min: Set(content.asking_price.min),
        price_max: Set(content.asking_price.max),
        institution: Set(content.institution.clone()),
        region_code: Set(content.region_code.as_ref().map(|code| code.as_str().to_owned())),
        language: Set(content.language().as_str().to_owned()),
        status: Set(status.as_str().to_owned()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
}

/// A new result's row: its content plus owner, version 1 and creation time.
fn new_result_row(new: &NewResearchResult) -> Result<research_result::ActiveModel, StoreError> {
    let mut model = result_columns(&new.content, new.status)?;
    model.owner_user_id = Set(new.owner_user_id.0);
    model.organization_id = Set(new.organization_id.0);
    model.external_id = Set(new.external_id.clone());
    model.version = Set(1);
    model.created_at = model.updated_at.clone();
    Ok(model)
}

/// A need's content columns, like [`result_columns`].
fn need_columns(content: &NeedContent, status: NeedStatus) -> Result<tech_need::ActiveModel, StoreError> {
    Ok(tech_need::ActiveModel {
        title: Set(content.title.as_str().to_owned()),
        description: Set(content.description.as_str().to_owned()),
        keywords: Set(to_json(&content.keywords.as_slice())?),
        industry_codes: Set(codes_json(&content.industry_codes)?),
        min_maturity: Set(content.min_maturity.map(|maturity| maturity.as_str().to_owned())),
        budget_min: Set(content.budget.min),
        budget_max: Set(content.budget.max),
        deadline: Set(content.deadline),
        region_code: Set(content.region_code.as_ref().map(|code| code.as_str().to_owned())),
        cooperation_modes: Set(modes_json(&content.cooperation_modes)?),
        confidential: Set(content.confidential),
        challenge_bounty: Set(content.challenge.map(|challenge| challenge.bounty_yuan)),
        challenge_deadline: Set(content.challenge.map(|challenge| challenge.deadline)),
        language: Set(content.language().as_str().to_owned()),
        status: Set(status.as_str().to_owned()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
}

fn new_need_row(new: &NewTechNeed) -> Result<tech_need::ActiveModel, StoreError> {
    let mut model = need_columns(&new.content, new.status)?;
    model.owner_user_id = Set(new.owner_user_id.0);
    model.organization_id = Set(new.organization_id.0);
    model.external_id = Set(new.external_id.clone());
    model.version = Set(1);
    model.created_at = model.updated_at.clone();
    Ok(model)
}

fn ip_items_json(items: &[IpItem]) -> Result<String, StoreError> {
    let stored: Vec<StoredIpItem> = items
        .iter()
        .map(|item| StoredIpItem { kind: item.kind.as_str().to_owned(), number: item.number.clone() })
        .collect();
    to_json(&stored)
}

fn result_from_model(model: research_result::Model) -> Result<ResearchResult, StoreError> {
    let id = model.id;
    let stored_ip: Vec<StoredIpItem> = from_json(&model.ip_items, "ip_items")?;
    let ip_items = stored_ip
        .into_iter()
        .map(|item| {
            IpType::parse("ip_items", &item.kind)
                .map(|kind| IpItem { kind, number: item.number })
                .map_err(corrupt("ip item", id))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let content = ResultContent {
        title: Title::from_trusted(model.title),
        abstract_text: LongText::from_trusted(model.r#abstract),
        keywords: Keywords::from_trusted(from_json(&model.keywords, "keywords")?),
        field: model.field,
        industry_codes: parse_codes(&model.industry_codes, id)?,
        maturity: Maturity::parse("maturity", &model.maturity).map_err(corrupt("maturity", id))?,
        ip_items,
        transfer_modes: parse_modes(&model.transfer_modes, id)?,
        asking_price: MoneyRange { min: model.price_min, max: model.price_max },
        institution: model.institution,
        region_code: parse_region(model.region_code),
    };
    Ok(ResearchResult {
        id: ResultId(id),
        owner_user_id: UserId(model.owner_user_id),
        organization_id: OrganizationId(model.organization_id),
        content,
        language: Language::parse("language", &model.language).map_err(corrupt("language", id))?,
        status: ResultStatus::parse("status", &model.status).map_err(corrupt("status", id))?,
        version: model.version,
        external_id: model.external_id,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

fn need_from_model(model: tech_need::Model) -> Result<TechNeed, StoreError> {
    let id = model.id;
    let challenge = match (model.challenge_bounty, model.challenge_deadline) {
        (Some(bounty_yuan), Some(deadline)) => Some(Challenge { bounty_yuan, deadline }),
        _ => None,
    };
    let min_maturity = model
        .min_maturity
        .as_deref()
        .map(|raw| Maturity::parse("min_maturity", raw).map_err(corrupt("min_maturity", id)))
        .transpose()?;
    let content = NeedContent {
        title: Title::from_trusted(model.title),
        description: LongText::from_trusted(model.description),
        keywords: Keywords::from_trusted(from_json(&model.keywords, "keywords")?),
        industry_codes: parse_codes(&model.industry_codes, id)?,
        min_maturity,
        budget: MoneyRange { min: model.budget_min, max: model.budget_max },
        deadline: model.deadline,
        region_code: parse_region(model.region_code),
        cooperation_modes: parse_modes(&model.cooperation_modes, id)?,
        confidential: model.confidential,
        challenge,
    };
    Ok(TechNeed {
        id: NeedId(id),
        owner_user_id: UserId(model.owner_user_id),
        organization_id: OrganizationId(model.organization_id),
        content,
        language: Language::parse("language", &model.language).map_err(corrupt("language", id))?,
        status: NeedStatus::parse("status", &model.status).map_err(corrupt("status", id))?,
        version: model.version,
        external_id: model.external_id,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

fn application_from_model(model: challenge_application::Model) -> Result<ChallengeApplication, StoreError> {
    let id = model.id;
    Ok(ChallengeApplication {
        id: ApplicationId(id),
        need_id: NeedId(model.need_id),
        applicant_user_id: UserId(model.applicant_user_id),
        organization_id: model.organization_id.map(OrganizationId),
        proposal: LongText::from_trusted(model.proposal),
        status: ApplicationStatus::parse("status", &model.status).map_err(corrupt("application status", id))?,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}
