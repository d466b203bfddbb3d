//! The contract of the account and reset-token ports.

use std::sync::Arc;

use super::*;

// ------------------------------------------------------------ accounts --

pub async fn accounts_are_found_by_login_email_phone_and_id(store: Arc<impl Store>) {
    let made = account(&*store, "ada", Some(NUMBER)).await;
    let by_login = store.find_by_login(&made.login).await.unwrap().unwrap();
    let by_email = (store.find_by_email(made.email.as_ref().unwrap()).await).unwrap().unwrap();
    let by_phone = store.find_by_phone(&phone(NUMBER)).await.unwrap().unwrap();
    let by_id = store.get(&made.id).await.unwrap().unwrap();
    for found in [&by_login, &by_email, &by_phone, &by_id] {
        assert_eq!(found.id, made.id);
        assert_eq!(found.login, made.login);
        assert_eq!(found.email, made.email);
        assert_eq!(found.phone, made.phone);
        assert!(found.password_hash.is_some());
        assert!(!found.disabled);
        assert!(found.active_reset.is_none() && found.password_changed_at.is_none());
    }
    let nobody = TestAccount::new("nobody").email("nobody@recovery.test").phone("+4915100000009");
    let nobody = nobody.new_account();
    assert!(store.find_by_login(&nobody.login).await.unwrap().is_none());
    let email = nobody.email.as_ref().unwrap();
    assert!(store.find_by_email(email).await.unwrap().is_none());
    let number = nobody.phone.as_ref().unwrap();
    assert!(store.find_by_phone(number).await.unwrap().is_none());
    let id = UserId::from_stored("0123456789abcdef0123456789abcdef");
    assert!(store.get(&id).await.unwrap().is_none());
    // The stand-in is read like an account and is none.
    store.read_stand_in(&[]).await.unwrap();
    store.read_stand_in(&["guesses", "familiar#00"]).await.unwrap();
    assert!(store.get(&UserId::stand_in()).await.unwrap().is_none());
}

pub async fn logins_emails_and_phones_stay_unique_and_a_refused_create_writes_nothing(
    store: Arc<impl Store>,
) {
    account(&*store, "ada", Some(NUMBER)).await;
    let attempts = [
        ("ada", "other@recovery.test", None, CreateAccountError::LoginTaken),
        ("bob", "ada@recovery.test", None, CreateAccountError::EmailTaken),
        ("bob", "other@recovery.test", Some(NUMBER), CreateAccountError::PhoneTaken),
        // A login that looks like one taken (a Cyrillic а, U+0430).
        ("\u{430}da", "other@recovery.test", None, CreateAccountError::LoginTaken),
        // The login is checked first.
        ("ada", "ada@recovery.test", Some(NUMBER), CreateAccountError::LoginTaken),
    ];
    for (login, email, number, refusal) in attempts {
        let mut new = TestAccount::new(login).email(email);
        if let Some(number) = number {
            new = new.phone(number);
        }
        let id = UserId::generate(&OsRandom).unwrap();
        let err = store.create(new.new_account(), id, at(T0)).await.unwrap_err();
        assert_eq!(err, refusal, "{login} {email} {number:?}");
    }
    // No refusal left a login, email or account behind.
    let bob = TestAccount::new("bob").email("other@recovery.test").new_account();
    assert!(store.find_by_login(&bob.login).await.unwrap().is_none());
    assert!(store.find_by_email(bob.email.as_ref().unwrap()).await.unwrap().is_none());
    let lookalike = LoginName::parse("\u{430}da").unwrap();
    assert!(store.find_by_login(&lookalike).await.unwrap().is_none());
    let id = UserId::generate(&OsRandom).unwrap();
    store.create(bob, id, at(T0)).await.unwrap();
}

pub async fn a_hash_is_upgraded_only_while_the_account_still_holds_it(store: Arc<impl Store>) {
    let (user, record, _) = with_link_and_code(&*store).await;
    let user = reread(&*store, &user).await;
    let old = user.password_hash.clone().unwrap();
    assert_eq!(store.upgrade_hash(&user, &old, &hash("upgraded")).await.unwrap(), Written::Done);
    let after = reread(&*store, &user).await;
    assert_eq!(after.password_hash.as_ref().unwrap().expose_phc(), hash("upgraded").expose_phc());
    // Not a password change: the link lives on, no change is recorded.
    assert_eq!(after.password_changed_at, user.password_changed_at);
    assert_eq!(after.active_reset, Some(record.digest.clone()));
    // A reset meanwhile wins: the upgrade of the hash read before it is refused.
    assert_eq!(
        store.replace_password(&after, &hash("reset"), at(T0 + 5), &[]).await.unwrap(),
        Written::Done
    );
    assert_eq!(
        store.upgrade_hash(&after, &hash("upgraded"), &hash("late")).await.unwrap(),
        Written::Stale
    );
    let last = reread(&*store, &user).await;
    assert_eq!(last.password_hash.unwrap().expose_phc(), hash("reset").expose_phc());
}

pub async fn replacing_a_password_kills_the_token_and_code_of_the_account(store: Arc<impl Store>) {
    let (user, record, number) = with_link_and_code(&*store).await;
    let user = reread(&*store, &user).await;
    assert_eq!(
        store.replace_password(&user, &hash("direct"), at(T0 + 5), &[]).await.unwrap(),
        Written::Done
    );
    let after = reread(&*store, &user).await;
    assert_eq!(after.password_hash.unwrap().expose_phc(), hash("direct").expose_phc());
    assert_eq!(after.password_changed_at, Some(at(T0 + 5)));
    assert_eq!(after.active_reset, None);
    assert!(store.find(&record.digest).await.unwrap().is_none());
    assert!(store.find_code(&number).await.unwrap().is_none());
    let new_hash = hash("late");
    let late = redemption(&record, &user, &new_hash, T0 + 6);
    assert_eq!(store.redeem(late).await.unwrap(), RedeemOutcome::Rejected);

    let gone = TestAccount::new("ghost").new_account().open(UserId::from_stored("ghost"));
    assert_eq!(
        store.replace_password(&gone, &hash("x"), at(T0), &[]).await.unwrap(),
        Written::Stale
    );
    assert!(store.get(&gone.id).await.unwrap().is_none(), "nothing created");
}

// -------------------------------------------------------------- tokens --

pub async fn an_issued_token_is_found_and_is_the_accounts_only_redeemable_one(
    store: Arc<impl Store>,
) {
    let user = account(&*store, "ada", None).await;
    let (token, record) = token(&user, T0, 3600);
    assert_eq!(
        store.issue(&user, &record, &message(&user, T0)).await.unwrap(),
        IssueOutcome::Issued
    );
    assert_eq!(store.find(&token.digest()).await.unwrap(), Some(record.clone()));
    assert_eq!(reread(&*store, &user).await.active_reset, Some(token.digest()));
    let (other, _) = self::token(&user, T0, 3600);
    assert!(store.find(&other.digest()).await.unwrap().is_none());
}

pub async fn a_new_token_supersedes_and_removes_the_previous_one(store: Arc<impl Store>) {
    let user = account(&*store, "ada", None).await;
    let (_, first) = token(&user, T0, 3600);
    store.issue(&user, &first, &message(&user, T0)).await.unwrap();
    let user = reread(&*store, &user).await;
    let (_, second) = token(&user, T0 + 10, 3600);
    store.issue(&user, &second, &message(&user, T0)).await.unwrap();
    assert!(store.find(&first.digest).await.unwrap().is_none());
    let new_hash = hash("new");
    let stale = redemption(&first, &user, &new_hash, T0 + 20);
    assert_eq!(store.redeem(stale).await.unwrap(), RedeemOutcome::Rejected);
    let current = redemption(&second, &user, &new_hash, T0 + 20);
    assert_eq!(store.redeem(current).await.unwrap(), RedeemOutcome::Redeemed);
}

pub async fn a_token_for_a_vanished_account_is_not_issued(store: Arc<impl Store>) {
    let gone = TestAccount::new("ghost").new_account().open(UserId::from_stored("ghost"));
    let (_, record) = token(&gone, T0, 3600);
    assert_eq!(
        store.issue(&gone, &record, &message(&gone, T0)).await.unwrap(),
        IssueOutcome::AccountChanged
    );
    assert!(store.find(&record.digest).await.unwrap().is_none());
    assert!(store.get(&gone.id).await.unwrap().is_none());
}

pub async fn redeeming_consumes_the_token_and_stores_the_hash_together(store: Arc<impl Store>) {
    let user = account(&*store, "ada", None).await;
    let (_, record) = token(&user, T0, 3600);
    store.issue(&user, &record, &message(&user, T0)).await.unwrap();
    let new_hash = hash("a new passphrase");
    let redeem = || redemption(&record, &user, &new_hash, T0 + 100);
    assert_eq!(store.redeem(redeem()).await.unwrap(), RedeemOutcome::Redeemed);
    let after = reread(&*store, &user).await;
    assert_eq!(after.password_hash.unwrap().expose_phc(), new_hash.expose_phc());
    assert_eq!(after.password_changed_at, Some(at(T0 + 100)));
    assert_eq!(after.active_reset, None);
    assert!(store.find(&record.digest).await.unwrap().is_none());
    assert_eq!(store.redeem(redeem()).await.unwrap(), RedeemOutcome::Rejected, "single use");
}

pub async fn an_expired_token_is_rejected_and_changes_nothing(store: Arc<impl Store>) {
    let user = account(&*store, "ada", None).await;
    let old_hash = user.password_hash.clone().unwrap();
    let (_, record) = token(&user, T0, 60);
    store.issue(&user, &record, &message(&user, T0)).await.unwrap();
    let new_hash = hash("new");
    // One second past the lifetime: refused, whatever the caller checked.
    let late = redemption(&record, &user, &new_hash, T0 + 60);
    assert_eq!(store.redeem(late).await.unwrap(), RedeemOutcome::Rejected);
    let after = reread(&*store, &user).await;
    assert_eq!(after.password_hash.unwrap().expose_phc(), old_hash.expose_phc());
    assert!(store.find(&record.digest).await.unwrap().is_some(), "the record stays");
    let last_second = redemption(&record, &user, &new_hash, T0 + 59);
    assert_eq!(store.redeem(last_second).await.unwrap(), RedeemOutcome::Redeemed);
}

pub async fn a_token_is_redeemed_only_for_its_own_account(store: Arc<impl Store>) {
    let ada = account(&*store, "ada", None).await;
    let bob = account(&*store, "bob", None).await;
    let (_, adas) = token(&ada, T0, 3600);
    store.issue(&ada, &adas, &message(&ada, T0)).await.unwrap();
    let (_, bobs) = token(&bob, T0, 3600);
    store.issue(&bob, &bobs, &message(&bob, T0)).await.unwrap();
    let bob = reread(&*store, &bob).await;
    // A digest already stored is not issued again, to anyone.
    let taken = ResetTokenRecord { digest: adas.digest.clone(), ..bobs.clone() };
    assert!(store.issue(&bob, &taken, &message(&bob, T0)).await.is_err());
    assert_eq!(reread(&*store, &bob).await.active_reset, Some(bobs.digest.clone()));
    let new_hash = hash("stolen");
    let as_bob = redemption(&adas, &bob, &new_hash, T0 + 1);
    assert_eq!(store.redeem(as_bob).await.unwrap(), RedeemOutcome::Rejected);
    let untouched = reread(&*store, &bob).await;
    let (before, after) = (bob.password_hash.unwrap(), untouched.password_hash.unwrap());
    assert_eq!(after.expose_phc(), before.expose_phc());
    let as_ada = redemption(&adas, &ada, &new_hash, T0 + 1);
    assert_eq!(store.redeem(as_ada).await.unwrap(), RedeemOutcome::Redeemed);
}

pub async fn concurrent_redemptions_of_one_token_succeed_once(store: Arc<impl Store + 'static>) {
    let user = account(&*store, "ada", None).await;
    let (_, record) = token(&user, T0, 3600);
    store.issue(&user, &record, &message(&user, T0)).await.unwrap();
    let outcomes = at_once(20, |i| {
        let (store, record, user) = (store.clone(), record.clone(), user.clone());
        async move {
            let new_hash = hash(&format!("attempt{i}"));
            store.redeem(redemption(&record, &user, &new_hash, T0 + 100)).await.unwrap()
        }
    })
    .await;
    let mut redeemed = 0;
    for outcome in outcomes {
        match outcome {
            RedeemOutcome::Redeemed => redeemed += 1,
            RedeemOutcome::Rejected | RedeemOutcome::Conflict => {}
        }
    }
    assert_eq!(redeemed, 1);
}

pub async fn redeeming_a_token_kills_the_outstanding_code(store: Arc<impl Store>) {
    let (user, record, number) = with_link_and_code(&*store).await;
    let new_hash = hash("new");
    let redeem = redemption(&record, &user, &new_hash, T0 + 10);
    assert_eq!(store.redeem(redeem).await.unwrap(), RedeemOutcome::Redeemed);
    assert!(store.find_code(&number).await.unwrap().is_none());
}

pub async fn the_fifth_wrong_login_burns_the_token(store: Arc<impl Store>) {
    let user = account(&*store, "ada", None).await;
    let (_, record) = token(&user, T0, 3600);
    store.issue(&user, &record, &message(&user, T0)).await.unwrap();
    for left in (1..5).rev() {
        assert_eq!(store.record_wrong_login(&record.digest, 5).await.unwrap(), left);
        assert!(store.find(&record.digest).await.unwrap().is_some());
    }
    assert_eq!(store.record_wrong_login(&record.digest, 5).await.unwrap(), 0);
    assert!(store.find(&record.digest).await.unwrap().is_none());
    assert_eq!(store.record_wrong_login(&record.digest, 5).await.unwrap(), 0);
}
