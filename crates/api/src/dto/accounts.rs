//! Accounts and organizations: registration, login, profiles and the admins' user lists.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::{
    DisplayName, EmailAddress, JoinCode, NewPassword, Organization, OrganizationId, OrganizationKind, OrganizationName,
    RegionCode, Role, SelfServiceRole, UserAccount, ValidationErrors,
};
use techmatch_service::{NewUserByAdmin, OrganizationChoice, Page, PageRequest, Registration};
use utoipa::ToSchema;

use crate::error::ApiError;

/// Self-registration of a researcher or a company user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(example = "li.wei@zju.edu.cn")]
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    #[schema(example = "李伟")]
    pub display_name: String,
    /// `researcher` or `company`. Staff roles are granted by an admin only.
    #[schema(example = "researcher")]
    pub role: String,
    pub organization: OrganizationInput,
}

/// Either `join_code` (join an existing organization) or `name`, `kind` and `region_code`
/// (found a new one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    #[schema(example = "浙江大学")]
    pub name: Option<String>,
    /// `university`, `institute`, `company`, `agency` or `incubator`.
    pub kind: Option<String>,
    /// GB/T 2260 six-digit division code.
    #[schema(example = "330106")]
    pub region_code: Option<String>,
    pub join_code: Option<String>,
}

impl RegisterRequest {
    pub fn into_registration(self) -> Result<Registration, ApiError> {
        let mut errors = ValidationErrors::new();
        let email = errors.collect(EmailAddress::parse("email", &self.email));
        let password = errors.collect(NewPassword::parse("password", &self.password, email.as_ref()));
        let display_name = errors.collect(DisplayName::parse("display_name", &self.display_name));
        let role = errors.collect(SelfServiceRole::parse("role", &self.role));
        let organization = parse_organization_choice(self.organization, &mut errors);
        match (email, password, display_name, role, organization) {
            (Some(email), Some(password), Some(display_name), Some(role), Some(organization)) if errors.is_empty() => {
                Ok(Registration { email, password, display_name, role, organization })
            }
            _ => Err(ApiError::validation(errors.0)),
        }
    }
}

fn parse_organization_choice(input: OrganizationInput, errors: &mut ValidationErrors) -> Option<OrganizationChoice> {
    use techmatch_domain::FieldError;
    if let Some(join_code) = input.join_code {
        if input.name.is_some() || input.kind.is_some() || input.region_code.is_some() {
            errors.push(FieldError::new(
                "organization",
                "ambiguous_organization",
                "give either join_code, or name, kind and region_code",
            ));
            return None;
        }
        return errors.collect(JoinCode::parse("organization.join_code", &join_code)).map(OrganizationChoice::Join);
    }
    let missing = |field: &str| {
        FieldError::new(
            format!("organization.{field}"),
            "required",
            "must be given to found an organization (or give join_code)",
        )
    };
    let name = match input.name {
        Some(name) => errors.collect(OrganizationName::parse("organization.name", &name)),
        None => errors.collect(Err(missing("name"))),
    };
    let kind = match input.kind {
        Some(kind) => errors.collect(OrganizationKind::parse("organization.kind", &kind)),
        None => errors.collect(Err(missing("kind"))),
    };
    let region_code = match input.region_code {
        Some(code) => errors.collect(RegionCode::parse("organization.region_code", &code)),
        None => errors.collect(Err(missing("region_code"))),
    };
    Some(OrganizationChoice::Found { name: name?, kind: kind?, region_code: region_code? })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// Fields a user may change on their own account. Anything else (role, organization, e-mail) is
/// refused as an unknown field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    pub display_name: Option<String>,
    /// The interface language, `zh-CN` or `en`: notifications and their e-mails are in it.
    pub language: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub email: String,
    pub display_name: String,
    /// `researcher`, `company`, `liaison_officer`, `broker` or `admin`.
    pub role: String,
    /// Omit to have one generated and returned once.
    pub password: Option<String>,
    /// Required for researcher, company and broker accounts (a broker's is a transfer agency).
    pub organization_id: Option<i64>,
}

impl CreateUserRequest {
    pub fn into_new_user(self) -> Result<NewUserByAdmin, ApiError> {
        use techmatch_domain::FieldError;
        let mut errors = ValidationErrors::new();
        let email = errors.collect(EmailAddress::parse("email", &self.email));
        let display_name = errors.collect(DisplayName::parse("display_name", &self.display_name));
        let role = errors.collect(Role::parse(&self.role).ok_or_else(|| {
            FieldError::new(
                "role",
                "invalid_role",
                "must be one of: researcher, company, liaison_officer, broker, admin",
            )
        }));
        let password = match self.password {
            Some(password) => errors.collect(NewPassword::parse("password", &password, email.as_ref())).map(Some),
            None => Some(None),
        };
        match (email, display_name, role, password) {
            (Some(email), Some(display_name), Some(role), Some(password)) if errors.is_empty() => Ok(NewUserByAdmin {
                email,
                password,
                display_name,
                role,
                organization_id: self.organization_id.map(OrganizationId),
            }),
            _ => Err(ApiError::validation(errors.0)),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub is_active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    #[schema(example = "researcher")]
    pub role: String,
    pub organization_id: Option<i64>,
    /// `zh-CN` or `en`.
    pub language: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<UserAccount> for UserResponse {
    fn from(account: UserAccount) -> Self {
        UserResponse {
            id: account.id.0,
            email: account.email.as_str().to_owned(),
            display_name: account.display_name.as_str().to_owned(),
            role: account.role.as_str().to_owned(),
            organization_id: account.organization_id.map(|id| id.0),
            language: account.language.code().to_owned(),
            is_active: account.is_active,
            created_at: account.created_at,
            updated_at: account.updated_at,
            last_login_at: account.last_login_at,
        }
    }
}

/// An organization as its members and staff see it (with the join code).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationResponse {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub region_code: String,
    /// Give this to colleagues so they can join at registration.
    pub join_code: String,
    pub contact: Option<ContactPersonBody>,
    /// The unified social credit code (GB 32100), recorded with the organization's contracts.
    pub credit_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The person the other side of a match reaches.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPersonBody {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Shown on the organization's public pages; otherwise only to the other side of an
    /// accepted interest.
    pub public: bool,
}

impl From<Organization> for OrganizationResponse {
    fn from(organization: Organization) -> Self {
        OrganizationResponse {
            id: organization.id.0,
            name: organization.name.as_str().to_owned(),
            kind: organization.kind.as_str().to_owned(),
            region_code: organization.region_code.as_str().to_owned(),
            join_code: organization.join_code.as_str().to_owned(),
            contact: organization.contact.map(|contact| ContactPersonBody {
                name: contact.name.as_str().to_owned(),
                phone: contact.phone.map(|phone| phone.as_str().to_owned()),
                email: contact.email.map(|email| email.as_str().to_owned()),
                public: contact.public,
            }),
            credit_code: organization.credit_code.map(|code| code.as_str().to_owned()),
            created_at: organization.created_at,
        }
    }
}

/// An organization's contact person and credit code, replaced whole: a field left out is
/// cleared. A contact needs a name and a phone number or an e-mail address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationProfileRequest {
    pub contact_name: Option<String>,
    /// A mobile number, a landline with its area code, or a 400/800 number.
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// Show the contact on the organization's public pages (default: only to the other side
    /// of an accepted interest).
    #[serde(default)]
    pub contact_public: bool,
    /// 18 characters with the GB 32100 check character.
    pub credit_code: Option<String>,
}

impl OrganizationProfileRequest {
    pub fn into_input(self) -> techmatch_domain::OrganizationProfileInput {
        techmatch_domain::OrganizationProfileInput {
            contact_name: self.contact_name,
            contact_phone: self.contact_phone,
            contact_email: self.contact_email,
            contact_public: self.contact_public,
            credit_code: self.credit_code,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredResponse {
    pub user: UserResponse,
    pub organization: Option<OrganizationResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserResponse {
    pub user: UserResponse,
    /// Present only when the password was generated; shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserListResponse {
    pub items: Vec<UserResponse>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationListResponse {
    pub items: Vec<OrganizationResponse>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

pub fn user_list(page: Page<UserAccount>, request: PageRequest) -> UserListResponse {
    UserListResponse {
        items: page.items.into_iter().map(UserResponse::from).collect(),
        total: page.total,
        offset: request.offset,
        limit: request.limit,
    }
}

pub fn organization_list(page: Page<Organization>, request: PageRequest) -> OrganizationListResponse {
    OrganizationListResponse {
        items: page.items.into_iter().map(OrganizationResponse::from).collect(),
        total: page.total,
        offset: request.offset,
        limit: request.limit,
    }
}
