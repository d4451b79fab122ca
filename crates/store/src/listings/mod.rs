//! Research results, technology needs, challenge applications and the search outbox.
//!
//! The two listing tables share their plumbing: [`ListingTable`] says what differs (the
//! columns of the content, how a row becomes a listing), and the writes and reads here are
//! written once over it — every write of a listing with its outbox row in the same transaction,
//! every versioned update refused when stale. `results.rs` and `needs.rs` hold what is each
//! kind's own: its columns and its list filters.

mod applications;
mod needs;
mod outbox;
mod results;

pub use needs::{NeedQuery, NewTechNeed};
pub use outbox::OutboxEntry;
pub use results::{NewResearchResult, ResultQuery};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{IpItem, IpType, ListingKind, TransferMode};
use techmatch_domain::{ContactPerson, DisplayName, EmailAddress, OrganizationId, PhoneNumber, RegionCode, UserId};

use crate::{Page, PageRequest, Store, StoreError};
use outbox::append_outbox;

/// A listing to store: its content and status, who posts it, and (for imports) the id it has
/// in the file it came from.
#[derive(Debug, Clone)]
pub struct NewListing<Content, Status> {
    pub owner_user_id: UserId,
    pub organization_id: OrganizationId,
    pub content: Content,
    pub status: Status,
    pub external_id: Option<String>,
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

/// What differs between the two listing tables; everything else is written once, below.
pub(crate) trait ListingTable: 'static {
    type Entity: EntityTrait<Model = Self::Model, ActiveModel = Self::ActiveModel, Column = Self::Column>;
    type Model: IntoActiveModel<Self::ActiveModel> + sea_orm::FromQueryResult + Send + Sync;
    type ActiveModel: ActiveModelTrait<Entity = Self::Entity> + ActiveModelBehavior + Clone + Send + Sync;
    type Column: ColumnTrait;
    type Content: Clone + Send + Sync + 'static;
    type Status: Copy + Send + Sync + 'static;
    type Listing;

    const KIND: ListingKind;
    const ID: Self::Column;
    const VERSION: Self::Column;
    const EXTERNAL_ID: Self::Column;
    const OWNER_USER_ID: Self::Column;
    const ORGANIZATION_ID: Self::Column;
    const CREATED_AT: Self::Column;
    const UPDATED_AT: Self::Column;

    /// The content columns (everything the owner writes, plus derived language, status and the
    /// update time), set once for inserts, updates and imports alike.
    fn columns(content: &Self::Content, status: Self::Status) -> Result<Self::ActiveModel, StoreError>;

    fn listing(model: Self::Model) -> Result<Self::Listing, StoreError>;

    /// The stored row's id, version and creation time.
    fn identity(model: &Self::Model) -> (i64, i64, DateTime<Utc>);
}

/// A new row of table `T`: its content columns plus owner, external id, version 1 and its
/// creation time (the same instant as its update time).
fn new_row<T: ListingTable>(new: &NewListing<T::Content, T::Status>) -> Result<T::ActiveModel, StoreError> {
    let mut model = T::columns(&new.content, new.status)?;
    model.set(T::OWNER_USER_ID, new.owner_user_id.0.into());
    model.set(T::ORGANIZATION_ID, new.organization_id.0.into());
    model.set(T::EXTERNAL_ID, new.external_id.clone().into());
    model.set(T::VERSION, 1i64.into());
    if let Some(updated_at) = model.get(T::UPDATED_AT).into_value() {
        model.set(T::CREATED_AT, updated_at);
    }
    Ok(model)
}

impl Store {
    pub(crate) async fn create_listing<T: ListingTable>(
        &self,
        new: NewListing<T::Content, T::Status>,
    ) -> Result<Written<T::Listing>, StoreError> {
        let row = new_row::<T>(&new)?;
        let (model, outbox_id) = self
            .write(move |transaction| {
                let row = row.clone();
                Box::pin(async move {
                    let model = row.insert(transaction).await?;
                    let outbox_id = append_outbox(transaction, T::KIND, T::identity(&model).0).await?;
                    Ok::<_, StoreError>((model, outbox_id))
                })
            })
            .await?;
        Ok(Written { value: T::listing(model)?, outbox_id })
    }

    /// Replaces a listing's content and status if it is still at `expected_version`.
    pub(crate) async fn update_listing<T: ListingTable>(
        &self,
        id: i64,
        expected_version: i64,
        content: &T::Content,
        status: T::Status,
    ) -> Result<Written<T::Listing>, UpdateError> {
        let columns = T::columns(content, status)?;
        let (model, outbox_id) = self
            .write(move |transaction| {
                let columns = columns.clone();
                Box::pin(async move {
                    let outcome = T::Entity::update_many()
                        .set(columns)
                        .col_expr(T::VERSION, Expr::col(T::VERSION).add(1))
                        .filter(T::ID.eq(id))
                        .filter(T::VERSION.eq(expected_version))
                        .exec(transaction)
                        .await?;
                    let current = T::Entity::find().filter(T::ID.eq(id)).one(transaction).await?;
                    if outcome.rows_affected == 0 {
                        return Err(match current {
                            Some(model) => UpdateError::VersionConflict { current: T::identity(&model).1 },
                            None => UpdateError::NotFound,
                        });
                    }
                    let outbox_id = append_outbox(transaction, T::KIND, id).await?;
                    Ok((current.ok_or(UpdateError::NotFound)?, outbox_id))
                })
            })
            .await?;
        Ok(Written { value: T::listing(model)?, outbox_id })
    }

    /// Imports listings: each one replaces the stored listing with the same `external_id`, or
    /// is inserted. Runs in one transaction per call; the caller keeps batches small and, if a
    /// batch fails, retries its rows one at a time to find the one at fault.
    pub(crate) async fn upsert_listings<T: ListingTable>(
        &self,
        batch: &[NewListing<T::Content, T::Status>],
    ) -> Result<Vec<Upserted>, StoreError> {
        let transaction = self.begin_write().await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for new in batch {
            let existing = match &new.external_id {
                Some(external_id) => {
                    T::Entity::find().filter(T::EXTERNAL_ID.eq(external_id.as_str())).one(&transaction).await?
                }
                None => None,
            };
            let mut model = new_row::<T>(new)?;
            let (id, created) = match existing.as_ref().map(T::identity) {
                Some((id, version, created_at)) => {
                    // The next version of the row an earlier import of this id stored.
                    model.set(T::ID, id.into());
                    model.set(T::VERSION, (version + 1).into());
                    model.set(T::CREATED_AT, created_at.into());
                    (T::identity(&model.update(&transaction).await?).0, false)
                }
                None => (T::identity(&model.insert(&transaction).await?).0, true),
            };
            let outbox_id = append_outbox(&transaction, T::KIND, id).await?;
            outcomes.push(Upserted { id, created, outbox_id });
        }
        transaction.commit().await?;
        Ok(outcomes)
    }

    pub(crate) async fn find_listing<T: ListingTable>(&self, id: i64) -> Result<Option<T::Listing>, StoreError> {
        T::Entity::find().filter(T::ID.eq(id)).one(&self.reader).await?.map(T::listing).transpose()
    }

    pub(crate) async fn find_listing_by_external_id<T: ListingTable>(
        &self,
        external_id: &str,
    ) -> Result<Option<T::Listing>, StoreError> {
        T::Entity::find().filter(T::EXTERNAL_ID.eq(external_id)).one(&self.reader).await?.map(T::listing).transpose()
    }

    /// One page of the listings that meet `condition`, the most recently updated first.
    pub(crate) async fn listing_page<T: ListingTable>(
        &self,
        condition: Condition,
        page: PageRequest,
    ) -> Result<Page<T::Listing>, StoreError> {
        let select = T::Entity::find().filter(condition);
        let total = select.clone().count(&self.reader).await?;
        let models = select
            .order_by_desc(T::UPDATED_AT)
            .order_by_desc(T::ID)
            .offset(page.offset)
            .limit(page.limit)
            .all(&self.reader)
            .await?;
        Ok(Page { items: models.into_iter().map(T::listing).collect::<Result<_, _>>()?, total })
    }

    /// Listings with ids above `after_id`, in id order, for rebuilding the index.
    pub(crate) async fn listings_after<T: ListingTable>(
        &self,
        after_id: i64,
        limit: u64,
    ) -> Result<Vec<T::Listing>, StoreError> {
        let models =
            T::Entity::find().filter(T::ID.gt(after_id)).order_by_asc(T::ID).limit(limit).all(&self.reader).await?;
        models.into_iter().map(T::listing).collect()
    }

    /// The listings with these ids that exist (in no particular order).
    pub(crate) async fn listings_by_ids<T: ListingTable>(&self, ids: &[i64]) -> Result<Vec<T::Listing>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            for model in T::Entity::find().filter(T::ID.is_in(chunk.iter().copied())).all(&self.reader).await? {
                found.push(T::listing(model)?);
            }
        }
        Ok(found)
    }

    pub(crate) async fn count_listings<T: ListingTable>(&self) -> Result<u64, StoreError> {
        Ok(T::Entity::find().count(&self.reader).await?)
    }
}

/// The list filters both kinds have: an organization, an owner, an industry, a region.
fn common_conditions<C: ColumnTrait>(
    mut condition: Condition,
    columns: [C; 4],
    organization_id: Option<OrganizationId>,
    owner_user_id: Option<UserId>,
    industry: Option<IndustryCode>,
    region_prefix: Option<&str>,
) -> Condition {
    let [organization_column, owner_column, industry_column, region_column] = columns;
    if let Some(organization_id) = organization_id {
        condition = condition.add(organization_column.eq(organization_id.0));
    }
    if let Some(owner) = owner_user_id {
        condition = condition.add(owner_column.eq(owner.0));
    }
    if let Some(industry) = industry {
        condition = condition.add(industry_column.contains(format!("\"{}\"", industry.as_str())));
    }
    if let Some(prefix) = region_prefix {
        // Province (2 digits) or prefecture (4) prefixes match every division inside.
        condition = condition.add(region_column.starts_with(prefix));
    }
    condition
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

/// A listing's own contact person, as stored in its `contact` column.
#[derive(Serialize, Deserialize)]
struct StoredContact {
    name: String,
    phone: Option<String>,
    email: Option<String>,
    public: bool,
}

fn contact_json(contact: Option<&ContactPerson>) -> Result<Option<String>, StoreError> {
    contact
        .map(|contact| {
            to_json(&StoredContact {
                name: contact.name.as_str().to_owned(),
                phone: contact.phone.as_ref().map(|phone| phone.as_str().to_owned()),
                email: contact.email.as_ref().map(|email| email.as_str().to_owned()),
                public: contact.public,
            })
        })
        .transpose()
}

fn parse_contact(stored: Option<&str>) -> Result<Option<ContactPerson>, StoreError> {
    let Some(text) = stored else { return Ok(None) };
    let stored: StoredContact = from_json(text, "contact")?;
    Ok(Some(ContactPerson {
        name: DisplayName::from_trusted(stored.name),
        phone: stored.phone.map(PhoneNumber::from_trusted),
        email: stored.email.map(EmailAddress::from_trusted),
        public: stored.public,
    }))
}

fn parse_region(raw: Option<String>) -> Option<RegionCode> {
    raw.map(RegionCode::from_trusted)
}

fn ip_items_json(items: &[IpItem]) -> Result<String, StoreError> {
    let stored: Vec<StoredIpItem> = items
        .iter()
        .map(|item| StoredIpItem { kind: item.kind.as_str().to_owned(), number: item.number.clone() })
        .collect();
    to_json(&stored)
}

fn parse_ip_items(text: &str, id: i64) -> Result<Vec<IpItem>, StoreError> {
    let stored: Vec<StoredIpItem> = from_json(text, "ip_items")?;
    stored
        .into_iter()
        .map(|item| {
            IpType::parse("ip_items", &item.kind)
                .map(|kind| IpItem { kind, number: item.number })
                .map_err(corrupt("ip item", id))
        })
        .collect()
}
