//! Organizations and user accounts.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use techmatch_domain::deal::CreditCode;
use techmatch_domain::{
    ContactPerson, DisplayName, EmailAddress, JoinCode, Language, Organization, OrganizationId, OrganizationKind,
    OrganizationName, OrganizationProfile, PhoneNumber, RegionCode, Role, UserAccount, UserId,
};

use crate::entity::{organization, user};
use crate::{Page, PageRequest, Store, StoreError};

/// An organization to create together with its first member.
#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub name: OrganizationName,
    pub kind: OrganizationKind,
    pub region_code: RegionCode,
    pub join_code: JoinCode,
}

/// Where a new account belongs.
#[derive(Debug, Clone)]
pub enum Membership {
    /// Found a new organization; the account is its first member.
    Create(NewOrganization),
    /// Join the organization that issued this code.
    Join(JoinCode),
    /// Join an organization chosen by an admin.
    Existing(OrganizationId),
    /// Staff accounts may belong to no organization.
    None,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: EmailAddress,
    pub password_hash: String,
    pub display_name: DisplayName,
    pub role: Role,
    pub membership: Membership,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("an account with this e-mail address exists")]
    EmailTaken,
    #[error("an organization with this name exists")]
    OrganizationNameTaken,
    #[error("no organization has this join code")]
    UnknownJoinCode,
    #[error("no such organization")]
    UnknownOrganization,
    /// The role may not belong to an organization of this kind.
    #[error("a {role} cannot belong to a {kind}")]
    KindMismatch { role: Role, kind: OrganizationKind },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for CreateAccountError {
    fn from(error: sea_orm::DbErr) -> Self {
        match StoreError::from(error) {
            StoreError::UniqueViolation(message) if message.contains("email") => CreateAccountError::EmailTaken,
            StoreError::UniqueViolation(message) if message.contains("name_key") => {
                CreateAccountError::OrganizationNameTaken
            }
            other => CreateAccountError::Store(other),
        }
    }
}

impl Store {
    /// Whether an account could be created as asked, without creating it: the checks
    /// [`Store::create_account`] makes, read now (a concurrent write may still change them), so
    /// that a doomed registration costs no password hash.
    pub async fn check_new_account(
        &self,
        email: &EmailAddress,
        membership: &Membership,
        role: Role,
    ) -> Result<(), CreateAccountError> {
        check_account(&self.reader, email, membership, role).await.map(|_| ())
    }

    /// Creates an account and, when asked, its organization, in one transaction.
    pub async fn create_account(
        &self,
        account: NewAccount,
    ) -> Result<(UserAccount, Option<Organization>), CreateAccountError> {
        let transaction = self.begin_write().await?;
        let existing = check_account(&transaction, &account.email, &account.membership, account.role).await?;
        let now = Utc::now();
        let organization = match account.membership {
            Membership::Create(new_organization) => {
                let model = organization::ActiveModel {
                    name: Set(new_organization.name.as_str().to_owned()),
                    name_key: Set(new_organization.name.unique_key()),
                    kind: Set(new_organization.kind.as_str().to_owned()),
                    region_code: Set(new_organization.region_code.as_str().to_owned()),
                    join_code: Set(new_organization.join_code.as_str().to_owned()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&transaction)
                .await?;
                let organization = organization_from_model(model)?;
                if !organization.kind.admits(account.role) {
                    return Err(CreateAccountError::KindMismatch { role: account.role, kind: organization.kind });
                }
                Some(organization)
            }
            Membership::None | Membership::Join(_) | Membership::Existing(_) => existing,
        };
        let model = user::ActiveModel {
            email: Set(account.email.as_str().to_owned()),
            password_hash: Set(account.password_hash),
            display_name: Set(account.display_name.as_str().to_owned()),
            role: Set(account.role.as_str().to_owned()),
            organization_id: Set(organization.as_ref().map(|organization| organization.id.0)),
            is_active: Set(true),
            token_version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            last_login_at: Set(None),
            ..Default::default()
        }
        .insert(&transaction)
        .await?;
        transaction.commit().await?;
        Ok((account_from_model(model)?, organization))
    }

    /// The account with this e-mail address and its password hash, for logging in.
    pub async fn find_credentials(&self, email: &EmailAddress) -> Result<Option<(UserAccount, String)>, StoreError> {
        let model = user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(&self.reader).await?;
        model
            .map(|model| {
                let hash = model.password_hash.clone();
                account_from_model(model).map(|account| (account, hash))
            })
            .transpose()
    }

    pub async fn find_account(&self, user_id: UserId) -> Result<Option<UserAccount>, StoreError> {
        user::Entity::find_by_id(user_id.0).one(&self.reader).await?.map(account_from_model).transpose()
    }

    /// The accounts with these ids (those that exist), in id order: names beside figures.
    pub async fn accounts_by_ids(&self, ids: &[UserId]) -> Result<Vec<UserAccount>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().map(|id| id.0)))
            .order_by_asc(user::Column::Id)
            .all(&self.reader)
            .await?
            .into_iter()
            .map(account_from_model)
            .collect()
    }

    pub async fn find_account_by_email(&self, email: &EmailAddress) -> Result<Option<UserAccount>, StoreError> {
        Ok(self.find_credentials(email).await?.map(|(account, _)| account))
    }

    /// Password hash of an account, for re-authentication before a password change.
    pub async fn password_hash(&self, user_id: UserId) -> Result<String, StoreError> {
        user::Entity::find_by_id(user_id.0)
            .one(&self.reader)
            .await?
            .map(|model| model.password_hash)
            .ok_or(StoreError::NotFound)
    }

    pub async fn update_display_name(
        &self,
        user_id: UserId,
        display_name: &DisplayName,
    ) -> Result<UserAccount, StoreError> {
        let result = user::Entity::update_many()
            .col_expr(user::Column::DisplayName, Expr::value(display_name.as_str()))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(user_id.0))
            .exec(&self.writer)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        self.find_account_for_write(user_id).await
    }

    /// Stores a new password hash and revokes every token issued before.
    pub async fn replace_password_hash(&self, user_id: UserId, password_hash: String) -> Result<(), StoreError> {
        let result = user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
            .col_expr(user::Column::TokenVersion, Expr::col(user::Column::TokenVersion).add(1))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(user_id.0))
            .exec(&self.writer)
            .await?;
        if result.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Revokes every token issued to the account so far.
    pub async fn bump_token_version(&self, user_id: UserId) -> Result<(), StoreError> {
        let result = user::Entity::update_many()
            .col_expr(user::Column::TokenVersion, Expr::col(user::Column::TokenVersion).add(1))
            .filter(user::Column::Id.eq(user_id.0))
            .exec(&self.writer)
            .await?;
        if result.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Activates or deactivates an account; deactivation also revokes its tokens.
    pub async fn set_account_active(&self, user_id: UserId, is_active: bool) -> Result<UserAccount, StoreError> {
        let mut update = user::Entity::update_many()
            .col_expr(user::Column::IsActive, Expr::value(is_active))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()));
        if !is_active {
            update = update.col_expr(user::Column::TokenVersion, Expr::col(user::Column::TokenVersion).add(1));
        }
        let result = update.filter(user::Column::Id.eq(user_id.0)).exec(&self.writer).await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        self.find_account_for_write(user_id).await
    }

    pub async fn record_login(&self, user_id: UserId) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::LastLoginAt, Expr::value(Some(Utc::now())))
            .filter(user::Column::Id.eq(user_id.0))
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn list_accounts(&self, page: PageRequest) -> Result<Page<UserAccount>, StoreError> {
        let total = user::Entity::find().count(&self.reader).await?;
        let models = user::Entity::find()
            .order_by_asc(user::Column::Id)
            .offset(page.offset)
            .limit(page.limit)
            .all(&self.reader)
            .await?;
        let items = models.into_iter().map(account_from_model).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, total })
    }

    /// The organization with this name (under its unique key), created when missing.
    pub async fn ensure_organization(&self, organization: NewOrganization) -> Result<Organization, StoreError> {
        let name_key = organization.name.unique_key();
        let transaction = self.begin_write().await?;
        if let Some(found) = organization::Entity::find()
            .filter(organization::Column::NameKey.eq(name_key.as_str()))
            .one(&transaction)
            .await?
        {
            return organization_from_model(found);
        }
        let now = Utc::now();
        let model = organization::ActiveModel {
            name: Set(organization.name.as_str().to_owned()),
            name_key: Set(name_key),
            kind: Set(organization.kind.as_str().to_owned()),
            region_code: Set(organization.region_code.as_str().to_owned()),
            join_code: Set(organization.join_code.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&transaction)
        .await?;
        transaction.commit().await?;
        organization_from_model(model)
    }

    pub async fn find_organization(&self, organization_id: OrganizationId) -> Result<Option<Organization>, StoreError> {
        organization::Entity::find_by_id(organization_id.0)
            .one(&self.reader)
            .await?
            .map(organization_from_model)
            .transpose()
    }

    /// The organizations with these ids (those that exist), in id order.
    pub async fn organizations_by_ids(&self, ids: &[OrganizationId]) -> Result<Vec<Organization>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        organization::Entity::find()
            .filter(organization::Column::Id.is_in(ids.iter().map(|id| id.0)))
            .order_by_asc(organization::Column::Id)
            .all(&self.reader)
            .await?
            .into_iter()
            .map(organization_from_model)
            .collect()
    }

    /// The organizations of these kinds, by name, at most `limit` of them.
    pub async fn organizations_of_kinds(
        &self,
        kinds: &[OrganizationKind],
        limit: u64,
    ) -> Result<Vec<Organization>, StoreError> {
        organization::Entity::find()
            .filter(organization::Column::Kind.is_in(kinds.iter().map(|kind| kind.as_str())))
            .order_by_asc(organization::Column::Name)
            .order_by_asc(organization::Column::Id)
            .limit(limit)
            .all(&self.reader)
            .await?
            .into_iter()
            .map(organization_from_model)
            .collect()
    }

    pub async fn list_organizations(&self, page: PageRequest) -> Result<Page<Organization>, StoreError> {
        let total = organization::Entity::find().count(&self.reader).await?;
        let models = organization::Entity::find()
            .order_by_asc(organization::Column::Id)
            .offset(page.offset)
            .limit(page.limit)
            .all(&self.reader)
            .await?;
        let items = models.into_iter().map(organization_from_model).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, total })
    }

    /// Reads back a row just written. On SQLite the read pool may lag the writer by nothing at
    /// all (WAL readers see every committed transaction), but reading through the writer keeps
    /// the answer exact on every backend without relying on that.
    async fn find_account_for_write(&self, user_id: UserId) -> Result<UserAccount, StoreError> {
        user::Entity::find_by_id(user_id.0)
            .one(&self.writer)
            .await?
            .map(account_from_model)
            .transpose()?
            .ok_or(StoreError::NotFound)
    }
}

fn account_from_model(model: user::Model) -> Result<UserAccount, StoreError> {
    let role = Role::parse(&model.role)
        .ok_or_else(|| StoreError::Corrupt(format!("user {} has unknown role {:?}", model.id, model.role)))?;
    Ok(UserAccount {
        id: UserId(model.id),
        email: EmailAddress::from_trusted(model.email),
        display_name: DisplayName::from_trusted(model.display_name),
        role,
        organization_id: model.organization_id.map(OrganizationId),
        language: Language::from_tag(&model.language).unwrap_or_default(),
        is_active: model.is_active,
        token_version: model.token_version,
        created_at: model.created_at,
        updated_at: model.updated_at,
        last_login_at: model.last_login_at,
    })
}

impl Store {
    /// Records the interface language an account chose.
    pub async fn set_account_language(&self, user: UserId, language: Language) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::Language, Expr::value(language.code()))
            .filter(user::Column::Id.eq(user.0))
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// Replaces an organization's contact and credit code.
    pub async fn update_organization_profile(
        &self,
        id: OrganizationId,
        profile: &OrganizationProfile,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Organization, StoreError> {
        let transaction = self.begin_write().await?;
        let found = organization::Entity::find_by_id(id.0).one(&transaction).await?.ok_or(StoreError::NotFound)?;
        let mut changed = found.into_active_model();
        let contact = profile.contact.as_ref();
        changed.contact_name = Set(contact.map(|contact| contact.name.as_str().to_owned()));
        changed.contact_phone =
            Set(contact.and_then(|contact| contact.phone.as_ref()).map(|phone| phone.as_str().to_owned()));
        changed.contact_email =
            Set(contact.and_then(|contact| contact.email.as_ref()).map(|email| email.as_str().to_owned()));
        changed.contact_public = Set(contact.is_some_and(|contact| contact.public));
        changed.credit_code = Set(profile.credit_code.as_ref().map(|code| code.as_str().to_owned()));
        changed.updated_at = Set(now);
        let model = changed.update(&transaction).await?;
        transaction.commit().await?;
        organization_from_model(model)
    }
}

fn organization_from_model(model: organization::Model) -> Result<Organization, StoreError> {
    let kind = OrganizationKind::parse("kind", &model.kind)
        .map_err(|_| StoreError::Corrupt(format!("organization {} has unknown kind {:?}", model.id, model.kind)))?;
    Ok(Organization {
        id: OrganizationId(model.id),
        name: OrganizationName::from_trusted(model.name),
        kind,
        region_code: RegionCode::from_trusted(model.region_code),
        join_code: JoinCode::from_trusted(model.join_code),
        contact: model.contact_name.map(|name| ContactPerson {
            name: DisplayName::from_trusted(name),
            phone: model.contact_phone.map(PhoneNumber::from_trusted),
            email: model.contact_email.map(EmailAddress::from_trusted),
            public: model.contact_public,
        }),
        credit_code: model.credit_code.map(CreditCode::from_trusted),
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// The checks of a new account through `connection`: its address is free, and the organization
/// it founds has a free name, or the one it joins exists and admits its role (returned).
async fn check_account<C: sea_orm::ConnectionTrait>(
    connection: &C,
    email: &EmailAddress,
    membership: &Membership,
    role: Role,
) -> Result<Option<Organization>, CreateAccountError> {
    let taken = user::Entity::find().filter(user::Column::Email.eq(email.as_str())).count(connection).await?;
    if taken > 0 {
        return Err(CreateAccountError::EmailTaken);
    }
    let found = match membership {
        Membership::None => return Ok(None),
        Membership::Create(new_organization) => {
            let exists = organization::Entity::find()
                .filter(organization::Column::NameKey.eq(new_organization.name.unique_key().as_str()))
                .count(connection)
                .await?;
            if exists > 0 {
                return Err(CreateAccountError::OrganizationNameTaken);
            }
            return Ok(None);
        }
        Membership::Join(join_code) => organization::Entity::find()
            .filter(organization::Column::JoinCode.eq(join_code.as_str()))
            .one(connection)
            .await?
            .ok_or(CreateAccountError::UnknownJoinCode)?,
        Membership::Existing(organization_id) => organization::Entity::find_by_id(organization_id.0)
            .one(connection)
            .await?
            .ok_or(CreateAccountError::UnknownOrganization)?,
    };
    let organization = organization_from_model(found)?;
    if !organization.kind.admits(role) {
        return Err(CreateAccountError::KindMismatch { role, kind: organization.kind });
    }
    Ok(Some(organization))
}
