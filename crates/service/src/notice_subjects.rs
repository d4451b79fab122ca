//! The subject line of a notice's e-mail, by its kind, in the recipient's language.

use techmatch_domain::Language;

/// Every kind of notice the platform sends, with its subject in Chinese and English.
pub const NOTICE_SUBJECTS: [(&str, &str, &str); 18] = [
    ("registration_approved", "活动报名已通过", "Your event registration was approved"),
    ("registration_rejected", "活动报名未通过", "Your event registration was declined"),
    ("request_received", "您收到一个洽谈请求", "You received a meeting request"),
    ("request_accepted", "您的洽谈请求已被接受", "Your meeting request was accepted"),
    ("request_declined", "您的洽谈请求被婉拒", "Your meeting request was declined"),
    ("request_expired", "洽谈请求已过期", "A meeting request expired"),
    ("schedule_published", "洽谈日程已发布", "The meeting schedule is out"),
    ("schedule_changed", "洽谈日程有变动", "The meeting schedule changed"),
    ("meeting_moved", "一场洽谈改了时间或桌号", "A meeting moved"),
    ("interest_received", "有人对您的发布表达了合作意向", "Someone is interested in your listing"),
    ("interest_accepted", "您的合作意向已被接受", "Your interest was accepted"),
    ("interest_declined", "您的合作意向未被接受", "Your interest was declined"),
    ("interest_expired", "您的合作意向已过期", "Your interest expired"),
    ("interest_reminder", "有合作意向等待您答复", "An interest is waiting for your answer"),
    ("introduction_received", "您收到一次引荐", "You were introduced to a match"),
    ("introduction_accepted", "您的引荐已被接受", "Your introduction was accepted"),
    ("introduction_declined", "您的引荐被婉拒", "Your introduction was declined"),
    ("message_received", "您收到一条新留言", "You have a new message"),
];

/// A kind without a subject of its own (none should be) is named by its code.
pub fn subject(kind: &str, language: Language) -> String {
    NOTICE_SUBJECTS
        .iter()
        .find(|(known, _, _)| *known == kind)
        .map_or_else(|| kind.replace('_', " "), |(_, chinese, english)| language.pick(chinese, english).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_the_service_sends_has_a_subject_in_both_languages() {
        // The kinds are the string literals after `kind:` in the service's sources.
        let sources = [
            include_str!("deals/interests.rs"),
            include_str!("deals/introductions.rs"),
            include_str!("deals/messages.rs"),
            include_str!("events/placement.rs"),
            include_str!("events/registrations.rs"),
            include_str!("events/requests.rs"),
            include_str!("events/scheduling.rs"),
        ];
        let mut kinds = Vec::new();
        for source in sources {
            for (index, _) in source.match_indices("kind: ") {
                let rest = &source[index..source.len().min(index + 200)];
                let line = rest.lines().next().unwrap_or("");
                kinds.extend(line.split('"').skip(1).step_by(2).map(str::to_owned));
            }
        }
        assert!(kinds.len() >= 12, "the kinds were found: {kinds:?}");
        for kind in kinds {
            assert_ne!(subject(&kind, Language::Chinese), kind.replace('_', " "), "{kind} has no Chinese subject");
            assert_ne!(subject(&kind, Language::English), kind.replace('_', " "), "{kind} has no English subject");
        }
        assert_eq!(subject("request_received", Language::English), "You received a meeting request");
    }
}
