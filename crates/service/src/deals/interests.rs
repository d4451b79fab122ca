//! Expressions of interest: sent by a company user about a result or a researcher about a
//! need, answered by the poster, reminded once and expired by the sweep.

use chrono::{DateTime, Utc};
use techmatch_domain::deal::{
    DealStage, Interest, InterestAnswer, InterestId, InterestStatus, ListingRef, NewInterest, can_answer_interest,
    can_see_interest, may_express_interest_in,
};
use techmatch_domain::event::NoticeText;
use techmatch_domain::listing::{NeedStatus, ResultStatus};
use techmatch_domain::{Action, Actor, FieldError, OrganizationId, UserId, ValidationErrors, authorize};
use techmatch_store::{AnswerOutcome, NewDeal, NewInterestRow, NewNotification, Page, PageRequest, StoredAnswer};
use tracing::info;

use super::DealService;
use crate::error::{ConflictCode, ServiceError};

/// Whom the other side reaches, shown once an interest is accepted: the listing's own contact
/// person when it names one, else the organization's when it named one, else the account that
/// sent or answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub display_name: String,
    pub email: String,
    pub phone: Option<String>,
}

impl Contact {
    /// `account`'s contact, or its organization's contact person when there is one (their
    /// e-mail address falling back to the account's).
    pub fn of(
        account: &techmatch_domain::UserAccount,
        organization: Option<&techmatch_domain::Organization>,
    ) -> Contact {
        match organization.and_then(|organization| organization.contact.as_ref()) {
            Some(person) => Contact::person(person, account),
            None => Contact {
                display_name: account.display_name.as_str().to_owned(),
                email: account.email.as_str().to_owned(),
                phone: None,
            },
        }
    }

    /// A contact person, their e-mail address falling back to `account`'s.
    pub fn person(person: &techmatch_domain::ContactPerson, account: &techmatch_domain::UserAccount) -> Contact {
        Contact {
            display_name: person.name.as_str().to_owned(),
            email: person.email.as_ref().unwrap_or(&account.email).as_str().to_owned(),
            phone: person.phone.as_ref().map(|phone| phone.as_str().to_owned()),
        }
    }
}

/// An interest as one viewer may see it: its status as of now, the related listing only if the
/// viewer may see that listing, and contacts only once accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct InterestView {
    pub interest: Interest,
    pub listing_title: String,
    pub sender_contact: Option<Contact>,
    pub poster_contact: Option<Contact>,
}

/// What an interest needs to know of its listing.
struct ListingFacts {
    organization: OrganizationId,
    owner: UserId,
    open: bool,
    title: String,
    /// The listing's own contact person, if it names one.
    contact: Option<techmatch_domain::ContactPerson>,
}

fn conflict(code: ConflictCode, message: &str) -> ServiceError {
    ServiceError::Conflict { code, message: message.to_owned() }
}

impl DealService {
    /// The listing as `actor` sees it (missing and invisible alike are not found).
    async fn listing_facts(&self, actor: &Actor, listing: ListingRef) -> Result<ListingFacts, ServiceError> {
        Ok(match listing {
            ListingRef::Result(id) => {
                let result = self.listings.get_result(Some(actor), id).await?;
                ListingFacts {
                    organization: result.organization_id,
                    owner: result.owner_user_id,
                    open: result.status == ResultStatus::Published,
                    title: result.content.title.as_str().to_owned(),
                    contact: result.content.contact,
                }
            }
            ListingRef::Need(id) => {
                let need = self.listings.get_need(Some(actor), id).await?;
                ListingFacts {
                    organization: need.organization_id,
                    owner: need.owner_user_id,
                    open: matches!(need.status, NeedStatus::Open | NeedStatus::InTalks),
                    title: need.content.title.as_str().to_owned(),
                    contact: need.content.contact,
                }
            }
        })
    }

    /// Sends an interest; the poster is told at once.
    pub async fn express_interest(
        &self,
        actor: &Actor,
        new: NewInterest,
        now: DateTime<Utc>,
    ) -> Result<InterestView, ServiceError> {
        authorize(Some(actor), Action::ExpressInterest)?;
        if !may_express_interest_in(actor.role, new.listing) {
            return Err(ServiceError::Forbidden);
        }
        let sender_organization = actor.organization_id.ok_or(ServiceError::Forbidden)?;
        let listing = self.listing_facts(actor, new.listing).await?;
        if listing.organization == sender_organization {
            return Err(conflict(ConflictCode::OwnListing, "this listing is your own organization's"));
        }
        if !listing.open {
            return Err(conflict(ConflictCode::ListingNotOpen, "this listing no longer takes interest"));
        }
        if let Some(related) = new.related {
            let own = self
                .listing_facts(actor, related)
                .await
                .ok()
                .is_some_and(|facts| facts.organization == sender_organization);
            if !own {
                return Err(ValidationErrors::single(FieldError::new(
                    "related_id",
                    "not_your_listing",
                    "the related listing must be your own organization's",
                ))
                .into());
            }
        }
        let (remind_at, expires_at) = self.reminder_and_expiry(now);
        let row = NewInterestRow {
            listing: new.listing,
            listing_organization: listing.organization,
            recipient: listing.owner,
            sender: actor.user_id,
            sender_organization,
            purpose: new.purpose,
            message: new.message.as_str().to_owned(),
            related: new.related,
            found_via: new.found_via,
            created_at: now,
            remind_at,
            expires_at,
        };
        let notice = NewNotification {
            user_id: listing.owner,
            kind: "interest_received",
            message: NoticeText::new(
                format!("有人对“{}”表达了合作意向", listing.title),
                format!("Someone is interested in \"{}\"", listing.title),
            ),
        };
        let interest = self.store.create_interest(&row, std::slice::from_ref(&notice)).await?.ok_or_else(|| {
            conflict(ConflictCode::InterestOpen, "your organization already has an open interest here")
        })?;
        info!(interest_id = %interest.id, user_id = %actor.user_id, "interest sent");
        self.view(actor, interest, now).await
    }

    /// The interests `actor`'s organization sent or received (staff: all), newest first.
    pub async fn interests(
        &self,
        actor: &Actor,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<InterestView>, ServiceError> {
        authorize(Some(actor), Action::FollowDeals)?;
        let organization =
            if actor.role.is_staff() { None } else { Some(actor.organization_id.ok_or(ServiceError::Forbidden)?) };
        let found = self.store.interests_of(organization, page).await?;
        let mut items = Vec::with_capacity(found.items.len());
        for interest in found.items {
            items.push(self.view(actor, interest, now).await?);
        }
        Ok(Page { items, total: found.total })
    }

    pub async fn interest(
        &self,
        actor: &Actor,
        id: InterestId,
        now: DateTime<Utc>,
    ) -> Result<InterestView, ServiceError> {
        let interest = self.visible_interest(actor, id).await?;
        self.view(actor, interest, now).await
    }

    async fn visible_interest(&self, actor: &Actor, id: InterestId) -> Result<Interest, ServiceError> {
        match self.store.interest(id).await? {
            Some(interest) if can_see_interest(actor, &interest) => Ok(interest),
            _ => Err(ServiceError::NotFound("interest")),
        }
    }

    /// The poster accepts (opening the pair's deal) or declines with a reason.
    pub async fn answer_interest(
        &self,
        actor: &Actor,
        id: InterestId,
        answer: InterestAnswer,
        now: DateTime<Utc>,
    ) -> Result<InterestView, ServiceError> {
        let interest = self.visible_interest(actor, id).await?;
        if !can_answer_interest(actor, &interest) {
            return Err(ServiceError::Forbidden);
        }
        let (status, decline_reason, note) = match &answer {
            InterestAnswer::Accept { note } => (InterestStatus::Accepted, None, note.clone()),
            InterestAnswer::Decline { reason, note } => (InterestStatus::Declined, Some(*reason), note.clone()),
        };
        let stored = StoredAnswer { status, decline_reason, note: note.clone(), answered_by: actor.user_id, at: now };
        let deal = (status == InterestStatus::Accepted).then(|| {
            let (research_organization, company_organization) = match interest.listing {
                ListingRef::Result(_) => (interest.listing_organization, interest.sender_organization),
                ListingRef::Need(_) => (interest.sender_organization, interest.listing_organization),
            };
            let pair = [Some(interest.listing), interest.related];
            NewDeal {
                result_id: pair.iter().flatten().find_map(|listing| match listing {
                    ListingRef::Result(id) => Some(*id),
                    ListingRef::Need(_) => None,
                }),
                need_id: pair.iter().flatten().find_map(|listing| match listing {
                    ListingRef::Need(id) => Some(*id),
                    ListingRef::Result(_) => None,
                }),
                research_organization,
                company_organization,
                stage: DealStage::Introduced,
                origin: interest.found_via.deal_origin(),
                introducer: None,
                interest_id: Some(interest.id),
                opened_by: actor.user_id,
                at: now,
                note,
            }
        });
        let notice = NewNotification {
            user_id: interest.sender,
            kind: if status == InterestStatus::Accepted { "interest_accepted" } else { "interest_declined" },
            message: if status == InterestStatus::Accepted {
                NoticeText::new(
                    "您的合作意向已被接受，可以查看对方的联系方式",
                    "Your interest was accepted: you can now see their contact.",
                )
            } else {
                NoticeText::new("您的合作意向未被接受", "Your interest was declined.")
            },
        };
        match self.store.answer_interest(id, &stored, deal.as_ref(), std::slice::from_ref(&notice)).await? {
            AnswerOutcome::Answered(interest) => {
                info!(interest_id = %interest.id, status = %interest.status, user_id = %actor.user_id, "interest answered");
                if let Some(reason) = decline_reason {
                    self.matches.learn_from_decline(&interest, reason, now).await;
                }
                self.view(actor, *interest, now).await
            }
            AnswerOutcome::NotOpen(InterestStatus::Expired) => {
                Err(conflict(ConflictCode::InterestExpired, "this interest expired unanswered"))
            }
            AnswerOutcome::NotOpen(_) => {
                Err(conflict(ConflictCode::InterestAnswered, "this interest was answered already"))
            }
            AnswerOutcome::NotFound => Err(ServiceError::NotFound("interest")),
        }
    }

    /// Reminds posters of interests unanswered for `interest_reminder_days` and expires those
    /// unanswered for `interest_expiry_days`, as of `now`; how many of each.
    pub async fn sweep_interests(&self, now: DateTime<Utc>) -> Result<(usize, usize), ServiceError> {
        let notices = |interest: &Interest, status: InterestStatus| -> Vec<NewNotification> {
            if status == InterestStatus::Expired {
                vec![NewNotification {
                    user_id: interest.sender,
                    kind: "interest_expired",
                    message: NoticeText::new("您的合作意向无人答复，已过期", "Your interest expired unanswered."),
                }]
            } else {
                vec![NewNotification {
                    user_id: interest.recipient,
                    kind: "interest_reminder",
                    message: NoticeText::new("有一条合作意向等待您答复", "An interest is waiting for your answer."),
                }]
            }
        };
        let (reminded, expired) = self.store.sweep_interests(now, &notices).await?;
        if reminded + expired > 0 {
            info!(reminded, expired, "interests swept");
        }
        Ok((reminded, expired))
    }

    async fn contact(&self, user: UserId) -> Result<Option<Contact>, ServiceError> {
        let Some(account) = self.store.find_account(user).await? else { return Ok(None) };
        let organization = match account.organization_id {
            Some(id) => self.store.find_organization(id).await?,
            None => None,
        };
        Ok(Some(Contact::of(&account, organization.as_ref())))
    }

    async fn view(
        &self,
        actor: &Actor,
        mut interest: Interest,
        now: DateTime<Utc>,
    ) -> Result<InterestView, ServiceError> {
        interest.status = interest.status_at(now);
        // A listing the viewer may not see (a confidential need) is not named to them.
        if let Some(related) = interest.related
            && self.listing_facts(actor, related).await.is_err()
        {
            interest.related = None;
        }
        let (listing_title, listing_contact) = match self.listing_facts(actor, interest.listing).await {
            Ok(facts) => (facts.title, facts.contact),
            Err(_) => (String::new(), None),
        };
        let (sender_contact, poster_contact) = match (interest.status, interest.answered_by) {
            (InterestStatus::Accepted, Some(answerer)) => {
                let poster = match listing_contact {
                    Some(person) => {
                        self.store.find_account(answerer).await?.map(|account| Contact::person(&person, &account))
                    }
                    None => self.contact(answerer).await?,
                };
                (self.contact(interest.sender).await?, poster)
            }
            _ => (None, None),
        };
        Ok(InterestView { interest, listing_title, sender_contact, poster_contact })
    }
}
