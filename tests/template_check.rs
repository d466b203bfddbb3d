//! Checks of `template.yaml` against the code that cfn-lint cannot make:
//! references inside the functions, each function's environment against the
//! variables its code reads, its routes against the routes its code serves,
//! and its IAM policy against the AWS calls its code makes (observed at the
//! emulator while the functions run a tour of every flow). Each check is shown
//! to fail on a planted mistake.

use std::collections::{BTreeMap, BTreeSet};

use recovery_core::ports::MessageRef;
use recovery_edges::config::Function;
use recovery_edges::http::ROUTES;
use recovery_testing::token_from;
use serde_json::json;
use serde_yaml_ng::Value;
use system_tests::*;

#[path = "template_check/access.rs"]
mod access;
#[path = "template_check/protection.rs"]
mod protection;

/// IAM actions this service may use at all; anything else is a typo or a new
/// dependency that needs a look.
const KNOWN_ACTIONS: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "ses:SendEmail",
    "sns:Publish",
    "events:PutEvents",
    "secretsmanager:GetSecretValue",
];

const PSEUDO_PARAMETERS: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

struct Template {
    doc: Value,
}

/// A function resource: its logical id, binary name and properties.
struct FunctionResource<'a> {
    logical_id: String,
    binary: String,
    properties: &'a Value,
}

fn template_text() -> String {
    std::fs::read_to_string(workspace_root().join("template.yaml")).expect("read template.yaml")
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => {
            items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect()
        }
        _ => Vec::new(),
    }
}

impl Template {
    fn parse(text: &str) -> Template {
        Template { doc: serde_yaml_ng::from_str(text).expect("template.yaml is YAML") }
    }

    fn resources(&self) -> &serde_yaml_ng::Mapping {
        self.doc["Resources"].as_mapping().expect("Resources")
    }

    fn names(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self
            .resources()
            .keys()
            .chain(
                self.doc["Parameters"]
                    .as_mapping()
                    .map(|m| m.keys().collect::<Vec<_>>())
                    .unwrap_or_default(),
            )
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect();
        names.extend(PSEUDO_PARAMETERS.iter().map(|p| p.to_string()));
        // SAM makes a function's URL `<function>Url` from its FunctionUrlConfig.
        for function in self.functions() {
            if !function.properties["FunctionUrlConfig"].is_null() {
                names.insert(format!("{}Url", function.logical_id));
            }
        }
        names
    }

    fn functions(&self) -> Vec<FunctionResource<'_>> {
        self.resources()
            .iter()
            .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
            .map(|(id, r)| FunctionResource {
                logical_id: id.as_str().unwrap_or("").to_owned(),
                binary: r["Metadata"]["BuildProperties"]["Binary"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                properties: &r["Properties"],
            })
            .collect()
    }

    /// Every name a `!Ref`, `!GetAtt` or `!Sub` under `value` points at.
    fn references(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Tagged(tagged) => {
                let tag = tagged.tag.to_string();
                match (tag.trim_start_matches('!'), &tagged.value) {
                    ("Ref", Value::String(name)) => out.push(name.clone()),
                    ("GetAtt", Value::String(name)) => {
                        out.push(name.split('.').next().unwrap_or("").to_owned())
                    }
                    ("GetAtt", Value::Sequence(parts)) => {
                        out.extend(parts.first().and_then(|p| p.as_str()).map(str::to_owned))
                    }
                    ("Sub", Value::String(text)) => {
                        for piece in text.split("${").skip(1) {
                            let name = piece.split('}').next().unwrap_or("");
                            if !name.starts_with('!') {
                                out.push(name.split('.').next().unwrap_or("").to_owned());
                            }
                        }
                    }
                    (_, inner) => Self::references(inner, out),
                }
            }
            Value::Mapping(map) => map.values().for_each(|v| Self::references(v, out)),
            Value::Sequence(items) => items.iter().for_each(|v| Self::references(v, out)),
            _ => {}
        }
    }

    fn check_references(&self) -> Vec<String> {
        let names = self.names();
        let mut problems = Vec::new();
        let mut scopes: Vec<(String, &Value)> =
            self.functions().into_iter().map(|f| (f.logical_id, f.properties)).collect();
        scopes.push(("Globals".into(), &self.doc["Globals"]));
        scopes.push(("Outputs".into(), &self.doc["Outputs"]));
        for (scope, value) in scopes {
            let mut refs = Vec::new();
            Self::references(value, &mut refs);
            for name in refs {
                if !names.contains(&name) {
                    problems.push(format!(
                        "{scope}: reference to {name}, which is no resource or parameter"
                    ));
                }
            }
        }
        problems
    }

    fn environment(&self, function: &FunctionResource<'_>) -> BTreeSet<String> {
        let keys = |value: &Value| -> Vec<String> {
            value["Environment"]["Variables"]
                .as_mapping()
                .map(|m| m.keys().filter_map(|k| k.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        };
        let mut env: BTreeSet<String> =
            keys(&self.doc["Globals"]["Function"]).into_iter().collect();
        env.extend(keys(function.properties));
        env
    }

    fn check_environment(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let declared: BTreeSet<String> = self.functions().into_iter().map(|f| f.binary).collect();
        for function in Function::ALL {
            if !declared.contains(function.name()) {
                problems.push(format!("{}: no function in the template", function.name()));
            }
        }
        for resource in self.functions() {
            let Some(function) = Function::ALL.into_iter().find(|f| f.name() == resource.binary)
            else {
                problems.push(format!(
                    "{}: binary {:?} is no function of the code",
                    resource.logical_id, resource.binary
                ));
                continue;
            };
            // Built in its own package directory, cargo resolves the
            // function's features alone: it links only the SDK clients it
            // uses. From the workspace root every function would link all.
            let code_uri = resource.properties["CodeUri"].as_str().unwrap_or("");
            let wanted = format!("functions/{}", function.name());
            if code_uri != wanted {
                problems.push(format!(
                    "{}: CodeUri is {code_uri:?}, not {wanted:?}",
                    resource.logical_id
                ));
            }
            let set = self.environment(&resource);
            let read: BTreeSet<String> =
                function.variables().iter().map(|v| v.to_string()).collect();
            for missing in read.difference(&set) {
                problems.push(format!(
                    "{}: reads {missing}, which the template does not set",
                    resource.logical_id
                ));
            }
            for extra in set.difference(&read) {
                problems.push(format!(
                    "{}: sets {extra}, which its code never reads",
                    resource.logical_id
                ));
            }
        }
        problems
    }

    fn routes(&self, function: &FunctionResource<'_>) -> BTreeSet<(String, String)> {
        function.properties["Events"]
            .as_mapping()
            .map(|events| {
                events
                    .values()
                    .filter(|e| e["Type"].as_str() == Some("HttpApi"))
                    .map(|e| {
                        (
                            e["Properties"]["Method"].as_str().unwrap_or("").to_uppercase(),
                            e["Properties"]["Path"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn check_routes(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for resource in self.functions() {
            let in_template = self.routes(&resource);
            let in_code: BTreeSet<(String, String)> = ROUTES
                .iter()
                .filter(|(f, _, _)| f.name() == resource.binary)
                .map(|(_, m, p)| (m.to_string(), p.to_string()))
                .collect();
            for (method, path) in in_template.difference(&in_code) {
                problems.push(format!(
                    "{}: route {method} {path} is not served by its code",
                    resource.logical_id
                ));
            }
            for (method, path) in in_code.difference(&in_template) {
                problems.push(format!(
                    "{}: serves {method} {path}, which the template does not route",
                    resource.logical_id
                ));
            }
        }
        problems
    }

    fn allowed_actions(&self, function: &FunctionResource<'_>) -> Vec<String> {
        let mut actions = Vec::new();
        for policy in function.properties["Policies"].as_sequence().into_iter().flatten() {
            for statement in policy["Statement"].as_sequence().into_iter().flatten() {
                if statement["Effect"].as_str() == Some("Allow") {
                    actions.extend(strings(&statement["Action"]));
                }
            }
        }
        actions
    }

    fn check_action_names(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for resource in self.functions() {
            if let Some(managed) =
                resource.properties["Policies"].as_sequence().into_iter().flatten().find(|p| {
                    p.as_str().is_some()
                        || p.as_mapping().is_some_and(|m| {
                            m.keys().any(|k| k.as_str().is_some_and(|k| k.ends_with("Policy")))
                        })
                })
            {
                problems.push(format!(
                    "{}: managed or template policy {managed:?}; list the actions",
                    resource.logical_id
                ));
            }
            for action in self.allowed_actions(&resource) {
                if action.contains('*') {
                    problems.push(format!("{}: wildcard action {action}", resource.logical_id));
                } else if !KNOWN_ACTIONS.contains(&action.as_str()) {
                    problems.push(format!("{}: unknown action {action}", resource.logical_id));
                }
            }
        }
        problems
    }

    /// `observed`: binary name → IAM actions its calls needed.
    fn check_policies(&self, observed: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
        let mut problems = Vec::new();
        for resource in self.functions() {
            let allowed: BTreeSet<String> = self.allowed_actions(&resource).into_iter().collect();
            let used = observed.get(&resource.binary).cloned().unwrap_or_default();
            for action in used.difference(&allowed) {
                problems.push(format!(
                    "{}: calls {action}, which its policy does not allow",
                    resource.logical_id
                ));
            }
            for action in allowed.difference(&used) {
                problems.push(format!(
                    "{}: allows {action}, which its code never calls",
                    resource.logical_id
                ));
            }
        }
        problems
    }

    fn static_problems(&self) -> Vec<String> {
        let mut problems = self.check_references();
        problems.extend(self.check_environment());
        problems.extend(self.check_routes());
        problems.extend(self.check_action_names());
        problems.extend(self.check_protection());
        problems.extend(self.check_admin_entry());
        problems
    }
}

/// The IAM actions an emulator call-log entry needed.
fn iam_actions(call: &serde_json::Value) -> Vec<String> {
    let service = call["service"].as_str().unwrap_or("");
    let action = call["action"].as_str().unwrap_or("");
    match (service, action) {
        ("dynamodb", "TransactWriteItems") => call["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|kind| kind.as_str())
            .map(|kind| match kind {
                "ConditionCheck" => "dynamodb:ConditionCheckItem".to_owned(),
                other => format!("dynamodb:{other}Item"),
            })
            .collect(),
        ("dynamodb", action) => vec![format!("dynamodb:{action}")],
        ("ses", "POST /v2/email/outbound-emails") => vec!["ses:SendEmail".into()],
        ("ses", other) => vec![format!("ses:{other}")],
        ("sns", action) => vec![format!("sns:{action}")],
        (service, action) => vec![format!("{service}:{action}")],
    }
}

#[test]
fn the_template_matches_the_code() {
    let problems = Template::parse(&template_text()).static_problems();
    assert!(problems.is_empty(), "template.yaml:\n{}", problems.join("\n"));
}

#[test]
fn planted_mistakes_are_caught() {
    let text = template_text();
    let plant = |from: &str, to: &str, expected: &str| {
        assert!(text.contains(from), "the template no longer has {from:?}");
        let planted = text.replacen(from, to, 1);
        let problems = Template::parse(&planted).static_problems();
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "planting {to:?} was not caught as {expected:?}: {problems:?}"
        );
    };
    plant(
        "  CloudFront:\n    Type: String\n    Default: \"false\"",
        "  CloudFront:\n    Type: String\n    Default: \"true\"",
        "CloudFront is not off",
    );
    plant("AggregateKeyType: IP", "AggregateKeyType: FORWARDED_IP", "no rate per viewer");
    plant(
        "  AuditTrail:\n    Type: String\n    Default: \"false\"",
        "  AuditTrail:\n    Type: String\n    Default: \"true\"",
        "AuditTrail is not off",
    );
    plant(
        "                - !GetAtt AdminResetFunction.Arn\n                - !GetAtt VerifyCredentialsFunction.Arn\n",
        "                - !GetAtt VerifyCredentialsFunction.Arn\n",
        "does not record AdminResetFunction",
    );
    plant(
        "            - Effect: Deny\n              Action: sns:Publish\n",
        "            - Effect: Allow\n              Action: sns:Publish\n",
        "may publish to SNS topics",
    );
    plant(", CloudFront-Viewer-Address]", "]", "does not forward CloudFront-Viewer-Address");
    plant(
        "        AuthType: AWS_IAM\n",
        "        AuthType: NONE\n",
        "no function URL with AuthType AWS_IAM",
    );
    plant(
        "                lambda:InvokedViaFunctionUrl: \"true\"\n",
        "                lambda:InvokedViaFunctionUrl: \"false\"\n",
        "lambda:InvokeFunction not limited to InvokedViaFunctionUrl",
    );
    plant(
        "                lambda:FunctionUrlAuthType: AWS_IAM\n",
        "                lambda:FunctionUrlAuthType: NONE\n",
        "no lambda:InvokeFunctionUrl for AuthType AWS_IAM only",
    );
    plant(
        "Resources:\n",
        "Resources:\n  Backdoor:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: !Ref AdminResetFunction\n      Principal: !Ref AWS::AccountId\n",
        "a resource policy on AdminResetFunction",
    );
    plant("HeaderName: X-Origin-Verify", "HeaderName: X-Origin", "no X-Origin-Verify");
    plant("MAIL_FROM: !Ref MailFrom", "MAIL_FROM: !Ref MailForm", "reference to MailForm");
    plant(
        "Resource: !GetAtt RecoveryTable.Arn",
        "Resource: !GetAtt RecoveryTabel.Arn",
        "reference to RecoveryTabel",
    );
    plant("${AWS::AccountId}:identity/*", "${AccountId}:identity/*", "reference to AccountId");
    plant(
        "          FORGOT_RESPONSE_FLOOR_MS: !Ref ForgotResponseFloorMs\n",
        "",
        "reads FORGOT_RESPONSE_FLOOR_MS",
    );
    plant(
        "          LOCK_PAGE_URL: !Ref LockPageUrl\n          EDITION",
        "          LOCK_PAGE_URL: !Ref LockPageUrl\n          SMS_CODE_SECRET_ARN: !Ref SmsCodeSecret\n          EDITION",
        "sets SMS_CODE_SECRET_ARN",
    );
    plant(
        "          SMS_CODE_SECRET_ARN: !Ref SmsCodeSecret\n",
        "          SMS_CODE_SECRET_ARN: !Ref ServiceName\n",
        "SMS_CODE_SECRET_ARN names no Secrets Manager secret",
    );
    plant(
        "  ServiceName:\n    Type: String\n",
        "  ServiceName:\n    Type: String\n    NoEcho: true\n",
        "holds the NoEcho parameter ServiceName",
    );
    // Deliver's (the email events topic's policy lets SES publish).
    plant(
        "Action: sns:Publish\n              Resource: \"*\"",
        "Action: sns:Publsh\n              Resource: \"*\"",
        "unknown action sns:Publsh",
    );
    plant(
        "                - dynamodb:Query\n",
        "                - dynamodb:*\n",
        "wildcard action dynamodb:*",
    );
    plant(
        "Path: /password/code\n            Method: POST",
        "Path: /password/codes\n            Method: POST",
        "route POST /password/codes",
    );
    plant(
        "Path: /password/reset\n            Method: GET",
        "Path: /password/reset\n            Method: PUT",
        "serves GET /password/reset",
    );
    plant("        Binary: verify-code", "        Binary: verify-codes", "verify-codes");
    plant("      CodeUri: functions/verify-code", "      CodeUri: .", "CodeUri is \".\"");
    plant("        ThrottlingRateLimit: !Ref ApiRateLimit\n", "", "no ThrottlingRateLimit");
    plant(
        "\"POST /password/forgot\":\n          ThrottlingRateLimit: !Ref ApiSendRateLimit",
        "\"POST /password/forgot\":\n          ThrottlingRateLimit: 1000",
        "POST /password/forgot: no ThrottlingRateLimit of its own",
    );
    plant(
        "ReservedConcurrentExecutions: !If [ReserveSetPassword, !Ref SetPasswordConcurrency, !Ref AWS::NoValue]",
        "ReservedConcurrentExecutions: 10",
        "SetPasswordFunction: no ReservedConcurrentExecutions",
    );
    plant("Threshold: !Ref SmsSpendAlarmUsd", "Threshold: 50", "SmsSpendAlarm: threshold");
    plant(
        "MetricName: SMSMonthToDateSpentUSD",
        "MetricName: SMSSuccessRate",
        "no alarm on SMSMonthToDateSpentUSD",
    );
    plant(
        "Dimensions: [{Name: FunctionName, Value: !Ref SetPasswordFunction}]\n            Period: 300\n            Stat: Sum\n        - Id: deliver",
        "Dimensions: [{Name: FunctionName, Value: !Ref DeliverFunction}]\n            Period: 300\n            Stat: Sum\n        - Id: deliver",
        "no alarm watches SetPasswordFunction's Throttles",
    );
    plant(
        "AllowedValues: [DEBUG, INFO, WARN, ERROR]",
        "AllowedValues: [TRACE, DEBUG, INFO, WARN, ERROR]",
        "LogLevel offers TRACE",
    );

    // The policy check, with the calls the code is known to make.
    let template = Template::parse(&text);
    let mut observed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for resource in template.functions() {
        observed.insert(
            resource.binary.clone(),
            template.allowed_actions(&resource).into_iter().collect(),
        );
    }
    assert!(template.check_policies(&observed).is_empty());
    observed.get_mut("verify-code").unwrap().insert("dynamodb:Query".into());
    observed.get_mut("deliver").unwrap().remove("sns:Publish");
    let problems = template.check_policies(&observed);
    assert!(
        problems.iter().any(|p| p.contains("VerifyCodeFunction: calls dynamodb:Query")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("DeliverFunction: allows sns:Publish")),
        "{problems:?}"
    );

    // The item check, with the items the code is known to touch.
    let mut none = Vec::new();
    let mut items: BTreeMap<String, BTreeSet<(String, String)>> = (template.functions().iter())
        .map(|f| (f.binary.clone(), template.granted_items(f, &mut none)))
        .collect();
    assert!(none.is_empty() && template.check_items(&items).is_empty(), "{none:?}");
    let planted = |from: &str, to: &str| {
        assert!(text.contains(from), "the template no longer has {from:?}");
        Template::parse(&text.replacen(from, to, 1))
    };
    let wider = planted(
        "dynamodb:LeadingKeys: [\"OUTBOX#*\"]",
        "dynamodb:LeadingKeys: [\"OUTBOX#*\", \"AUDIT#*\"]",
    );
    let problems = wider.check_items(&items);
    let expected =
        "SetPasswordFunction: allows dynamodb:PutItem on AUDIT# items, which it never touches";
    assert!(problems.iter().any(|p| p == expected), "{problems:?}");
    let unbounded = planted(
        "              Condition:\n                ForAllValues:StringLike:\n                  dynamodb:LeadingKeys: [\"USER#*\"]\n",
        "",
    );
    let problems = unbounded.check_items(&items);
    assert!(
        problems.iter().any(|p| p.ends_with("on any item (no dynamodb:LeadingKeys condition)"))
    );
    items
        .get_mut("verify-credentials")
        .unwrap()
        .insert(("dynamodb:PutItem".into(), "AUDIT#".into()));
    let problems = template.check_items(&items);
    let expected = "VerifyCredentialsFunction: dynamodb:PutItem on AUDIT# items, which its policy does not allow";
    assert!(problems.iter().any(|p| p == expected), "{problems:?}");
}

/// Runs every flow through the functions so that each makes every kind of
/// AWS call it can, then compares the calls with the policies; also sends
/// every route of the template to its function.
#[tokio::test(flavor = "multi_thread")]
async fn every_call_is_allowed_every_permission_is_used_and_every_route_is_served() {
    let f = Functions::start(&[]);
    let template = Template::parse(&template_text());

    // Routes: each template route reaches code that serves it; others do not.
    for resource in template.functions() {
        for (method, path) in template.routes(&resource) {
            let url = format!("{}/lambda-url/{}{path}", f.base, resource.binary);
            let status = http(&method, &url, &[("Content-Type", "application/json")], b"{}").status;
            assert!(
                status != 404 && status != 405,
                "{method} {path} on {}: {status}",
                resource.binary
            );
        }
    }
    let stray =
        http("GET", &format!("{}/lambda-url/request-reset/password/elsewhere", f.base), &[], b"");
    assert_eq!(stray.status, 404);

    // A tour of every flow.
    let login = unique("tour");
    let phone = unique_phone();
    let tourist = account(&login).phone(&phone).password("the old password 1");
    let tourist = create(&f.table, tourist).await;
    let email = format!("{login}@recovery.test");
    for _ in 0..2 {
        assert_eq!(post_json(&f.forgot_url(), &json!({ "login": login })).status, 202);
    }
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": phone })).status, 202);
    let code = texts_to(&phone).pop().unwrap()[..6].to_owned();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(post_json(&f.code_url(), &json!({ "phone": phone, "code": wrong })).status, 400);
    let accepted = post_json(&f.code_url(), &json!({ "phone": phone, "code": code }));
    let token = accepted.json()["reset_token"].as_str().unwrap().to_owned();
    assert_eq!(http("GET", &format!("{}?token={token}", f.reset_url()), &[], b"").status, 200);
    assert_eq!(
        post_json(&f.forgot_url(), &json!({ "login": phone })).status,
        202,
        "an outstanding code"
    );
    let changed = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": "toured passphrase 1", "password_confirmation": "toured passphrase 1" }),
    );
    assert_eq!(changed.status, 200);
    // The product's sign-in check: a wrong password, the new one, and an
    // imported bcrypt hash upgraded on success.
    let check = |login: &str, password: &str| {
        f.invoke("verify-credentials", &json!({ "login": login, "password": password }))
    };
    assert_eq!(check(&login, "the old password 1")["valid"], false);
    assert_eq!(check(&login, "toured passphrase 1")["valid"], true);
    // By email and by phone: their lookups.
    for typed in [&email, &phone] {
        assert_eq!(check(typed, "toured passphrase 1")["valid"], true, "{typed}");
    }
    // The forgotten login, by email and by phone.
    let forgot_login = format!("{}/lambda-url/request-reset/password/forgot-login", f.base);
    for contact in [&email, &phone] {
        let asked = post_json(&forgot_login, &json!({ "contact": contact }));
        assert_eq!(asked.status, 202, "{}", asked.text());
    }
    // SES reports a bounce of the tourist's newest email.
    f.settle();
    let listed = f.invoke_admin(&json!({ "action": "list_messages", "login": login }));
    let sent = (listed["messages"].as_array().into_iter().flatten())
        .find(|m| m["channel"] == "email" && m["provider_id"].is_string())
        .expect("an email SES took");
    let reference = MessageRef {
        user_id: tourist.id.clone(),
        key: sent["message"].as_str().unwrap().to_owned(),
    };
    let provider_id = sent["provider_id"].as_str().unwrap();
    let bounce = ses_notification("bounce", &reference, provider_id, &email);
    assert_eq!(f.invoke_deliver(&bounce), json!({ "recorded": 1 }));
    let imported = unique("imported");
    create(&f.table, account(&imported).hash(BCRYPT_OF_CORRECT_HORSE)).await;
    assert_eq!(check(&imported, "correct horse")["valid"], true);
    let admin = "tour@example.com";
    let invited = unique("invited");
    let invited_phone = unique_phone();
    let result = f.invoke_admin(&json!({ "action": "invite_user", "login": invited, "email": format!("{invited}@recovery.test"), "phone": invited_phone, "requested_by": admin }));
    assert_eq!(result["status"], "invited");
    let result = f.invoke_admin(&json!({ "action": "send_recovery_link", "login": invited, "channel": "sms", "requested_by": admin }));
    assert_eq!(result["status"], "queued");
    let result = f.invoke_admin(&json!({ "action": "set_password", "login": invited, "password": "toured passphrase 2", "password_confirmation": "toured passphrase 2", "requested_by": admin }));
    assert_eq!(result["status"], "password_changed");
    let result =
        f.invoke_admin(&json!({ "action": "list_audit", "login": invited, "requested_by": admin }));
    assert!(result["records"].is_array());
    // The account lifecycle and the import.
    for by in [invited.clone(), format!("{invited}@recovery.test"), invited_phone.clone()] {
        let result =
            f.invoke_admin(&json!({ "action": "get_user", "login": by, "requested_by": admin }));
        assert_eq!(result["user"]["login"], invited.as_str(), "{result}");
    }
    let result = f.invoke_admin(&json!({ "action": "update_user", "login": invited, "email": format!("{invited}.new@recovery.test"), "phone": null, "locale": "de", "requested_by": admin }));
    assert_eq!(result["status"], "updated", "{result}");
    for action in ["disable_user", "enable_user", "delete_user"] {
        let result =
            f.invoke_admin(&json!({ "action": action, "login": invited, "requested_by": admin }));
        assert!(result.get("error").is_none(), "{action}: {result}");
    }
    let imported_too = unique("imported");
    let users = json!([{ "login": imported_too, "email": format!("{imported_too}@recovery.test"), "password_hash": BCRYPT_OF_CORRECT_HORSE }]);
    let result =
        f.invoke_admin(&json!({ "action": "import_users", "users": users, "requested_by": admin }));
    assert_eq!(result["counts"]["created"], 1, "{result}");
    // "This was not me", from the notice of the tourist's new password,
    // while a link asked by email is outstanding.
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": email })).status, 202);
    f.settle();
    let lock = emails_to(&format!("{login}@recovery.test"))
        .into_iter()
        .rev()
        .find_map(|m| m.link_starting_with(&format!("{LOCK_PAGE_URL}?token=")))
        .expect("a lock link in the notice");
    let lock_token = token_from(&lock).expect("its token");
    let asked = http("GET", &format!("{}?token={lock_token}", f.lock_url()), &[], b"");
    assert_eq!(asked.status, 200);
    let locked = post_json(&f.lock_url(), &json!({ "token": lock_token }));
    assert_eq!(locked.status, 200, "{}", locked.text());
    // The events of all this, published by deliver.
    assert!(!f.events().is_empty());

    // On-Premise: a wrong login counts against the link.
    let on_premise = Functions::start(&[("EDITION", "on_premise")]);
    let there = unique("onprem");
    create(&on_premise.table, account(&there).password("the old password 1")).await;
    assert_eq!(post_json(&on_premise.forgot_url(), &json!({ "login": there })).status, 202);
    on_premise.settle();
    let link = emails_to(&format!("{there}@recovery.test")).pop().expect("a link");
    let token = token_from(&link.link_starting_with(RESET_PAGE_URL).unwrap()).unwrap();
    let wrong = post_json(
        &on_premise.reset_url(),
        &json!({ "token": token, "login": "somebody-else", "password": "toured passphrase 3", "password_confirmation": "toured passphrase 3" }),
    );
    assert_eq!(wrong.json()["error"], "invalid_token");

    let mut observed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut items: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for call in emulator().aws_calls() {
        let Some(app) = call["app"].as_str() else {
            continue;
        };
        observed.entry(app.to_owned()).or_default().extend(iam_actions(&call));
        let named = (call["keys"].as_array().into_iter().flatten())
            .filter_map(|pair| Some((pair[0].as_str()?.to_owned(), pair[1].as_str()?.to_owned())));
        items.entry(app.to_owned()).or_default().extend(named);
    }
    for function in Function::ALL {
        assert!(
            observed.contains_key(function.name()),
            "no call observed from {}: {observed:?}",
            function.name()
        );
    }
    let mut problems = template.check_policies(&observed);
    problems.extend(template.check_items(&items));
    assert!(problems.is_empty(), "template.yaml policies:\n{}", problems.join("\n"));
}
