//! Registration, login, logout, profile and account administration.

use std::sync::Arc;

use rand::Rng;
use rand::distr::Alphanumeric;
use techmatch_domain::{
    Action, Actor, DisplayName, EmailAddress, FieldError, JoinCode, NewPassword, Organization, OrganizationId,
    OrganizationKind, OrganizationName, RegionCode, Role, SelfServiceRole, UserAccount, UserId, ValidationErrors,
    authorize,
};
use techmatch_store::{CreateAccountError, Membership, NewAccount, NewOrganization, Page, PageRequest, Store};
use tracing::{info, warn};

use crate::error::{ConflictCode, ServiceError};
use crate::form_token::FormTokens;
use crate::password::PasswordHasher;
use crate::settings::AuthSettings;
use crate::throttle::{LoginThrottle, Refusal};
use crate::token::TokenIssuer;
use crate::verified_accounts::VerifiedAccounts;

/// The organization a self-registering user founds or joins.
#[derive(Debug, Clone)]
pub enum OrganizationChoice {
    Found { name: OrganizationName, kind: OrganizationKind, region_code: RegionCode },
    Join(JoinCode),
}

#[derive(Debug, Clone)]
pub struct Registration {
    pub email: EmailAddress,
    pub password: NewPassword,
    pub display_name: DisplayName,
    pub role: SelfServiceRole,
    pub organization: OrganizationChoice,
}

/// An account created by an admin (any role). Without a password, one is generated and shown
/// once in the answer.
#[derive(Debug, Clone)]
pub struct NewUserByAdmin {
    pub email: EmailAddress,
    pub password: Option<NewPassword>,
    pub display_name: DisplayName,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
}

#[derive(Debug, Clone)]
pub struct CreatedAccount {
    pub account: UserAccount,
    pub organization: Option<Organization>,
    /// Set only when the password was generated here.
    pub generated_password: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct UserUpdate {
    pub is_active: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in_seconds: u64,
}

#[derive(Clone, Debug)]
pub struct AccountService {
    store: Store,
    hasher: PasswordHasher,
    tokens: TokenIssuer,
    form_tokens: FormTokens,
    throttle: Arc<LoginThrottle>,
    verified: Arc<VerifiedAccounts>,
}

pub(crate) fn random_alphanumeric(length: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(length).map(char::from).collect()
}

/// A generated password: 20 alphanumeric characters, about 119 bits.
pub fn generate_password() -> String {
    random_alphanumeric(20)
}

/// A refused admission as the service's error.
fn throttled(refusal: Refusal, client: &str) -> ServiceError {
    match refusal {
        Refusal::Wait(retry_after) => {
            warn!(client, "throttled");
            ServiceError::RateLimited { retry_after }
        }
        Refusal::Store(error) => ServiceError::from(error),
    }
}

fn generate_join_code() -> JoinCode {
    JoinCode::from_trusted(random_alphanumeric(JoinCode::LENGTH).to_uppercase())
}

impl AccountService {
    /// The tokens that tie the pages' forms to their browser and session.
    pub fn form_tokens(&self) -> &FormTokens {
        &self.form_tokens
    }

    /// How busy password hashing has been on this node.
    pub fn hashing_figures(&self) -> crate::password::HashingFigures {
        self.hasher.figures()
    }

    pub fn new(store: Store, settings: &AuthSettings) -> anyhow::Result<AccountService> {
        let throttle = Arc::new(LoginThrottle::new(settings.login_limits, store.clone()));
        Ok(AccountService {
            store,
            hasher: PasswordHasher::new(settings.password_hash)?,
            tokens: TokenIssuer::new(settings),
            form_tokens: FormTokens::new(&settings.jwt_secret)?,
            throttle,
            verified: Arc::new(VerifiedAccounts::new(std::time::Duration::from_millis(settings.account_recheck_ms))),
        })
    }

    /// Registers a researcher or a company from `client`. The cheap refusals come first (the
    /// client's registration limit, a taken address or name, an unknown join code), so only a
    /// registration that can succeed costs a password hash.
    #[tracing::instrument(skip_all, fields(role = ?registration.role))]
    pub async fn register(&self, registration: Registration, client: &str) -> Result<CreatedAccount, ServiceError> {
        let role = registration.role.role();
        let membership = match registration.organization {
            OrganizationChoice::Found { name, kind, region_code } => {
                if !kind.admits(role) {
                    return Err(ValidationErrors::single(FieldError::new(
                        "organization.kind",
                        "organization_kind_not_allowed",
                        format!("a {role} account cannot found a {kind}"),
                    ))
                    .into());
                }
                Membership::Create(NewOrganization { name, kind, region_code, join_code: generate_join_code() })
            }
            OrganizationChoice::Join(join_code) => Membership::Join(join_code),
        };
        self.throttle.admit_registration(client).await.map_err(|refusal| throttled(refusal, client))?;
        self.store.check_new_account(&registration.email, &membership, role).await.map_err(create_error)?;
        let password_hash = self.hasher.hash(registration.password.expose()).await?;
        let account = NewAccount {
            email: registration.email,
            password_hash,
            display_name: registration.display_name,
            role,
            membership,
        };
        let (account, organization) = self.store.create_account(account).await.map_err(create_error)?;
        info!(user_id = %account.id, role = %account.role, "account registered");
        Ok(CreatedAccount { account, organization, generated_password: None })
    }

    /// Checks a password and issues a token. `client` identifies the caller's address for
    /// throttling; unknown addresses and wrong passwords look the same from outside.
    #[tracing::instrument(skip_all)]
    pub async fn login(&self, email: &str, password: &str, client: &str) -> Result<IssuedToken, ServiceError> {
        let email = EmailAddress::parse("email", email).ok();
        // An address that cannot be an account's shares one key: its attempts are limited per
        // client all the same, and it locks nobody out.
        let account_key = email.as_ref().map_or_else(|| "-".to_owned(), |email| email.as_str().to_lowercase());
        let admitted = self.throttle.admit(client, &account_key).await.map_err(|refusal| throttled(refusal, client))?;
        let credentials = match &email {
            Some(email) => self.store.find_credentials(email).await?,
            None => None,
        };
        let (account, hash) = match credentials {
            Some((account, hash)) => (Some(account), Some(hash)),
            None => (None, None),
        };
        let verified = self.hasher.verify(password, hash).await?;
        let Some(account) = account.filter(|_| verified) else {
            return Err(ServiceError::InvalidCredentials);
        };
        if !account.is_active {
            return Err(ServiceError::AccountDisabled);
        }
        self.throttle.succeeded(&admitted).await?;
        self.store.record_login(account.id).await?;
        info!(user_id = %account.id, "logged in");
        self.issue_token(&account)
    }

    fn issue_token(&self, account: &UserAccount) -> Result<IssuedToken, ServiceError> {
        Ok(IssuedToken {
            access_token: self.tokens.issue(account.id, account.token_version)?,
            expires_in_seconds: self.tokens.lifetime().as_secs(),
        })
    }

    /// Resolves a bearer token to the caller. Tokens of deactivated accounts, or issued before
    /// the last logout or password change, are refused.
    pub async fn authenticate(&self, token: &str) -> Result<Actor, ServiceError> {
        let (user_id, token_version) = self.tokens.verify(token).ok_or(ServiceError::InvalidToken)?;
        if let Some(actor) = self.verified.confirmed(user_id, token_version) {
            return Ok(actor);
        }
        let started = self.verified.start_check();
        let account = self.store.find_account(user_id).await?.ok_or(ServiceError::InvalidToken)?;
        if !account.is_active || account.token_version != token_version {
            return Err(ServiceError::InvalidToken);
        }
        let actor = Actor { user_id: account.id, role: account.role, organization_id: account.organization_id };
        self.verified.keep(started, token_version, actor);
        Ok(actor)
    }

    /// Revokes every token the caller holds.
    pub async fn logout(&self, actor: &Actor) -> Result<(), ServiceError> {
        authorize(Some(actor), Action::EndOwnSessions)?;
        self.store.bump_token_version(actor.user_id).await?;
        self.verified.revoke(actor.user_id);
        info!(user_id = %actor.user_id, "logged out");
        Ok(())
    }

    pub async fn me(&self, actor: &Actor) -> Result<UserAccount, ServiceError> {
        authorize(Some(actor), Action::ReadOwnAccount)?;
        self.store.find_account(actor.user_id).await?.ok_or(ServiceError::NotFound("account"))
    }

    pub async fn update_display_name(
        &self,
        actor: &Actor,
        display_name: DisplayName,
    ) -> Result<UserAccount, ServiceError> {
        authorize(Some(actor), Action::UpdateOwnAccount)?;
        Ok(self.store.update_display_name(actor.user_id, &display_name).await?)
    }

    /// The caller's interface language, which their notices and e-mails follow.
    pub async fn set_language(&self, actor: &Actor, language: techmatch_domain::Language) -> Result<(), ServiceError> {
        authorize(Some(actor), Action::UpdateOwnAccount)?;
        Ok(self.store.set_account_language(actor.user_id, language).await?)
    }

    /// Changes the caller's password after checking the current one; every earlier token stops
    /// working, and a fresh token is returned so the caller stays logged in.
    /// The current password is checked as a login from `client` would be, and counts toward
    /// the same limits.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current_password: &str,
        new_password: NewPassword,
        client: &str,
    ) -> Result<IssuedToken, ServiceError> {
        authorize(Some(actor), Action::ChangeOwnPassword)?;
        let account = self.store.find_account(actor.user_id).await?.ok_or(ServiceError::NotFound("account"))?;
        let account_key = account.email.as_str().to_lowercase();
        let admitted = self.throttle.admit(client, &account_key).await.map_err(|refusal| throttled(refusal, client))?;
        let stored = self.store.password_hash(actor.user_id).await?;
        if !self.hasher.verify(current_password, Some(stored)).await? {
            return Err(ServiceError::InvalidCredentials);
        }
        self.throttle.succeeded(&admitted).await?;
        let hash = self.hasher.hash(new_password.expose()).await?;
        self.store.replace_password_hash(actor.user_id, hash).await?;
        self.verified.revoke(actor.user_id);
        let account = self.store.find_account(actor.user_id).await?.ok_or(ServiceError::NotFound("account"))?;
        info!(user_id = %actor.user_id, "password changed");
        self.issue_token(&account)
    }

    pub async fn own_organization(&self, actor: &Actor) -> Result<Organization, ServiceError> {
        authorize(Some(actor), Action::ReadOwnOrganization)?;
        let organization_id = actor.organization_id.ok_or(ServiceError::NotFound("organization"))?;
        self.store.find_organization(organization_id).await?.ok_or(ServiceError::NotFound("organization"))
    }

    /// A member keeps their organization's contact person and credit code up to date.
    pub async fn update_own_organization(
        &self,
        actor: &Actor,
        input: &techmatch_domain::OrganizationProfileInput,
    ) -> Result<Organization, ServiceError> {
        authorize(Some(actor), Action::UpdateOwnOrganization)?;
        let organization_id = actor.organization_id.ok_or(ServiceError::NotFound("organization"))?;
        let profile = techmatch_domain::OrganizationProfile::parse(input)?;
        let updated =
            self.store.update_organization_profile(organization_id, &profile, chrono::Utc::now()).await.map_err(
                |error| match error {
                    techmatch_store::StoreError::NotFound => ServiceError::NotFound("organization"),
                    other => other.into(),
                },
            )?;
        info!(organization_id = %organization_id, user_id = %actor.user_id, "organization profile updated");
        Ok(updated)
    }

    pub async fn list_users(&self, actor: &Actor, page: PageRequest) -> Result<Page<UserAccount>, ServiceError> {
        authorize(Some(actor), Action::ListUsers)?;
        Ok(self.store.list_accounts(page).await?)
    }

    pub async fn list_organizations(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<Organization>, ServiceError> {
        authorize(Some(actor), Action::ListOrganizations)?;
        Ok(self.store.list_organizations(page).await?)
    }

    /// The organizations a member with `role` could belong to, by name (at most `limit`): the
    /// choices when staff post on someone's behalf.
    pub async fn organizations_admitting(
        &self,
        actor: &Actor,
        role: Role,
        limit: u64,
    ) -> Result<Vec<Organization>, ServiceError> {
        authorize(Some(actor), Action::ListOrganizations)?;
        let kinds: Vec<OrganizationKind> = OrganizationKind::ALL.into_iter().filter(|kind| kind.admits(role)).collect();
        Ok(self.store.organizations_of_kinds(&kinds, limit).await?)
    }

    /// The organizations with these ids, for naming them beside a page of accounts.
    pub async fn organizations_by_ids(
        &self,
        actor: &Actor,
        ids: &[OrganizationId],
    ) -> Result<Vec<Organization>, ServiceError> {
        authorize(Some(actor), Action::ListOrganizations)?;
        Ok(self.store.organizations_by_ids(ids).await?)
    }

    #[tracing::instrument(skip_all, fields(role = %new_user.role))]
    pub async fn create_user(&self, actor: &Actor, new_user: NewUserByAdmin) -> Result<CreatedAccount, ServiceError> {
        authorize(Some(actor), Action::CreateUser { role: new_user.role })?;
        let created = self.create_user_unchecked(new_user).await?;
        info!(admin_id = %actor.user_id, user_id = %created.account.id, "account created by admin");
        Ok(created)
    }

    /// Creation without an acting user, for the operator's command line (`techmatch user create`).
    pub async fn create_user_as_operator(&self, new_user: NewUserByAdmin) -> Result<CreatedAccount, ServiceError> {
        let created = self.create_user_unchecked(new_user).await?;
        info!(user_id = %created.account.id, role = %created.account.role, "account created from the command line");
        Ok(created)
    }

    async fn create_user_unchecked(&self, new_user: NewUserByAdmin) -> Result<CreatedAccount, ServiceError> {
        let membership = match new_user.organization_id {
            Some(organization_id) => Membership::Existing(organization_id),
            None if new_user.role.is_staff() => Membership::None,
            None => {
                return Err(ValidationErrors::single(FieldError::new(
                    "organization_id",
                    "required",
                    "researcher, company and broker accounts belong to an organization",
                ))
                .into());
            }
        };
        let (password, generated_password) = match new_user.password {
            Some(password) => (password.expose().to_owned(), None),
            None => {
                let generated = generate_password();
                (generated.clone(), Some(generated))
            }
        };
        let account = NewAccount {
            email: new_user.email,
            password_hash: self.hasher.hash(&password).await?,
            display_name: new_user.display_name,
            role: new_user.role,
            membership,
        };
        let (account, organization) = self.store.create_account(account).await.map_err(create_error)?;
        Ok(CreatedAccount { account, organization, generated_password })
    }

    pub async fn update_user(
        &self,
        actor: &Actor,
        user_id: UserId,
        update: UserUpdate,
    ) -> Result<UserAccount, ServiceError> {
        authorize(Some(actor), Action::UpdateUser)?;
        let Some(is_active) = update.is_active else {
            return self.store.find_account(user_id).await?.ok_or(ServiceError::NotFound("user"));
        };
        if user_id == actor.user_id && !is_active {
            return Err(ServiceError::Conflict {
                code: ConflictCode::CannotDeactivateSelf,
                message: "an admin cannot deactivate their own account".to_owned(),
            });
        }
        if self.store.find_account(user_id).await?.is_none() {
            return Err(ServiceError::NotFound("user"));
        }
        let account = self.store.set_account_active(user_id, is_active).await?;
        self.verified.revoke(user_id);
        info!(admin_id = %actor.user_id, user_id = %user_id, is_active, "account activation changed");
        Ok(account)
    }

    /// Makes sure the demo admin exists. Returns its password when it was created just now
    /// (the only time it can be shown).
    pub async fn ensure_demo_admin(&self, email: &EmailAddress) -> Result<Option<String>, ServiceError> {
        if self.store.find_account_by_email(email).await?.is_some() {
            return Ok(None);
        }
        let created = self
            .create_user_as_operator(NewUserByAdmin {
                email: email.clone(),
                password: None,
                display_name: DisplayName::from_trusted("演示管理员 Demo Admin".to_owned()),
                role: Role::Admin,
                organization_id: None,
            })
            .await?;
        Ok(created.generated_password)
    }

    /// Sets a new password for an account from the operator's command line; revokes its tokens.
    pub async fn reset_password_as_operator(
        &self,
        email: &EmailAddress,
        password: Option<NewPassword>,
    ) -> Result<String, ServiceError> {
        let account = self.store.find_account_by_email(email).await?.ok_or(ServiceError::NotFound("user"))?;
        let password = password.map_or_else(generate_password, |password| password.expose().to_owned());
        let hash = self.hasher.hash(&password).await?;
        self.store.replace_password_hash(account.id, hash).await?;
        self.verified.revoke(account.id);
        Ok(password)
    }
}

fn create_error(error: CreateAccountError) -> ServiceError {
    let field_error = |field: &str, code: &'static str, message: &str| {
        ServiceError::Validation(ValidationErrors::single(FieldError::new(field, code, message)))
    };
    match error {
        CreateAccountError::EmailTaken => ServiceError::Conflict {
            code: ConflictCode::EmailTaken,
            message: "an account with this e-mail address exists".to_owned(),
        },
        CreateAccountError::OrganizationNameTaken => ServiceError::Conflict {
            code: ConflictCode::OrganizationExists,
            message: "an organization with this name exists; ask one of its members for the join code".to_owned(),
        },
        CreateAccountError::UnknownJoinCode => {
            field_error("organization.join_code", "unknown_join_code", "no organization has this join code")
        }
        CreateAccountError::UnknownOrganization => {
            field_error("organization_id", "unknown_organization", "no organization has this id")
        }
        CreateAccountError::KindMismatch { role, kind } => field_error(
            "organization",
            "organization_kind_not_allowed",
            &format!("a {role} account cannot belong to a {kind}"),
        ),
        CreateAccountError::Store(error) => error.into(),
    }
}
