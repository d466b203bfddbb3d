//! Checks of `template.yaml` against the code that cfn-lint cannot make:
//! references inside the functions, each function's environment against the
//! variables its code reads, its routes against the routes its code serves,
//! and its IAM policy against the AWS calls its code makes (observed at the
//! emulator while the functions run a tour of every flow). Each check is shown
//! to fail on a planted mistake.

use std::collections::{BTreeMap, BTreeSet};

use recovery_edges::config::Function;
use recovery_edges::http::ROUTES;
use serde_yaml_ng::Value;
use system_tests::*;

#[path = "template_check/access.rs"]
mod access;
#[path = "template_check/metrics.rs"]
mod metrics;
#[path = "template_check/protection.rs"]
mod protection;
#[path = "template_check/tour.rs"]
mod tour;

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
        problems.extend(self.check_metrics());
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
        "MetricName: PasswordSet\n",
        "MetricName: PasswordsSet\n",
        "names metric PasswordsSet, which the code never emits",
    );
    plant(
        "[\"${MetricsNamespace}\", \"LockTaken\"",
        "[\"${MetricsNamespace}\", \"LockTaken\", \"Channel\", \"email_link\"",
        "names LockTaken by",
    );
    plant(
        "SELECT SUM(CodeEntered)",
        "SELECT SUM(SmsSent)",
        "metric CodeEntered is on no dashboard",
    );
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
