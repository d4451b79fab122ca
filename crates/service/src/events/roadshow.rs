//! Roadshows: which registered results to put on stage (greedy coverage of the registered
//! companies' needs), which companies to invite for them, and the confirmed order.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use techmatch_domain::event::{EventId, EventStatus, Participant, ParticipantId, ParticipantRole, RegistrationStatus};
use techmatch_domain::listing::NeedId;
use techmatch_domain::{Action, Actor, authorize};

use super::{EventService, conflict, invalid};
use crate::error::{ConflictCode, ServiceError};

/// A company a result on stage serves best, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct CoveredCompany {
    pub participant: ParticipantId,
    pub organization_name: String,
    pub need_id: i64,
    pub need_title: String,
    pub score: f64,
    pub matched_terms: Vec<String>,
}

/// A recommended presentation: the result, what it adds to the coverage of the registered
/// companies' needs, and the companies it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRecommendation {
    pub result_id: i64,
    pub result_title: String,
    pub researcher: ParticipantId,
    pub gain: f64,
    pub covers: Vec<CoveredCompany>,
}

/// A company worth inviting to hear a result, from anywhere on the platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub organization_id: i64,
    pub organization_name: String,
    pub need_id: i64,
    pub need_title: String,
    pub result_id: i64,
    pub score: f64,
    pub matched_terms: Vec<String>,
    pub registered: bool,
}

impl EventService {
    /// The results to put on stage: greedy maximum coverage of the registered companies' needs
    /// (see `techmatch_matching::roadshow`), each with the companies it serves and why.
    pub async fn roadshow_recommendation(
        &self,
        actor: &Actor,
        event_id: EventId,
        places: usize,
    ) -> Result<Vec<StageRecommendation>, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        let participants: Vec<Participant> = self
            .store
            .participants(event.id)
            .await?
            .into_iter()
            .filter(|participant| participant.status == RegistrationStatus::Approved)
            .collect();
        let mut result_columns: Vec<(i64, ParticipantId)> = Vec::new();
        for researcher in participants.iter().filter(|p| p.role == ParticipantRole::Researcher) {
            for &result in &researcher.listing_ids {
                result_columns.push((result, researcher.id));
            }
        }
        let column_of: HashMap<i64, usize> =
            result_columns.iter().enumerate().map(|(column, (result, _))| (*result, column)).collect();
        let companies: Vec<&Participant> = participants.iter().filter(|p| p.role == ParticipantRole::Company).collect();
        let mut scores = vec![vec![0.0; result_columns.len()]; companies.len()];
        // Why: (company row, result column) → (need id, need title, matched terms).
        let mut reasons: HashMap<(usize, usize), (i64, String, Vec<String>)> = HashMap::new();
        self.matches.catch_up(actor).await;
        let matching = self.matches.without_waiting();
        for (row, company) in companies.iter().enumerate() {
            for &need in &company.listing_ids {
                let matches = match matching.matches_for_need(actor, NeedId(need), 200).await {
                    Ok(matches) => matches,
                    Err(ServiceError::NotFound(_)) => continue,
                    Err(error) => return Err(error),
                };
                let need_title = self
                    .store
                    .find_need(NeedId(need))
                    .await?
                    .map(|found| found.content.title.as_str().to_owned())
                    .unwrap_or_default();
                for found in matches {
                    let Some(&column) = column_of.get(&found.result.id.0) else { continue };
                    if found.explanation.score > scores[row][column] {
                        scores[row][column] = found.explanation.score;
                        let terms = found.explanation.matched_terms.iter().map(|term| term.term.clone()).collect();
                        reasons.insert((row, column), (need, need_title.clone(), terms));
                    }
                }
            }
        }
        let picks = tokio::task::spawn_blocking(move || {
            let picks = techmatch_matching::roadshow::choose_presentations(&scores, places);
            (picks, scores)
        })
        .await
        .map_err(|error| ServiceError::Internal(anyhow::Error::new(error).context("roadshow task failed")))?
        .0;
        let titles: HashMap<i64, String> = self
            .store
            .results_by_ids(&result_columns.iter().map(|(result, _)| *result).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|result| (result.id.0, result.content.title.as_str().to_owned()))
            .collect();
        let names = self.organization_names(companies.iter().copied()).await?;
        Ok(picks
            .into_iter()
            .map(|pick| {
                let (result_id, researcher) = result_columns[pick.result];
                StageRecommendation {
                    result_id,
                    result_title: titles.get(&result_id).cloned().unwrap_or_default(),
                    researcher,
                    gain: pick.gain,
                    covers: pick
                        .covers
                        .iter()
                        .map(|&(row, score)| {
                            let (need_id, need_title, matched_terms) =
                                reasons.get(&(row, pick.result)).cloned().unwrap_or_default();
                            CoveredCompany {
                                participant: companies[row].id,
                                organization_name: names.get(&companies[row].id).cloned().unwrap_or_default(),
                                need_id,
                                need_title,
                                score,
                                matched_terms,
                            }
                        })
                        .collect(),
                }
            })
            .collect())
    }

    /// Companies across the platform whose needs the chosen results answer best, one line per
    /// company (its best need), registered companies marked.
    pub async fn invitations(
        &self,
        actor: &Actor,
        event_id: EventId,
        result_ids: &[i64],
    ) -> Result<Vec<Invitation>, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        if result_ids.is_empty() || result_ids.len() > 20 {
            return Err(invalid("results", "out_of_range", "name between 1 and 20 result ids"));
        }
        let registered: HashSet<i64> = self
            .store
            .participants(event.id)
            .await?
            .into_iter()
            .filter(|participant| participant.status != RegistrationStatus::Rejected)
            .map(|participant| participant.organization_id.0)
            .collect();
        let mut best: HashMap<i64, Invitation> = HashMap::new();
        self.matches.catch_up(actor).await;
        let matching = self.matches.without_waiting();
        for &result in result_ids {
            let found = matching.matches_for_result(actor, techmatch_domain::listing::ResultId(result), 50).await?;
            for matched in found {
                let organization = matched.need.organization_id.0;
                let score = matched.explanation.score;
                if best.get(&organization).is_some_and(|current| current.score >= score) {
                    continue;
                }
                best.insert(
                    organization,
                    Invitation {
                        organization_id: organization,
                        organization_name: String::new(),
                        need_id: matched.need.id.0,
                        need_title: matched.need.content.title.as_str().to_owned(),
                        result_id: result,
                        score,
                        matched_terms: matched.explanation.matched_terms.iter().map(|term| term.term.clone()).collect(),
                        registered: registered.contains(&organization),
                    },
                );
            }
        }
        let mut invitations: Vec<Invitation> = best.into_values().collect();
        for invitation in &mut invitations {
            invitation.organization_name = self
                .store
                .find_organization(techmatch_domain::OrganizationId(invitation.organization_id))
                .await?
                .map(|organization| organization.name.as_str().to_owned())
                .unwrap_or_default();
        }
        invitations.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.organization_id.cmp(&b.organization_id)));
        Ok(invitations)
    }

    /// The officer confirms the order of presentations: results registered by approved
    /// researchers of the event, each once.
    pub async fn confirm_presentations(
        &self,
        actor: &Actor,
        event_id: EventId,
        result_ids: &[i64],
    ) -> Result<Vec<(i64, String)>, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        if event.status == EventStatus::Closed {
            return Err(conflict(ConflictCode::EventClosed, "the event is closed"));
        }
        let on_offer: HashSet<i64> = self
            .store
            .participants(event.id)
            .await?
            .into_iter()
            .filter(|participant| {
                participant.status == RegistrationStatus::Approved && participant.role == ParticipantRole::Researcher
            })
            .flat_map(|participant| participant.listing_ids)
            .collect();
        let unique: HashSet<i64> = result_ids.iter().copied().collect();
        if result_ids.len() > 50 || unique.len() != result_ids.len() {
            return Err(invalid("result_ids", "invalid_order", "list at most 50 results, each once"));
        }
        if let Some(stranger) = result_ids.iter().find(|result| !on_offer.contains(result)) {
            return Err(invalid(
                "result_ids",
                "not_registered",
                &format!("result {stranger} is not registered by an approved researcher of this event"),
            ));
        }
        self.store.replace_presentations(event_id, result_ids, actor.user_id, Utc::now()).await?;
        self.presentations(Some(actor), event_id).await
    }

    /// The confirmed presentations in order, with titles (public for public events).
    pub async fn presentations(
        &self,
        actor: Option<&Actor>,
        event_id: EventId,
    ) -> Result<Vec<(i64, String)>, ServiceError> {
        let event = self.get(actor, event_id).await?;
        let order = self.store.presentations(event.id).await?;
        let titles: HashMap<i64, String> = self
            .store
            .results_by_ids(&order)
            .await?
            .into_iter()
            .map(|result| (result.id.0, result.content.title.as_str().to_owned()))
            .collect();
        Ok(order.into_iter().map(|id| (id, titles.get(&id).cloned().unwrap_or_default())).collect())
    }
}
