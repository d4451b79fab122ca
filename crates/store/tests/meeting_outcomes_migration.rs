//! The migration that moved meeting outcomes onto deals, on SQLite and (when configured)
//! PostgreSQL: the schema is taken back to where meetings carried their own outcomes, outcomes
//! are written the old way, and migrating forward again leaves each on its pair's deal — a new
//! deal when the pair had none, the existing deal moved forward when it had one, with the
//! meeting pointing at it and a timeline entry saying where it came from.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{NaiveDate, Utc};
use common::{event_draft, member};
use sea_orm::{ConnectionTrait, Database};
use sea_orm_migration::MigratorTrait;
use techmatch_domain::Role;
use techmatch_domain::deal::{DealOrigin, DealStage};
use techmatch_domain::event::{MeetingSource, ParticipantRole};
use techmatch_migrations::Migrator;
use techmatch_store::testing::TestDatabase;
use techmatch_store::{NewDeal, NewParticipant, PlacedMeeting};

#[tokio::test]
async fn meeting_outcomes_move_onto_the_deals_of_their_pairs() {
    for database in TestDatabase::all().await {
        let store = database.store().await;
        let (officer, _) = member(&store, "officer@city.cn", Role::Admin, "OOOOOOOOOOOOOOOO").await;
        let (researcher, university) = member(&store, "r@lab.cn", Role::Researcher, "RRRRRRRRRRRRRRRR").await;
        let (first, first_firm) = member(&store, "c@firm.cn", Role::Company, "FFFFFFFFFFFFFFFF").await;
        let (second, second_firm) = member(&store, "d@firm.cn", Role::Company, "GGGGGGGGGGGGGGGG").await;
        let (third, third_firm) = member(&store, "e@firm.cn", Role::Company, "HHHHHHHHHHHHHHHH").await;
        let now = Utc::now();
        let event = store.create_event(&event_draft(10), officer, now).await.unwrap();
        let register = |user_id, organization_id, role| NewParticipant {
            event_id: event.id,
            user_id,
            organization_id,
            role,
            listing_ids: vec![],
            available_slots: vec![0, 1, 2, 3],
            max_meetings: 3,
        };
        let mut sides = Vec::new();
        for (user, organization, role) in [
            (researcher, university, ParticipantRole::Researcher),
            (first, first_firm, ParticipantRole::Company),
            (second, second_firm, ParticipantRole::Company),
            (third, third_firm, ParticipantRole::Company),
        ] {
            sides
                .push(store.register_participant(&register(user, organization, role), 10, now).await.unwrap().unwrap());
        }
        let [r, c, d, e] = [&sides[0], &sides[1], &sides[2], &sides[3]];
        let placed = |company, slot| PlacedMeeting {
            researcher: r.id,
            company,
            slot,
            table: 0,
            weight: 1.0,
            source: MeetingSource::Proposal,
            locked: false,
            result_id: None,
            need_id: None,
        };
        store.publish_schedule(event.id, &[placed(c.id, 0), placed(d.id, 1), placed(e.id, 2)], &[], now).await.unwrap();
        let meetings = store.meetings(event.id).await.unwrap();
        let [with_contract, with_intent, without] = [0, 1, 2]
            .map(|slot| meetings.iter().find(|meeting| meeting.slot == slot).map(|meeting| meeting.id.0).unwrap());
        // The second pair already talks on a deal of its own.
        let talks = store
            .open_meeting_deal(
                techmatch_domain::event::MeetingId(with_intent),
                &NewDeal {
                    result_id: None,
                    need_id: None,
                    research_organization: university,
                    company_organization: second_firm,
                    stage: DealStage::InTalks,
                    origin: DealOrigin::InterestFromSearch,
                    introducer: None,
                    interest_id: None,
                    opened_by: researcher,
                    at: now,
                    note: None,
                },
            )
            .await
            .unwrap();

        // Back to meetings with outcome columns, and outcomes recorded on them.
        let connection = Database::connect(database.settings.url.as_str()).await.unwrap();
        // Every migration from the one that moved outcomes onward is taken back.
        let applied = store.applied_migrations().await.unwrap();
        let since = applied.iter().position(|name| name.contains("outcomes_on_deals")).unwrap();
        Migrator::down(&connection, Some(u32::try_from(applied.len() - since).unwrap())).await.unwrap();
        assert!(!store.applied_migrations().await.unwrap().iter().any(|name| name.contains("outcomes_on_deals")));
        connection
            .execute_unprepared(&format!(
                "UPDATE meetings SET outcome_stage = 'contract_signed', contract_amount_yuan = 600000, \
                 contract_date = '2099-03-01' WHERE id = {with_contract}"
            ))
            .await
            .unwrap();
        connection
            .execute_unprepared(&format!(
                "UPDATE meetings SET outcome_stage = 'intent_signed' WHERE id = {with_intent}"
            ))
            .await
            .unwrap();
        connection.close().await.unwrap();
        store.migrate().await.unwrap();

        let meetings = store.meetings(event.id).await.unwrap();
        let meeting = |id: i64| meetings.iter().find(|meeting| meeting.id.0 == id).unwrap();
        let contract = meeting(with_contract).deal.clone().expect("the contract moved onto a deal");
        assert_eq!(contract.stage, DealStage::ContractSigned);
        assert_eq!(contract.contract_amount_yuan, Some(600_000));
        assert_eq!(contract.contract_date, NaiveDate::from_ymd_opt(2099, 3, 1));
        let opened = store.deal(contract.id).await.unwrap().unwrap();
        assert_eq!(opened.origin, DealOrigin::EventMeeting);
        assert_eq!((opened.research_organization, opened.company_organization), (university, first_firm));
        let timeline = store.deal_timeline(contract.id).await.unwrap();
        assert_eq!(timeline.len(), 1, "{timeline:?}");
        assert_eq!((timeline[0].from, timeline[0].to, timeline[0].actor), (None, DealStage::ContractSigned, officer));
        assert!(timeline[0].note.as_deref().unwrap().contains(&format!("event meeting {with_contract}")));

        let intent = meeting(with_intent).deal.clone().expect("the intent moved onto the pair's deal");
        assert_eq!(intent.id, talks.id, "the pair's existing deal, not a second one");
        assert_eq!((intent.stage, intent.furthest_stage), (DealStage::IntentSigned, DealStage::IntentSigned));
        let moved = store.deal(talks.id).await.unwrap().unwrap();
        assert_eq!((moved.origin, moved.version), (DealOrigin::InterestFromSearch, talks.version + 1));
        let stages: Vec<_> = store.deal_timeline(talks.id).await.unwrap().iter().map(|entry| entry.to).collect();
        assert_eq!(stages, [DealStage::InTalks, DealStage::IntentSigned]);

        // The funnel's figures, dropped with the migrations taken back, count every deal again,
        // the ones the migration opened too.
        let day = |offset: i64| (Utc::now() + chrono::Duration::days(offset)).date_naive();
        let rows = store.deal_funnel_rows(day(-1), day(1), None).await.unwrap();
        let by_origin = rows.iter().filter(|row| row.dimension == techmatch_store::FunnelDimension::Origin);
        let deals = store
            .deals(techmatch_store::DealFilter::default(), techmatch_store::PageRequest { offset: 0, limit: 10 })
            .await
            .unwrap();
        assert_eq!(deals.total, 2);
        assert_eq!(by_origin.map(|row| row.deals).sum::<u64>(), deals.total, "{rows:?}");
        assert!(rows.iter().all(|row| row.month.len() == 7), "{rows:?}");

        // A meeting without an outcome points at no deal.
        assert!(meeting(without).deal.is_none());
    }
}
