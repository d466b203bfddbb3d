//! The contract of the store ports: one case per behaviour, run against
//! every store (`store_contract_tests!`), so the in-memory store and the
//! DynamoDB store cannot drift apart. A store that breaks it fails the same
//! case under both.

use recovery_core::ports::Written;
use recovery_core::ports::{
    Attempt, AuditRecord, CounterUpdate, CreateAccountError, IssueOutcome, OutboxItem,
    RedeemOutcome, Redemption, Store,
};
use recovery_domain::{
    CodeRecord, CodeSecret, LoginName, OsRandom, PasswordHash, PhoneNumber, RateWindow, ResetToken,
    ResetTokenRecord, SmsCode, Tally, Timestamp, TokenPurpose, UserAccount, UserId,
};
use recovery_messages::{Channel, MessageKind};

use super::TestAccount;

mod accounts_and_tokens;
mod codes_and_audit;
mod counters;
mod feedback;
mod lifecycle;
mod outbox;
mod shared;
mod workspaces;

pub use accounts_and_tokens::*;
pub use codes_and_audit::*;
pub use counters::*;
pub use feedback::*;
pub use lifecycle::*;
pub use outbox::*;
pub use shared::*;
pub use workspaces::*;

/// One test per case of the contract, each on a store of its own from
/// `$make()` (an async function).
#[macro_export]
macro_rules! store_contract_tests {
    ($make:path) => {
        $crate::store_contract_tests!(@cases $make;
            accounts_are_found_by_login_email_phone_and_id,
            logins_emails_and_phones_stay_unique_and_a_refused_create_writes_nothing,
            replacing_a_password_kills_the_token_and_code_of_the_account,
            a_hash_is_upgraded_only_while_the_account_still_holds_it,
            an_issued_token_is_found_and_is_the_accounts_only_redeemable_one,
            a_new_token_supersedes_and_removes_the_previous_one,
            a_token_for_a_vanished_account_is_not_issued,
            a_link_is_issued_only_while_the_account_is_as_read,
            posts_sent_at_once_lock_once,
            redeeming_consumes_the_token_and_stores_the_hash_together,
            an_expired_token_is_rejected_and_changes_nothing,
            a_token_is_redeemed_only_for_its_own_account,
            the_fifth_wrong_login_burns_the_token,
            concurrent_redemptions_of_one_token_succeed_once,
            redeeming_a_token_kills_the_outstanding_code,
            codes_are_replaced_by_newer_ones,
            wrong_attempts_count_down_to_a_burned_code,
            twenty_guesses_at_once_take_only_the_attempts_a_code_has,
            a_code_is_exchanged_once_for_the_only_live_token,
            a_code_is_exchanged_only_for_an_account_that_has_the_number_and_may_recover,
            counters_and_code_are_written_together_or_not_at_all,
            a_code_request_reads_the_account_with_the_number,
            a_request_reads_its_counters_the_account_and_the_accounts_counters,
            hits_are_written_with_the_link_or_the_notice_or_nothing_is,
            hits_added_from_one_read_all_land_while_the_windows_have_room,
            a_replacing_write_and_an_added_hit_from_one_read_never_both_land,
            audit_records_are_listed_newest_first_and_concluded_once_appended,
            messages_are_written_with_the_change_that_causes_them,
            a_refused_change_writes_no_message,
            a_message_is_claimed_by_one_delivery_at_a_time_and_never_after_it_is_sent,
            a_failed_delivery_ends_the_lease_and_an_expired_message_is_never_claimed,
            a_refused_message_keeps_its_reason_and_no_payload_and_is_never_claimed_again,
            a_link_or_code_replaced_before_its_send_is_superseded_and_never_claimed_again,
            an_enqueued_notice_is_listed_newest_first_with_its_status,
            a_report_lands_on_the_message_sent_under_its_id_and_never_says_less,
            a_hard_bounce_marks_the_accounts_address_and_a_soft_one_does_not,
            details_move_their_lookups_and_never_take_another_accounts,
            disabling_kills_the_link_and_the_code_and_writes_its_event,
            a_lock_takes_the_password_link_and_code_only_while_the_change_stands,
            locked_and_disabled_are_two_states_each_with_its_way_back,
            deleting_leaves_nothing_that_names_the_account,
            workspaces_are_created_once_updated_listed_by_page_and_deleted_only_without_members,
            an_account_in_two_workspaces_is_a_member_of_each_once,
            members_are_listed_a_page_at_a_time,
            deleting_an_account_ends_its_memberships,
            an_account_created_with_workspaces_joins_them_or_is_not_created,
            the_last_memberships_removal_deletes_the_account,
            administrators_grants_are_set_exactly_and_emptied_not_deleted,
            a_shard_is_added_to_only_while_it_has_room_and_the_shards_sum,
            a_tally_counts_each_name_over_its_shards_and_writers_at_once_all_land,
            a_hold_is_placed_once_while_it_lasts_and_notices_are_taken_once,
        );
    };
    (@cases $make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $case() {
                let store = ::std::sync::Arc::new($make().await);
                $crate::contract::$case(store).await;
            }
        )*
    };
}

pub(super) const T0: i64 = 1_800_000_000;
pub(super) const NUMBER: &str = "+4915100000001";
pub(super) const OTHER_NUMBER: &str = "+4915100000002";

/// The windows the cases count their counters' hits in.
pub(super) const WINDOWS: [RateWindow; 2] =
    [RateWindow { seconds: 900, max: 3 }, RateWindow { seconds: 86_400, max: 10 }];

/// The tally of hits at `times`, in [`WINDOWS`].
pub(super) fn tally(times: &[i64]) -> Tally {
    Tally::of(&WINDOWS, times)
}

/// `task(n)` for each `n` below `count`, spawned together so that they
/// race; their results in the order of `n`.
pub(super) async fn at_once<T, F>(count: usize, task: impl Fn(usize) -> F) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<_> = (0..count).map(|n| tokio::spawn(task(n))).collect();
    let mut results = Vec::with_capacity(count);
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

pub(super) fn at(seconds: i64) -> Timestamp {
    Timestamp::from_epoch_seconds(seconds)
}

pub(super) fn hash(text: &str) -> PasswordHash {
    PasswordHash::from_phc(&format!("$argon2id${text}"))
}

pub(super) fn phone(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text).expect("a valid number")
}

/// An account with a (fake) password, `<login>@recovery.test` and, if given,
/// a number.
pub(super) async fn account(store: &impl Store, login: &str, number: Option<&str>) -> UserAccount {
    let mut account = TestAccount::new(login)
        .email(&format!("{login}@recovery.test"))
        .hash("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g");
    if let Some(number) = number {
        account = account.phone(number);
    }
    account.create_in(store).await
}

/// `ada` with a number, a live link (issued at `T0` for an hour) and an
/// outstanding code.
pub(super) async fn with_link_and_code(
    store: &impl Store,
) -> (UserAccount, ResetTokenRecord, PhoneNumber) {
    let user = account(store, "ada", Some(NUMBER)).await;
    let (_, record) = token(&user, T0, 3600);
    store.issue(&user, &record, &message(&user, T0)).await.unwrap();
    let number = phone(NUMBER);
    let sent = code(Some(&user), &number, "123456", T0);
    assert_eq!(store.store_code(&sent, &[], None).await.unwrap(), Written::Done);
    (user, record, number)
}

pub(super) async fn reread(store: &impl Store, user: &UserAccount) -> UserAccount {
    store.get(&user.id).await.unwrap().expect("the account")
}

pub(super) fn token(
    user: &UserAccount,
    issued_at: i64,
    lifetime: i64,
) -> (ResetToken, ResetTokenRecord) {
    let token = ResetToken::generate(&OsRandom).unwrap();
    let purpose = TokenPurpose::SelfService;
    let record = ResetTokenRecord::issue(&token, &user.id, purpose, at(issued_at), lifetime);
    (token, record)
}

pub(super) fn redemption<'a>(
    record: &'a ResetTokenRecord,
    user: &'a UserAccount,
    new_hash: &'a PasswordHash,
    now: i64,
) -> Redemption<'a> {
    Redemption {
        digest: &record.digest,
        user_id: &user.id,
        phone: user.phone.as_ref(),
        new_hash,
        now: at(now),
        notices: &[],
    }
}

/// A message about `user` made at `created` (its payload is opaque bytes:
/// stores never open it), to be sent within an hour.
pub(super) fn message(user: &UserAccount, created: i64) -> OutboxItem {
    OutboxItem {
        user_id: user.id.clone(),
        key: OutboxItem::new_key(created * 1000, &OsRandom).unwrap(),
        channel: Channel::Email,
        kind: MessageKind::ResetLink,
        created_at: at(created),
        send_before: at(created + 3600),
        sealed: vec![1, 2, 3, 4],
        carries: None,
        workspace: None,
    }
}

pub(super) fn code(
    user: Option<&UserAccount>,
    number: &PhoneNumber,
    typed: &str,
    issued_at: i64,
) -> CodeRecord {
    let secret = CodeSecret::new(vec![3u8; 32]).unwrap();
    CodeRecord {
        phone: number.clone(),
        user_id: user.map(|u| u.id.clone()),
        mac: secret.mac(number, &SmsCode::parse(typed).unwrap()),
        attempts_left: 5,
        issued_at: at(issued_at),
        expires_at: at(issued_at + 60),
    }
}
