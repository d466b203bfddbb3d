//! The account lifecycle and the import through the administrator's JSON
//! event, and the events for the product, over the in-memory ports (the
//! same run against moto through the functions in the system tests).

use recovery_core::flows::SetPasswordError;
use recovery_core::ports::{OutboxStore, UserStore};
use recovery_domain::{LoginName, PasswordHasher};
use recovery_edges::admin_event;
use recovery_edges::credentials_event;
use recovery_testing::World;
use serde_json::{Value, json};

use recovery_testing::accounts::{change, code_in, phone, request, token_in, world};

const BCRYPT: &str = "$2b$04$cnErr362qvujsmCuuc5MPOjmOYBav.R4wk7ANC3coxhPILHrcgts.";
const DJANGO: &str = "pbkdf2_sha256$1000$seasalt2024$vv6efMwQukIGQA5PNgPHorln9QGN/JMACNAu7hVPiWM=";

async fn admin(w: &World, mut event: Value) -> Value {
    w.clock.advance(1);
    event["requested_by"] = json!("root");
    admin_event::handle(&w.recovery, &event, "arn:aws:iam::123456789012:user/root", "req").await
}

/// The events published so far (after delivering what is waiting), as
/// `(detail-type, detail)`.
async fn events(w: &World) -> Vec<(String, Value)> {
    w.deliver().await;
    w.events
        .published()
        .into_iter()
        .map(|e| (e.detail_type, serde_json::from_str(&e.detail).unwrap()))
        .collect()
}

fn types(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(t, _)| t.as_str()).collect()
}

#[tokio::test]
async fn get_user_shows_the_account_with_its_contact_data_masked() {
    let w = world().await;
    let answer = admin(&w, json!({ "action": "get_user", "login": "ada" })).await;
    let user = &answer["user"];
    assert_eq!(user["login"], "ada", "{answer}");
    assert_eq!(user["email"], "a***@example.com");
    assert_eq!(user["phone"], "+49*********01");
    assert_eq!(user["disabled"], false);
    assert_eq!(user["locked"], false);
    assert!(user.get("locked_at").is_none());
    assert_eq!(user["has_password"], true);
    assert_eq!(user["email_status"], "ok");
    assert!(user.get("password_changed_at").is_none());
    let grace = admin(&w, json!({ "action": "get_user", "login": "grace@example.com" })).await;
    assert_eq!(grace["user"]["social_provider"], "Google");
    assert_eq!(grace["user"]["has_password"], false);
    let nobody = admin(&w, json!({ "action": "get_user", "login": "nobody" })).await;
    assert_eq!(nobody["error"], "user_not_found");
}

#[tokio::test]
async fn update_user_keeps_what_is_absent_clears_null_and_keeps_addresses_unique() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    let taken =
        admin(&w, json!({ "action": "update_user", "login": "ada", "email": "grace@example.com" }))
            .await;
    assert_eq!(taken["error"], "email_taken", "{taken}");
    let updated = admin(
        &w,
        json!({ "action": "update_user", "login": "ada", "email": "ada.new@example.com",
                "phone": null, "locale": "de-de" }),
    )
    .await;
    assert_eq!(updated["status"], "updated", "{updated}");
    assert_eq!(updated["user"]["email"], "a***@example.com");
    assert_eq!(updated["user"]["locale"], "de-DE");
    assert!(updated["user"].get("phone").is_none());
    let ada = w.store.find_by_login(&login("ada")).await.unwrap().unwrap();
    assert_eq!(ada.email.unwrap().as_str(), "ada.new@example.com");
    assert!(w.store.find_by_phone(&phone(1)).await.unwrap().is_none());
    assert!(
        matches!(
            w.recovery.set_password(change(&token, "new passphrase 2", "new passphrase 2")).await,
            Err(SetPasswordError::InvalidToken)
        ),
        "the link sent to the old address dies"
    );
    let nothing = admin(&w, json!({ "action": "update_user", "login": "ada" })).await;
    assert_eq!(nothing["error"], "invalid_event");
    let stranded =
        admin(&w, json!({ "action": "update_user", "login": "ada", "email": null })).await;
    assert_eq!(stranded["error"], "no_way_to_recover", "{stranded}");
}

#[tokio::test]
async fn disabling_kills_the_link_and_the_code_and_tells_the_product() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    request(&w, phone(1).as_e164()).await;
    let code = code_in(&w).await;
    let disabled = admin(&w, json!({ "action": "disable_user", "login": "ada" })).await;
    assert_eq!(disabled["status"], "disabled", "{disabled}");
    assert_eq!(disabled["user"]["disabled"], true);
    assert!(matches!(
        w.recovery.set_password(change(&token, "new passphrase 2", "new passphrase 2")).await,
        Err(SetPasswordError::InvalidToken)
    ));
    assert!(w.recovery.verify_code(&phone(1), &code).await.is_err());
    let again = admin(&w, json!({ "action": "disable_user", "login": "ada" })).await;
    assert_eq!(again["status"], "disabled");
    let enabled = admin(&w, json!({ "action": "enable_user", "login": "ada" })).await;
    assert_eq!(enabled["user"]["disabled"], false);
    let published = events(&w).await;
    assert_eq!(types(&published), ["AccountDisabled", "AccountEnabled"]);
    let (_, detail) = &published[0];
    assert_eq!(detail["login"], "ada");
    assert_eq!(detail["through"], "administrator");
    assert_eq!(detail["version"], 1);
    let audit = admin(&w, json!({ "action": "list_audit", "login": "ada" })).await;
    let actions: Vec<&str> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["enable_user", "disable_user", "disable_user"]);
}

#[tokio::test]
async fn a_deleted_account_leaves_its_audit_records_and_one_event() {
    let w = world().await;
    request(&w, "ada").await;
    token_in(&w).await;
    let user_id = w.store.find_by_login(&login("ada")).await.unwrap().unwrap().id;
    let deleted = admin(&w, json!({ "action": "delete_user", "login": "ada" })).await;
    assert_eq!(deleted["status"], "deleted", "{deleted}");
    assert_eq!(deleted["user_id"], user_id.as_str());
    assert!(w.store.find_by_login(&login("ada")).await.unwrap().is_none());
    let published = events(&w).await;
    assert_eq!(types(&published), ["AccountDeleted"]);
    assert_eq!(published[0].1["user_id"], user_id.as_str());
    assert!(
        w.store.messages(&user_id, 10).await.unwrap().is_empty(),
        "its messages are gone, and the published event with them"
    );
    let audit = admin(&w, json!({ "action": "list_audit", "login": "ada" })).await;
    let record = &audit["records"][0];
    assert_eq!(record["action"], "delete_user", "{audit}");
    assert_eq!(record["outcome"], "ok");
    assert!(!record.to_string().contains("example.com"));
    let gone = admin(&w, json!({ "action": "delete_user", "login": "ada" })).await;
    assert_eq!(gone["error"], "user_not_found");
}

#[tokio::test]
async fn an_import_answers_per_row_and_changes_nothing_the_second_time() {
    let w = world().await;
    let users = json!([
        { "login": "hopper", "email": "hopper@example.com", "password_hash": BCRYPT, "locale": "en" },
        { "login": "knuth", "phone": "+49 151 00000009", "password_hash": DJANGO, "disabled": false },
        { "login": "ritchie", "social_provider": "Google", "email": "ritchie@example.com" },
        { "login": "ada", "email": "ada@example.com" },
        { "login": "аda", "email": "cyrillic@example.com" },
        { "login": "dup", "email": "grace@example.com" },
        { "login": "bad hash", "email": "b@example.com" },
        { "login": "md5", "email": "md5@example.com", "password_hash": "5f4dcc3b5aa765d61d8327deb882cf99" },
        { "login": "typo", "emial": "typo@example.com" },
        { "login": "nowhere" },
    ]);
    let first = admin(&w, json!({ "action": "import_users", "users": users })).await;
    let statuses: Vec<(&str, &str)> = first["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let detail = r["reason"].as_str().or(r["field"].as_str()).unwrap_or("");
            (r["status"].as_str().unwrap(), detail)
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("created", ""),
            ("created", ""),
            ("created", ""),
            ("conflict", "differs"),
            ("conflict", "login_taken"),
            ("conflict", "email_taken"),
            ("invalid", "login"),
            ("invalid", "password_hash"),
            ("invalid", "emial"),
            ("invalid", "email"),
        ],
        "{first}"
    );
    assert_eq!(first["counts"]["created"], 3);
    let second = admin(&w, json!({ "action": "import_users", "users": users })).await;
    assert_eq!(second["counts"]["created"], 0, "{second}");
    assert_eq!(second["counts"]["unchanged"], 3);
    assert_eq!(second["results"][0]["user_id"], first["results"][0]["user_id"]);

    // The imported hashes sign in, and come out as Argon2id.
    for (login_text, typed) in [("hopper", "hopper@example.com"), ("knuth", "knuth")] {
        let answer = credentials_event::handle(
            &w.recovery,
            &json!({ "login": typed, "password": "correct horse" }),
        )
        .await;
        assert_eq!(answer["valid"], true, "{login_text}: {answer}");
        let stored = w.store.find_by_login(&login(login_text)).await.unwrap().unwrap();
        assert!(stored.password_hash.unwrap().expose_phc().starts_with("$argon2id$"));
    }
    assert!(events(&w).await.is_empty(), "an import and a rehash are not password changes");

    let too_many: Vec<Value> = (0..101)
        .map(|n| json!({ "login": format!("u{n}"), "email": format!("u{n}@example.com") }))
        .collect();
    let refused = admin(&w, json!({ "action": "import_users", "users": too_many })).await;
    assert_eq!(refused["error"], "invalid_event");
}

#[tokio::test]
async fn each_password_change_publishes_exactly_one_event() {
    let w = world().await;
    // By a link.
    request(&w, "ada").await;
    let token = token_in(&w).await;
    w.recovery.set_password(change(&token, "new passphrase 2", "new passphrase 2")).await.unwrap();
    // By a code.
    request(&w, phone(1).as_e164()).await;
    let code = code_in(&w).await;
    let accepted = w.recovery.verify_code(&phone(1), &code).await.unwrap();
    w.recovery
        .set_password(change(&accepted.reset_token, "new passphrase 3", "new passphrase 3"))
        .await
        .unwrap();
    // By an administrator.
    let set = admin(
        &w,
        json!({ "action": "set_password", "login": "ada", "password": "new passphrase 4",
                "password_confirmation": "new passphrase 4" }),
    )
    .await;
    assert_eq!(set["status"], "password_changed");
    let published = events(&w).await;
    assert_eq!(types(&published), ["PasswordChanged", "PasswordChanged", "PasswordChanged"]);
    let through: Vec<&str> =
        published.iter().map(|(_, d)| d["through"].as_str().unwrap()).collect();
    assert_eq!(through, ["reset_link", "sms_code", "administrator"]);
    let ada = w.store.find_by_login(&login("ada")).await.unwrap().unwrap();
    let (_, last) = &published[2];
    assert_eq!(last["user_id"], ada.id.as_str());
    assert_eq!(
        last["at_epoch_seconds"].as_i64(),
        ada.password_changed_at.map(|t| t.epoch_seconds())
    );
    let ids: std::collections::HashSet<&str> =
        published.iter().map(|(_, d)| d["event_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "each event has its own id");
    assert!(PasswordHasher::owasp().verify("new passphrase 4", &ada.password_hash.unwrap()));
}

fn login(text: &str) -> LoginName {
    LoginName::parse(text).unwrap()
}

/// Hashes whose check would cost more than the bound, or that are longer
/// than any hash, are each refused with the reason while the good rows of
/// the batch import; a row the store refuses for good fails alone; a
/// re-import with another hash updates an account whose password was never
/// changed here, and leaves one changed here as it is.
#[tokio::test]
async fn an_import_refuses_costly_hashes_row_by_row_and_updates_a_changed_hash() {
    let w = world().await;
    let django = |iterations: u64, bytes: usize| {
        use base64::Engine as _;
        let hash = base64::engine::general_purpose::STANDARD.encode(vec![7u8; bytes]);
        format!("pbkdf2_sha256${iterations}$seasalt2024${hash}")
    };
    let phc = |scheme: &str, params: &str| {
        format!("${scheme}${params}$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA")
    };
    let hashes = [
        ("kib", django(600_000, 1024)),
        ("giga", django(1_000_000_000, 32)),
        ("scrypt", phc("scrypt", "ln=18,r=8,p=16")),
        ("argon", phc("argon2id$v=19", "m=4194304,t=3,p=1")),
        ("long", format!("$2b$04${}", "x".repeat(100_000))),
        ("good1", BCRYPT.to_owned()),
        ("good2", DJANGO.to_owned()),
    ];
    let users: Vec<Value> = hashes
        .iter()
        .map(|(name, hash)| {
            json!({ "login": name, "email": format!("{name}@example.com"), "password_hash": hash })
        })
        .collect();
    let answer = admin(&w, json!({ "action": "import_users", "users": users })).await;
    let results = answer["results"].as_array().unwrap();
    for (result, (name, _)) in results.iter().zip(&hashes) {
        if name.starts_with("good") {
            assert_eq!(result["status"], "created", "{name}: {result}");
        } else {
            assert_eq!(result["status"], "invalid", "{name}: {result}");
            assert_eq!(result["field"], "password_hash");
            let message = result["message"].as_str().unwrap();
            assert!(message.contains("cost") || message.contains("longer"), "{name}: {message}");
            assert!(message.len() < 200 && !message.contains("xxxx"), "{name}: {message}");
        }
    }
    // The store refuses one row for good: that row fails, the next imports.
    w.store.refuse_next_create();
    let rows = json!([
        { "login": "huge", "email": "huge@example.com" },
        { "login": "after", "email": "after@example.com" },
    ]);
    let answer = admin(&w, json!({ "action": "import_users", "users": rows })).await;
    assert_eq!(answer["results"][0]["status"], "invalid", "{answer}");
    assert!(answer["results"][0]["message"].as_str().unwrap().contains("ValidationException"));
    assert_eq!(answer["results"][1]["status"], "created", "{answer}");
    // The product's users changed passwords since: a re-import brings the
    // new hash of good1, whose password was never changed here; good2's was
    // (a reset here), so it stays.
    let hash = |password: &str| {
        let password = recovery_domain::Password::new(password);
        PasswordHasher::owasp().hash(&password, &recovery_domain::OsRandom).unwrap()
    };
    let other = hash("another horse");
    let again = json!([
        { "login": "good1", "email": "good1@example.com", "password_hash": other.expose_phc() },
        { "login": "good2", "email": "good2@example.com", "password_hash": BCRYPT },
    ]);
    let good2 = w.store.find_by_login(&login("good2")).await.unwrap().unwrap();
    let set_here = hash("set here 123");
    let changed = w.store.replace_password(&good2, &set_here, w.recovery.now(), &[]);
    let changed = changed.await.unwrap();
    assert_eq!(changed, recovery_core::ports::Written::Done);
    let answer = admin(&w, json!({ "action": "import_users", "users": again })).await;
    assert_eq!(answer["results"][0]["status"], "updated", "{answer}");
    assert_eq!(answer["results"][1]["status"], "conflict");
    assert_eq!(answer["results"][1]["reason"], "password_changed_here");
    assert_eq!(answer["counts"]["updated"], 1);
    let check = |login: &str, password: &str| {
        let event = json!({ "login": login, "password": password });
        let w = &w;
        async move { credentials_event::handle(&w.recovery, &event).await["valid"] == true }
    };
    assert!(check("good1", "another horse").await);
    assert!(!check("good1", "correct horse").await);
    assert!(check("good2", "set here 123").await);
    // The same file again: unchanged.
    let answer = admin(&w, json!({ "action": "import_users", "users": again })).await;
    assert_eq!(answer["results"][0]["status"], "unchanged", "{answer}");
}
