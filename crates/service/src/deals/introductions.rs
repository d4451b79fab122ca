//! Introductions: a liaison officer or a technology broker puts a research result and a
//! technology need in front of both sides, with a note on why; each side accepts or declines,
//! and when both accept the pair's deal opens with them as its introducer.

use chrono::{DateTime, Utc};
use techmatch_domain::deal::{
    DealOrigin, DealStage, Introduction, IntroductionId, MessageText, Side, can_see_introduction,
};
use techmatch_domain::event::NoticeText;
use techmatch_domain::listing::{NeedId, NeedStatus, ResultId, ResultStatus};
use techmatch_domain::{Action, Actor, Role, authorize};
use techmatch_store::{IntroductionAnswerOutcome, NewDeal, NewIntroductionRow, NewNotification, Page, PageRequest};
use tracing::info;

use super::DealService;
use crate::error::{ConflictCode, ServiceError};

/// An introduction as one viewer may see it: the research side learns the company and its
/// need only once the company accepted (a confidential need stays unnamed until then).
#[derive(Debug, Clone, PartialEq)]
pub struct IntroductionView {
    pub introduction: Introduction,
    pub result_title: String,
    pub need_title: Option<String>,
    pub research_name: String,
    pub company_name: Option<String>,
}

fn conflict(code: ConflictCode, message: &str) -> ServiceError {
    ServiceError::Conflict { code, message: message.to_owned() }
}

impl DealService {
    /// A staff member or a broker introduces a published result to an open need. A broker
    /// reads listings as the public does, so a confidential need is not found for them.
    pub async fn introduce(
        &self,
        actor: &Actor,
        result_id: ResultId,
        need_id: NeedId,
        note: MessageText,
        now: DateTime<Utc>,
    ) -> Result<IntroductionView, ServiceError> {
        authorize(Some(actor), Action::IntroducePairs)?;
        let result = self.listings.get_result(Some(actor), result_id).await?;
        let need = self.listings.get_need(Some(actor), need_id).await?;
        if result.status != ResultStatus::Published || !matches!(need.status, NeedStatus::Open | NeedStatus::InTalks) {
            return Err(conflict(ConflictCode::ListingNotOpen, "both listings must be published and open"));
        }
        if result.organization_id == need.organization_id {
            return Err(conflict(ConflictCode::OwnListing, "both listings are one organization's"));
        }
        let row = NewIntroductionRow {
            result_id,
            need_id,
            research_organization: result.organization_id,
            company_organization: need.organization_id,
            introducer: actor.user_id,
            note: note.as_str().to_owned(),
            at: now,
        };
        let (who_zh, who_en) = if actor.role == Role::Broker {
            ("技术经纪人", "A technology broker")
        } else {
            ("技术转移联络员", "A liaison officer")
        };
        let notices = [
            NewNotification {
                user_id: result.owner_user_id,
                kind: "introduction_received",
                message: NoticeText::new(
                    format!("{who_zh}为“{}”推荐了一家企业", result.content.title.as_str()),
                    format!("{who_en} introduced a company to \"{}\"", result.content.title.as_str()),
                ),
            },
            NewNotification {
                user_id: need.owner_user_id,
                kind: "introduction_received",
                message: NoticeText::new(
                    format!("{who_zh}为“{}”推荐了一项成果", need.content.title.as_str()),
                    format!("{who_en} introduced a research result to \"{}\"", need.content.title.as_str()),
                ),
            },
        ];
        let introduction = self.store.create_introduction(&row, &notices).await?.ok_or_else(|| {
            conflict(ConflictCode::IntroductionOpen, "this pair has an introduction waiting for its answers")
        })?;
        info!(introduction_id = %introduction.id, user_id = %actor.user_id, "introduction made");
        self.introduction_view(actor, introduction).await
    }

    /// The introductions of the caller's organization or made by the caller (staff: all).
    pub async fn introductions(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<IntroductionView>, ServiceError> {
        authorize(Some(actor), Action::FollowDeals)?;
        let found = if actor.role.is_staff() {
            self.store.introductions_of(None, None, page).await?
        } else {
            self.store.introductions_of(actor.organization_id, Some(actor.user_id), page).await?
        };
        let mut items = Vec::with_capacity(found.items.len());
        for introduction in found.items {
            items.push(self.introduction_view(actor, introduction).await?);
        }
        Ok(Page { items, total: found.total })
    }

    /// One side accepts or declines; the second acceptance opens the deal.
    pub async fn answer_introduction(
        &self,
        actor: &Actor,
        id: IntroductionId,
        accept: bool,
        now: DateTime<Utc>,
    ) -> Result<IntroductionView, ServiceError> {
        let introduction = match self.store.introduction(id).await? {
            Some(introduction) if can_see_introduction(actor, &introduction) => introduction,
            _ => return Err(ServiceError::NotFound("introduction")),
        };
        let side: Side = introduction.side_of(actor).ok_or(ServiceError::Forbidden)?;
        let deal = NewDeal {
            result_id: Some(introduction.result_id),
            need_id: Some(introduction.need_id),
            research_organization: introduction.research_organization,
            company_organization: introduction.company_organization,
            stage: DealStage::Introduced,
            origin: DealOrigin::Introduction,
            introducer: Some(introduction.introducer),
            interest_id: None,
            opened_by: actor.user_id,
            at: now,
            note: Some(introduction.note.clone()),
        };
        let notice = NewNotification {
            user_id: introduction.introducer,
            kind: if accept { "introduction_accepted" } else { "introduction_declined" },
            message: if accept {
                NoticeText::new("您的一次引荐已被一方接受", "One side accepted your introduction.")
            } else {
                NoticeText::new("您的一次引荐被婉拒", "One side declined your introduction.")
            },
        };
        match self.store.answer_introduction(id, side, accept, &deal, std::slice::from_ref(&notice)).await? {
            IntroductionAnswerOutcome::Answered(answered) => {
                info!(introduction_id = %id, accept, user_id = %actor.user_id, "introduction answered");
                self.introduction_view(actor, *answered).await
            }
            IntroductionAnswerOutcome::NotOpen => {
                Err(conflict(ConflictCode::IntroductionAnswered, "this side has answered, or the introduction ended"))
            }
            IntroductionAnswerOutcome::NotFound => Err(ServiceError::NotFound("introduction")),
        }
    }

    async fn introduction_view(
        &self,
        actor: &Actor,
        introduction: Introduction,
    ) -> Result<IntroductionView, ServiceError> {
        let result_title = self
            .store
            .results_by_ids(&[introduction.result_id.0])
            .await?
            .into_iter()
            .next()
            .map(|result| result.content.title.as_str().to_owned())
            .unwrap_or_default();
        let need = self.store.needs_by_ids(&[introduction.need_id.0]).await?.into_iter().next();
        // A confidential need, and so its company, is named to the research side only once the
        // company accepted.
        let hide_company = introduction.side_of(actor) == Some(Side::Research)
            && !introduction.company_revealed_to_research()
            && need.as_ref().is_none_or(|need| need.content.confidential);
        let need_title = need.filter(|_| !hide_company).map(|need| need.content.title.as_str().to_owned());
        let research_name = self.organization_name(introduction.research_organization).await?.unwrap_or_default();
        let company_name =
            if hide_company { None } else { self.organization_name(introduction.company_organization).await? };
        Ok(IntroductionView { introduction, result_title, need_title, research_name, company_name })
    }
}
