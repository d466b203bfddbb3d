//! The contract of delivery reports: a provider's report lands on the
//! message it sent under that id, never on another; a report that says
//! less does not replace one that says more; a hard bounce or complaint
//! marks the account's address.

use std::sync::Arc;

use super::*;
use recovery_core::ports::{DeliveryReport, DeliveryState, Feedback, Reported};
use recovery_domain::{EmailAddress, EmailTrouble, EmailTroubleKind};

/// `item` enqueued and sent under the provider id `provider`.
async fn sent(store: &impl Store, item: &OutboxItem, provider: &str) {
    store.enqueue(item).await.unwrap();
    store.claim(item, at(T0), at(T0 + 60)).await.unwrap();
    let state = DeliveryState::Sent { provider_id: provider.into() };
    store.record(item, at(T0 + 1), &state).await.unwrap();
}

fn report(item: &OutboxItem, provider: &str, feedback: Feedback, when: i64) -> DeliveryReport {
    DeliveryReport {
        message: item.reference(),
        provider_id: provider.into(),
        feedback,
        at: at(when),
        recipient: Some(EmailAddress::parse("ada@recovery.test").unwrap()),
        detail: format!("{} detail", feedback.name()),
    }
}

pub async fn a_report_lands_on_the_message_sent_under_its_id_and_never_says_less(
    store: Arc<impl Store>,
) {
    let user = account(&*store, "ada", None).await;
    let item = message(&user, T0);
    sent(&*store, &item, "ses-1").await;
    let delivered = report(&item, "ses-1", Feedback::Delivered, T0 + 10);
    assert_eq!(store.report(&delivered).await.unwrap(), Reported::Recorded);
    assert_eq!(
        store.report(&delivered).await.unwrap(),
        Reported::Recorded,
        "the same report again (a retried invocation) changes nothing"
    );
    let status = store.messages(&user.id, 1).await.unwrap().remove(0);
    assert_eq!(status.feedback, Some(Feedback::Delivered));
    assert_eq!(status.feedback_at, Some(at(T0 + 10)));
    assert_eq!(status.feedback_detail.as_deref(), Some("delivered detail"));
    assert_eq!(status.delivery, "sent", "the delivery state stays");

    let complained = report(&item, "ses-1", Feedback::Complained, T0 + 20);
    assert_eq!(store.report(&complained).await.unwrap(), Reported::Recorded);
    let late = report(&item, "ses-1", Feedback::Delivered, T0 + 15);
    assert_eq!(store.report(&late).await.unwrap(), Reported::Superseded);
    let status = store.messages(&user.id, 1).await.unwrap().remove(0);
    assert_eq!(status.feedback, Some(Feedback::Complained));
    assert_eq!(status.feedback_at, Some(at(T0 + 20)));

    // Another provider id, a message never sent, a message that is not
    // there: nothing recorded.
    let other = report(&item, "ses-2", Feedback::Bounced, T0 + 30);
    assert_eq!(store.report(&other).await.unwrap(), Reported::Unknown);
    let pending = message(&user, T0 + 1);
    store.enqueue(&pending).await.unwrap();
    let unsent = report(&pending, "ses-1", Feedback::Delivered, T0 + 30);
    assert_eq!(store.report(&unsent).await.unwrap(), Reported::Unknown);
    let missing = report(&message(&user, T0 + 2), "ses-1", Feedback::Delivered, T0);
    assert_eq!(store.report(&missing).await.unwrap(), Reported::Unknown);
    let listed = store.messages(&user.id, 10).await.unwrap();
    assert_eq!(listed.len(), 2, "a report creates no message");
    assert_eq!(listed[0].feedback, None);
    assert_eq!(listed[1].feedback, Some(Feedback::Complained));
    assert_eq!(
        reread(&*store, &user).await.email_trouble.map(|t| t.kind),
        Some(EmailTroubleKind::Complained)
    );
}

pub async fn a_hard_bounce_marks_the_accounts_address_and_a_soft_one_does_not(
    store: Arc<impl Store>,
) {
    let user = account(&*store, "ada", None).await;
    let first = message(&user, T0);
    sent(&*store, &first, "ses-1").await;
    let soft = report(&first, "ses-1", Feedback::SoftBounced, T0 + 5);
    assert_eq!(store.report(&soft).await.unwrap(), Reported::Recorded);
    assert_eq!(reread(&*store, &user).await.email_trouble, None);

    let hard = report(&first, "ses-1", Feedback::Bounced, T0 + 6);
    assert_eq!(store.report(&hard).await.unwrap(), Reported::Recorded);
    let account = reread(&*store, &user).await;
    let trouble = EmailTrouble {
        kind: EmailTroubleKind::Bounced,
        address: EmailAddress::parse("ada@recovery.test").unwrap(),
        at: at(T0 + 6),
    };
    assert_eq!(account.email_trouble, Some(trouble.clone()));
    assert_eq!(account.current_email_trouble(), Some(&trouble));
    assert_eq!(
        (account.disabled, account.password_hash.is_some()),
        (false, true),
        "nothing else on the account changes"
    );

    // A bounce for an address the account no longer has is kept, but is
    // not the current address's trouble.
    let second = message(&user, T0 + 1);
    sent(&*store, &second, "ses-2").await;
    let elsewhere = DeliveryReport {
        recipient: Some(EmailAddress::parse("old@recovery.test").unwrap()),
        ..report(&second, "ses-2", Feedback::Bounced, T0 + 7)
    };
    assert_eq!(store.report(&elsewhere).await.unwrap(), Reported::Recorded);
    let account = reread(&*store, &user).await;
    assert_eq!(account.current_email_trouble(), None);

    // The account of a message may be gone; its report is still recorded.
    let gone = UserAccount { id: UserId::from_stored("gone"), ..user.clone() };
    let orphan = message(&gone, T0);
    sent(&*store, &orphan, "ses-3").await;
    let bounce = report(&orphan, "ses-3", Feedback::Bounced, T0 + 8);
    assert_eq!(store.report(&bounce).await.unwrap(), Reported::Recorded);
    assert!(store.get(&gone.id).await.unwrap().is_none(), "no account made");
}
