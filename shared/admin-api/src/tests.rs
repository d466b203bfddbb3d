use serde_json::json;

use super::*;

fn event(value: Value) -> Result<AdminEvent, String> {
    read_event(&value)
}

#[test]
fn an_event_is_read_by_its_action_and_blank_fields_are_absent() {
    let invite = event(json!({
        "action": "invite_user", "requested_by": "ops", "login": "ada",
        "email": "  ", "phone": null, "locale": "de", "unknown": 1,
    }))
    .unwrap();
    assert_eq!(invite.requested_by.as_deref(), Some("ops"));
    let AdminRequest::InviteUser { login, email, phone, locale, .. } = invite.request else {
        panic!("{invite:?}")
    };
    assert_eq!((login.as_str(), email, phone, locale.as_deref()), ("ada", None, None, Some("de")));

    let listed = event(json!({ "action": "list_audit", "requested_by": "ops", "login": "ada" }));
    assert!(matches!(listed.unwrap().request, AdminRequest::ListAudit { limit: None, .. }));

    // Whom the caller acts for is optional: the caller is who signed.
    let unnamed = event(json!({ "action": "get_user", "login": "ada" })).unwrap();
    assert_eq!(unnamed.requested_by, None);
}

#[test]
fn an_event_it_cannot_read_says_what_is_wrong() {
    let cases = [
        (json!({ "requested_by": "ops", "login": "ada" }), "action"),
        (json!({ "action": "reboot", "requested_by": "ops" }), "unknown variant `reboot`"),
        (json!({ "action": "get_user", "requested_by": "ops" }), "missing field `login`"),
        (
            json!({ "action": "get_user", "requested_by": "ops", "login": 5 }),
            "The field `login`: invalid type: integer `5`, expected a string.",
        ),
        (
            json!({ "action": "send_recovery_link", "requested_by": "o", "login": "a", "channel": "fax" }),
            "The field `channel`: unknown variant `fax`",
        ),
        (
            json!({ "action": "list_audit", "requested_by": "o", "login": "a", "limit": -1 }),
            "The field `limit`: invalid value: integer `-1`, expected u32.",
        ),
    ];
    for (value, expected) in cases {
        let err = event(value.clone()).unwrap_err();
        assert!(err.contains(expected), "{value}: {err}");
    }
}

#[test]
fn the_event_names_the_field_it_refuses() {
    let valid = [
        json!({ "action": "send_recovery_link", "requested_by": "o", "login": "a", "channel": "sms" }),
        json!({ "action": "set_password", "requested_by": "o", "login": "a", "password": "p", "password_confirmation": "p" }),
        json!({ "action": "invite_user", "requested_by": "o", "login": "a", "email": "e", "phone": "p", "locale": "de" }),
        json!({ "action": "list_audit", "requested_by": "o", "login": "a", "limit": 5 }),
        json!({ "action": "list_messages", "requested_by": "o", "login": "a", "limit": 5 }),
        json!({ "action": "update_user", "requested_by": "o", "login": "a", "email": "e", "phone": "p", "social_provider": "G", "locale": "de" }),
        json!({ "action": "import_users", "requested_by": "o", "users": [] }),
        json!({ "action": "create_workspace", "workspace": "w", "name": "n", "login_url": "u", "logo_url": "l", "accent_color": "c", "support_contact": "s", "language": "de" }),
        json!({ "action": "list_workspaces", "after": "a", "limit": 5 }),
        json!({ "action": "add_member", "workspace": "w", "login": "a" }),
        json!({ "action": "list_members", "workspace": "w", "after": "a", "limit": 5 }),
    ];
    for event in valid {
        assert!(read_event(&event).is_ok(), "{event}");
        for field in event.as_object().unwrap().keys().filter(|f| *f != "action") {
            let mut mistyped = event.clone();
            mistyped[field] = json!({ "not": "this" });
            let err = read_event(&mistyped).unwrap_err();
            assert!(err.starts_with(&format!("The field `{field}`: ")), "{err}");
        }
    }
}

#[test]
fn an_update_keeps_what_is_absent_and_removes_what_is_null_or_blank() {
    let update = event(json!({
        "action": "update_user", "requested_by": "ops", "login": "ada",
        "email": "ada@example.com", "phone": null, "locale": " ",
    }))
    .unwrap();
    let AdminRequest::UpdateUser { change, .. } = update.request else { panic!() };
    assert_eq!(
        change,
        DetailsPatch {
            email: Patch::Set("ada@example.com".into()),
            phone: Patch::Clear,
            social_provider: Patch::Keep,
            locale: Patch::Clear,
            workspaces: None,
        }
    );
    let written = serde_json::to_value(AdminEvent {
        requested_by: Some("ops".into()),
        request: AdminRequest::UpdateUser { login: "ada".into(), change },
    })
    .unwrap();
    assert_eq!(
        written,
        json!({ "action": "update_user", "requested_by": "ops", "login": "ada",
                "email": "ada@example.com", "phone": null, "locale": null })
    );
}

#[test]
fn a_password_is_never_printed() {
    let set = event(json!({
        "action": "set_password", "requested_by": "ops", "login": "ada",
        "password": "correct horse", "password_confirmation": "correct horse",
    }))
    .unwrap();
    assert!(!format!("{set:?}").contains("correct horse"));
    assert!(serde_json::to_string(&set).unwrap().contains("correct horse"), "it is sent as given");
}

#[test]
fn a_client_reads_each_answer_as_what_it_is() {
    let imported: AdminResponse = serde_json::from_value(json!({
        "results": [
            { "status": "created", "login": "ada", "user_id": "u1" },
            { "status": "invalid", "field": "email", "message": "not an address" },
        ],
        "counts": { "created": 1, "unchanged": 0, "conflict": 0, "invalid": 1 },
    }))
    .unwrap();
    let AdminResponse::Imported { results, counts } = imported else { panic!() };
    assert_eq!(
        results.iter().map(ImportOutcome::status).collect::<Vec<_>>(),
        ["created", "invalid"]
    );
    assert_eq!(counts["invalid"], 1);

    let failed: AdminResponse = serde_json::from_value(
        json!({ "error": "invalid_event", "message": "The field `users` must hold 1 to 100 accounts." }),
    )
    .unwrap();
    assert!(
        matches!(failed, AdminResponse::Failed(Failure { error, .. }) if error == "invalid_event")
    );

    let done: AdminResponse =
        serde_json::from_value(json!({ "status": "deleted", "user_id": "u1" })).unwrap();
    assert!(matches!(done, AdminResponse::Done(Done::Deleted { .. })));
    let changed = serde_json::to_value(AdminResponse::Done(Done::PasswordChanged)).unwrap();
    assert_eq!(changed, json!({ "status": "password_changed" }));
}
