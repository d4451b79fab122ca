//! Event storage on SQLite and (when configured) PostgreSQL: registrations against capacity,
//! request expiry with notices, answering only pending unexpired requests, and a schedule
//! replaced whole.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, Utc};
use common::{event_draft, member};
use techmatch_domain::event::{EventStatus, MeetingSource, ParticipantRole, RegistrationStatus, RequestStatus};
use techmatch_domain::{Role, UserId};
use techmatch_store::testing::TestDatabase;
use techmatch_store::{NewMeetingRequest, NewNotification, NewParticipant, PlacedMeeting};

fn notice(user_id: UserId, kind: &'static str) -> NewNotification {
    NewNotification {
        user_id,
        kind,
        message: techmatch_domain::event::NoticeText::new(format!("{kind} 通知"), format!("{kind} notice")),
    }
}

#[tokio::test]
async fn registrations_requests_and_schedules_are_stored_faithfully() {
    for database in TestDatabase::all().await {
        let store = database.store().await;
        let (officer, _) = member(&store, "officer@city.cn", Role::Admin, "OOOOOOOOOOOOOOOO").await;
        let (researcher, university) = member(&store, "r@lab.cn", Role::Researcher, "RRRRRRRRRRRRRRRR").await;
        let (company, firm) = member(&store, "c@firm.cn", Role::Company, "FFFFFFFFFFFFFFFF").await;
        let (late, late_firm) = member(&store, "late@firm.cn", Role::Company, "LLLLLLLLLLLLLLLL").await;
        let now = Utc::now();

        let event = store.create_event(&event_draft(2), officer, now).await.unwrap();
        assert_eq!(store.find_event(event.id).await.unwrap().unwrap().content, event.content);
        assert!(store.set_event_status(event.id, EventStatus::Draft, EventStatus::Open, now).await.unwrap());
        assert!(!store.set_event_status(event.id, EventStatus::Draft, EventStatus::Open, now).await.unwrap());
        assert_eq!(
            store.list_events(true, techmatch_store::PageRequest { offset: 0, limit: 10 }).await.unwrap().total,
            1
        );

        let register = |user_id, organization_id, role| NewParticipant {
            event_id: event.id,
            user_id,
            organization_id,
            role,
            listing_ids: vec![1],
            available_slots: vec![0, 1, 2],
            max_meetings: 2,
        };
        let r =
            store.register_participant(&register(researcher, university, ParticipantRole::Researcher), 2, now).await;
        let r = r.unwrap().unwrap();
        let twice =
            store.register_participant(&register(researcher, university, ParticipantRole::Researcher), 2, now).await;
        assert!(matches!(twice, Err(techmatch_store::StoreError::UniqueViolation(_))), "{twice:?}");
        let c = store.register_participant(&register(company, firm, ParticipantRole::Company), 2, now).await;
        let c = c.unwrap().unwrap();
        let full = store.register_participant(&register(late, late_firm, ParticipantRole::Company), 2, now).await;
        assert_eq!(full.unwrap(), None, "the event is at capacity");
        store
            .set_registration_status(
                r.id,
                RegistrationStatus::Approved,
                &notice(researcher, "registration_approved"),
                now,
            )
            .await
            .unwrap();
        assert_eq!(store.find_participant(r.id).await.unwrap().unwrap().status, RegistrationStatus::Approved);

        // One request already past its expiry, one still open.
        let stale = store
            .create_meeting_request(
                &NewMeetingRequest {
                    event_id: event.id,
                    from: c.id,
                    to: r.id,
                    message: "老请求".into(),
                    expires_at: now - Duration::minutes(1),
                },
                &notice(researcher, "request_received"),
                now,
            )
            .await
            .unwrap();
        let fresh = store
            .create_meeting_request(
                &NewMeetingRequest {
                    event_id: event.id,
                    from: r.id,
                    to: c.id,
                    message: "新请求".into(),
                    expires_at: now + Duration::hours(2),
                },
                &notice(company, "request_received"),
                now,
            )
            .await
            .unwrap();
        assert!(
            !store
                .answer_meeting_request(stale.id, RequestStatus::Accepted, &notice(company, "request_accepted"), now)
                .await
                .unwrap(),
            "an expired request cannot be accepted"
        );
        let expired = store
            .expire_meeting_requests(event.id, now, |request| {
                vec![notice(researcher, "request_expired"); usize::from(request.id == stale.id)]
            })
            .await
            .unwrap();
        assert_eq!(expired.iter().map(|request| request.id).collect::<Vec<_>>(), vec![stale.id]);
        assert!(
            store.expire_meeting_requests(event.id, now, |_| Vec::new()).await.unwrap().is_empty(),
            "sweeping twice is a no-op"
        );
        assert!(
            store
                .answer_meeting_request(fresh.id, RequestStatus::Accepted, &notice(researcher, "request_accepted"), now)
                .await
                .unwrap()
        );
        assert!(
            !store
                .answer_meeting_request(fresh.id, RequestStatus::Declined, &notice(researcher, "request_declined"), now)
                .await
                .unwrap()
        );
        let requests = store.meeting_requests(event.id).await.unwrap();
        let statuses: Vec<RequestStatus> = requests.iter().map(|request| request.status).collect();
        assert_eq!(statuses, vec![RequestStatus::Expired, RequestStatus::Accepted]);

        let kinds: Vec<String> =
            store.notifications(researcher, 50).await.unwrap().into_iter().map(|n| n.kind).collect();
        assert!(
            kinds.contains(&"request_expired".to_owned()) && kinds.contains(&"registration_approved".to_owned()),
            "{kinds:?}"
        );
        let before = store.notifications(researcher, 50).await.unwrap().len();
        store.mark_notifications_read(researcher, now, now - Duration::days(90)).await.unwrap();
        let read = store.notifications(researcher, 50).await.unwrap();
        assert_eq!(read.len(), before, "notifications read just now are kept");
        assert!(read.iter().all(|notice| notice.read_at.is_some()));
        // Months later: what was read long ago is forgotten, a new unread notice is kept.
        let later = now + Duration::days(120);
        store.publish_schedule(event.id, &[], &[notice(researcher, "schedule_changed")], later).await.unwrap();
        store.mark_notifications_read(researcher, later, later - Duration::days(90)).await.unwrap();
        let kept = store.notifications(researcher, 50).await.unwrap();
        assert_eq!(kept.iter().map(|notice| notice.kind.as_str()).collect::<Vec<_>>(), vec!["schedule_changed"]);
        // (PostgreSQL keeps microseconds.)
        assert_eq!(kept[0].read_at.map(|at| at.timestamp_micros()), Some(later.timestamp_micros()));

        // A schedule replaces the previous one whole and marks the event scheduled.
        let placed = |slot| PlacedMeeting {
            researcher: r.id,
            company: c.id,
            slot,
            table: 1,
            weight: 100.0,
            source: MeetingSource::Request,
            locked: false,
            result_id: None,
            need_id: None,
        };
        store.publish_schedule(event.id, &[placed(0)], &[notice(company, "schedule_published")], now).await.unwrap();
        store.publish_schedule(event.id, &[placed(2)], &[notice(company, "schedule_changed")], now).await.unwrap();
        let meetings = store.meetings(event.id).await.unwrap();
        assert_eq!(meetings.len(), 1);
        assert_eq!((meetings[0].slot, meetings[0].table), (2, 1));
        assert_eq!(store.find_event(event.id).await.unwrap().unwrap().status, EventStatus::Scheduled);
    }
}
