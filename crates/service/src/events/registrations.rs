//! Registrations: researchers and companies sign up with their listings; officers decide.

use chrono::Utc;
use techmatch_domain::event::NoticeText;
use techmatch_domain::event::{
    Event, EventId, EventStatus, Participant, ParticipantId, ParticipantRole, RegistrationStatus, parse_available_slots,
};
use techmatch_domain::listing::{NeedStatus, ResultStatus};
use techmatch_domain::{Action, Actor, FieldError, Role, ValidationErrors, authorize};
use techmatch_store::{NewNotification, NewParticipant};

use super::{EventService, conflict};
use crate::error::{ConflictCode, ServiceError};

#[derive(Debug, Clone)]
pub struct RegistrationInput {
    pub listing_ids: Vec<i64>,
    pub available_slots: Vec<u32>,
    pub max_meetings: u32,
}

/// A participant as others see them: listing titles only where the viewer may see the listing.
#[derive(Debug, Clone)]
pub struct ParticipantView {
    pub participant: Participant,
    pub organization_name: String,
    pub listings: Vec<(i64, String)>,
}

/// One of the caller's registrations, for their own page.
#[derive(Debug, Clone)]
pub struct MyEvent {
    pub event: Event,
    pub participant: Participant,
    pub meetings: usize,
}

impl EventService {
    /// Registers the caller with some of their organization's listings.
    pub async fn register(
        &self,
        actor: &Actor,
        id: EventId,
        input: &RegistrationInput,
    ) -> Result<Participant, ServiceError> {
        authorize(Some(actor), Action::TakePartInEvents)?;
        let event = self.get(Some(actor), id).await?;
        let now = Utc::now();
        if event.status != EventStatus::Open {
            return Err(conflict(ConflictCode::RegistrationClosed, "the event is not open for registration"));
        }
        if now > event.content.registration_deadline {
            return Err(conflict(ConflictCode::RegistrationClosed, "the registration deadline has passed"));
        }
        let Some(organization_id) = actor.organization_id else {
            return Err(ServiceError::Forbidden);
        };
        let role = match actor.role {
            Role::Researcher => ParticipantRole::Researcher,
            Role::Company => ParticipantRole::Company,
            _ => return Err(ServiceError::Forbidden),
        };
        let mut errors = ValidationErrors::new();
        let slot_count = event.content.timetable.slot_count();
        let slots = errors.collect(parse_available_slots("available_slots", &input.available_slots, slot_count));
        if input.max_meetings == 0 || input.max_meetings > slot_count {
            errors.push(FieldError::new(
                "max_meetings",
                "out_of_range",
                format!("must be between 1 and the event's {slot_count} slots"),
            ));
        }
        let mut listing_ids = input.listing_ids.clone();
        listing_ids.sort_unstable();
        listing_ids.dedup();
        if listing_ids.is_empty() || listing_ids.len() > 10 {
            errors.push(FieldError::new("listing_ids", "out_of_range", "must list between 1 and 10 listings"));
        } else if !self.own_listings(role, organization_id, &listing_ids).await? {
            errors.push(FieldError::new(
                "listing_ids",
                "unknown_listing",
                match role {
                    ParticipantRole::Researcher => "must be published results of your organization",
                    ParticipantRole::Company => "must be open needs of your organization",
                },
            ));
        }
        errors.into_result()?;
        let new = NewParticipant {
            event_id: id,
            user_id: actor.user_id,
            organization_id,
            role,
            listing_ids,
            available_slots: slots.unwrap_or_default(),
            max_meetings: input.max_meetings,
        };
        match self.store.register_participant(&new, event.content.capacity, now).await {
            Ok(Some(participant)) => Ok(participant),
            Ok(None) => Err(conflict(ConflictCode::EventFull, "the event has reached its capacity")),
            Err(techmatch_store::StoreError::UniqueViolation(_)) => {
                Err(conflict(ConflictCode::AlreadyRegistered, "this account is already registered for the event"))
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn own_listings(
        &self,
        role: ParticipantRole,
        organization: techmatch_domain::OrganizationId,
        ids: &[i64],
    ) -> Result<bool, ServiceError> {
        Ok(match role {
            ParticipantRole::Researcher => {
                let found = self.store.results_by_ids(ids).await?;
                found.len() == ids.len()
                    && found.iter().all(|result| {
                        result.organization_id == organization && result.status == ResultStatus::Published
                    })
            }
            ParticipantRole::Company => {
                let found = self.store.needs_by_ids(ids).await?;
                found.len() == ids.len()
                    && found.iter().all(|need| {
                        need.organization_id == organization
                            && matches!(need.status, NeedStatus::Open | NeedStatus::InTalks)
                    })
            }
        })
    }

    /// Staff see every registration; an approved participant sees the other approved ones,
    /// with the titles of the listings they may see (a confidential need stays untitled).
    pub async fn participants(&self, actor: &Actor, id: EventId) -> Result<Vec<ParticipantView>, ServiceError> {
        let event = self.get(Some(actor), id).await?;
        let all = self.store.participants(event.id).await?;
        let staff = actor.role.is_staff();
        if !staff {
            let own = all.iter().find(|participant| participant.user_id == actor.user_id);
            if own.is_none_or(|own| own.status != RegistrationStatus::Approved) {
                return Err(ServiceError::Forbidden);
            }
        }
        let viewer = techmatch_domain::Viewer::of(Some(actor));
        let names = self.organization_names(&all).await?;
        let mut views = Vec::new();
        for participant in all {
            if !staff && participant.status != RegistrationStatus::Approved {
                continue;
            }
            let organization_name = names.get(&participant.id).cloned().unwrap_or_default();
            let listings = self.listing_titles(viewer, &participant).await?;
            views.push(ParticipantView { participant, organization_name, listings });
        }
        Ok(views)
    }

    async fn listing_titles(
        &self,
        viewer: techmatch_domain::Viewer,
        participant: &Participant,
    ) -> Result<Vec<(i64, String)>, ServiceError> {
        Ok(match participant.role {
            ParticipantRole::Researcher => self
                .store
                .results_by_ids(&participant.listing_ids)
                .await?
                .into_iter()
                .filter(|result| {
                    techmatch_domain::access::can_view_result(viewer, result.organization_id, result.status)
                })
                .map(|result| (result.id.0, result.content.title.as_str().to_owned()))
                .collect(),
            ParticipantRole::Company => self
                .store
                .needs_by_ids(&participant.listing_ids)
                .await?
                .into_iter()
                .filter(|need| {
                    techmatch_domain::access::can_view_need(
                        viewer,
                        need.organization_id,
                        need.status,
                        need.content.confidential,
                    )
                })
                .map(|need| (need.id.0, need.content.title.as_str().to_owned()))
                .collect(),
        })
    }

    pub async fn decide_registration(
        &self,
        actor: &Actor,
        event_id: EventId,
        participant_id: ParticipantId,
        approve: bool,
    ) -> Result<Participant, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        let participant = self
            .store
            .find_participant(participant_id)
            .await?
            .filter(|participant| participant.event_id == event_id)
            .ok_or(ServiceError::NotFound("participant"))?;
        let status = if approve { RegistrationStatus::Approved } else { RegistrationStatus::Rejected };
        let notice = NewNotification {
            user_id: participant.user_id,
            kind: if approve { "registration_approved" } else { "registration_rejected" },
            message: NoticeText::new(
                format!(
                    "您报名的活动“{}”{}",
                    event.content.title.as_str(),
                    if approve { "已通过审核" } else { "未通过审核" }
                ),
                format!(
                    "Your registration for \"{}\" was {}.",
                    event.content.title.as_str(),
                    if approve { "approved" } else { "declined" }
                ),
            ),
        };
        self.store.set_registration_status(participant_id, status, &notice, Utc::now()).await?;
        self.mailer.notices_stored();
        Ok(Participant { status, ..participant })
    }

    pub(super) async fn approved_participant(&self, actor: &Actor, event: &Event) -> Result<Participant, ServiceError> {
        self.store
            .participant_of(event.id, actor.user_id)
            .await?
            .filter(|participant| participant.status == RegistrationStatus::Approved)
            .ok_or(ServiceError::Forbidden)
    }

    /// The caller's own registrations with their events and how many meetings they have there.
    pub async fn my_events(&self, actor: &Actor) -> Result<Vec<MyEvent>, ServiceError> {
        let registrations = self.store.registrations_of_user(actor.user_id).await?;
        let event_ids: Vec<i64> = registrations.iter().map(|participant| participant.event_id.0).collect();
        let meetings = self.store.meetings_of_events(&event_ids).await?;
        let mut found = Vec::with_capacity(registrations.len());
        for participant in registrations {
            let Some(event) = self.store.find_event(participant.event_id).await? else { continue };
            let meetings = meetings
                .iter()
                .filter(|meeting| meeting.researcher == participant.id || meeting.company == participant.id)
                .count();
            found.push(MyEvent { event, participant, meetings });
        }
        Ok(found)
    }

    /// The caller's own registration for an event, if any.
    pub async fn participant_of(&self, actor: &Actor, event_id: EventId) -> Result<Option<Participant>, ServiceError> {
        Ok(self.store.participant_of(event_id, actor.user_id).await?)
    }
}
