//! What keeps the deployed stack up under abuse, checked in the template:
//! the API's throttling, each function's reserved concurrency, the alarms,
//! and the log levels offered, each set from a parameter; and secrets kept
//! out of every function's configuration.

use serde_yaml_ng::Value;

use super::Template;

/// The alarms that must exist: a metric each watches (by name), and whether
/// its threshold is a parameter.
const ALARMS: &[(&str, bool)] =
    &[("5xx", true), ("Throttles", false), ("Errors", false), ("SMSMonthToDateSpentUSD", true)];

/// The routes that send a message, each throttled below the others.
const SENDING_ROUTES: &[&str] = &["POST /password/forgot", "POST /password/forgot-login"];

/// Functions whose throttles and errors an alarm must watch.
const WATCHED: &[&str] = &["RequestResetFunction", "VerifyCodeFunction", "SetPasswordFunction"];

impl Template {
    /// Whether `value` is (or chooses between) references to parameters
    /// only.
    fn parameterised(&self, value: &Value) -> bool {
        let mut refs = Vec::new();
        Self::references(value, &mut refs);
        let parameters = self.doc["Parameters"].as_mapping();
        let is_parameter =
            |name: &String| parameters.is_some_and(|p| p.contains_key(Value::String(name.clone())));
        refs.iter().any(is_parameter) && refs.iter().all(|r| is_parameter(r) || r == "AWS::NoValue")
    }

    fn alarms(&self) -> Vec<(&str, &Value)> {
        self.resources()
            .iter()
            .filter(|(_, r)| r["Type"].as_str() == Some("AWS::CloudWatch::Alarm"))
            .map(|(id, r)| (id.as_str().unwrap_or(""), &r["Properties"]))
            .collect()
    }

    pub(super) fn check_protection(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let api = self
            .resources()
            .iter()
            .find(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::HttpApi"));
        match api {
            Some((_, api)) => {
                let route = &api["Properties"]["DefaultRouteSettings"];
                for setting in ["ThrottlingRateLimit", "ThrottlingBurstLimit"] {
                    if !self.parameterised(&route[setting]) {
                        problems.push(format!("the HTTP API: no {setting} from a parameter"));
                    }
                }
                // The routes that send messages: a limit of their own.
                for key in SENDING_ROUTES {
                    let route = &api["Properties"]["RouteSettings"][key];
                    for setting in ["ThrottlingRateLimit", "ThrottlingBurstLimit"] {
                        if !self.parameterised(&route[setting]) {
                            problems.push(format!("{key}: no {setting} of its own"));
                        }
                    }
                }
            }
            None => problems.push("no HTTP API".into()),
        }
        for function in self.functions() {
            if !self.parameterised(&function.properties["ReservedConcurrentExecutions"]) {
                problems.push(format!(
                    "{}: no ReservedConcurrentExecutions from a parameter",
                    function.logical_id
                ));
            }
        }
        let alarms = self.alarms();
        for (metric, threshold_parameter) in ALARMS {
            let watching: Vec<&(&str, &Value)> = alarms
                .iter()
                .filter(|(_, a)| {
                    a["MetricName"].as_str() == Some(metric)
                        || a["Metrics"].as_sequence().is_some_and(|ms| {
                            ms.iter().any(|m| {
                                m["MetricStat"]["Metric"]["MetricName"].as_str() == Some(metric)
                            })
                        })
                })
                .collect();
            if watching.is_empty() {
                problems.push(format!("no alarm on {metric}"));
            }
            for (id, alarm) in &watching {
                let mut actions = Vec::new();
                Self::references(&alarm["AlarmActions"], &mut actions);
                if !actions.iter().any(|a| a == "AlarmTopic") {
                    problems.push(format!("{id}: tells no one (AlarmActions without AlarmTopic)"));
                }
                if *threshold_parameter && !self.parameterised(&alarm["Threshold"]) {
                    problems.push(format!("{id}: threshold not from a parameter"));
                }
            }
            if matches!(*metric, "Throttles" | "Errors") {
                let mut watched = Vec::new();
                for (_, alarm) in &watching {
                    Self::references(&alarm["Metrics"], &mut watched);
                    Self::references(&alarm["Dimensions"], &mut watched);
                }
                for function in WATCHED {
                    if !watched.iter().any(|w| w == function) {
                        problems.push(format!("no alarm watches {function}'s {metric}"));
                    }
                }
            }
        }
        let levels = super::strings(&self.doc["Parameters"]["LogLevel"]["AllowedValues"]);
        if levels.iter().any(|l| l.eq_ignore_ascii_case("trace")) {
            problems.push("LogLevel offers TRACE".into());
        }
        problems.extend(self.check_secrets());
        problems.extend(self.check_edge());
        problems.extend(self.check_sms_only());
        problems.extend(self.check_audit_trail());
        problems
    }

    /// The CloudTrail option, off by default: a trail whose data events
    /// name every invocation of admin-reset (the administrator as IAM knows
    /// them) and every item call on the table.
    fn check_audit_trail(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.doc["Parameters"]["AuditTrail"]["Default"].as_str() != Some("false") {
            problems.push("AuditTrail is not off by default".into());
        }
        let trail = self
            .resources()
            .values()
            .find(|r| r["Type"].as_str() == Some("AWS::CloudTrail::Trail"));
        let Some(trail) = trail else {
            return vec!["no CloudTrail trail".into()];
        };
        if trail["Condition"].as_str().is_none() {
            problems.push("the trail is not under a condition".into());
        }
        let mut watched = Vec::new();
        Self::references(&trail["Properties"]["AdvancedEventSelectors"], &mut watched);
        for resource in ["AdminResetFunction", "RecoveryTable"] {
            if !watched.iter().any(|w| w == resource) {
                problems.push(format!("the trail does not record {resource}'s data events"));
            }
        }
        problems
    }

    /// A function that may publish to SNS (SMS to a number has no resource
    /// to scope it to) is denied every topic: it sends SMS only.
    fn check_sms_only(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for function in self.functions() {
            let statements: Vec<&Value> = (function.properties["Policies"].as_sequence())
                .into_iter()
                .flatten()
                .flat_map(|p| p["Statement"].as_sequence().into_iter().flatten())
                .collect();
            let publishes = |effect: &'static str| -> Vec<&Value> {
                (statements.iter().copied())
                    .filter(|s| {
                        s["Effect"].as_str() == Some(effect)
                            && super::strings(&s["Action"]).iter().any(|a| a == "sns:Publish")
                    })
                    .collect()
            };
            if publishes("Allow").is_empty() {
                continue;
            }
            let topics_denied = publishes("Deny").iter().any(|s| {
                let resource = s["Resource"]["Fn::Sub"].as_str().or(s["Resource"].as_str());
                resource == Some("arn:${AWS::Partition}:sns:*:*:*")
            });
            if !topics_denied {
                problems.push(format!("{}: may publish to SNS topics", function.logical_id));
            }
        }
        problems
    }

    /// The CloudFront option, off by default: a distribution that forwards
    /// the viewer's address and adds the secret request-reset reads; and,
    /// with a rate, a WebACL whose rule counts each address.
    fn check_edge(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let parameter = |name: &str| &self.doc["Parameters"][name]["Default"];
        if parameter("CloudFront").as_str() != Some("false") {
            problems.push("CloudFront is not off by default".into());
        }
        if parameter("EdgeRateLimit").as_i64() != Some(0) {
            problems.push("EdgeRateLimit is not off (0) by default".into());
        }
        let of_type = |kind: &str| {
            self.resources().iter().find(|(_, r)| r["Type"].as_str() == Some(kind)).map(|(_, r)| r)
        };
        match of_type("AWS::WAFv2::WebACL") {
            Some(acl) => {
                let rule = &acl["Properties"]["Rules"][0]["Statement"]["RateBasedStatement"];
                if acl["Condition"].as_str().is_none() || acl["Properties"]["Scope"] != "CLOUDFRONT"
                {
                    problems.push("the WebACL: not a CloudFront WebACL under a condition".into());
                }
                if !self.parameterised(&rule["Limit"]) || rule["AggregateKeyType"] != "IP" {
                    problems.push("the WebACL: no rate per viewer address from a parameter".into());
                }
            }
            None => problems.push("no WebACL".into()),
        }
        let policy = of_type("AWS::CloudFront::OriginRequestPolicy");
        let forwarded = policy.map(|p| {
            super::strings(
                &p["Properties"]["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"],
            )
        });
        if !forwarded.unwrap_or_default().iter().any(|h| h == "CloudFront-Viewer-Address") {
            problems.push("the distribution does not forward CloudFront-Viewer-Address".into());
        }
        let origin = of_type("AWS::CloudFront::Distribution")
            .map(|d| &d["Properties"]["DistributionConfig"]["Origins"][0]);
        let header = origin.map(|o| &o["OriginCustomHeaders"][0]);
        let mut secret = Vec::new();
        if let Some(header) = header {
            Self::references(&header["HeaderValue"], &mut secret);
        }
        let verify = header.and_then(|h| h["HeaderName"].as_str());
        if verify != Some("X-Origin-Verify") || !secret.iter().any(|s| s == "EdgeOriginSecret") {
            problems.push("the distribution sends no X-Origin-Verify from EdgeOriginSecret".into());
        }
        problems
    }

    /// No function's environment holds a secret (anyone allowed
    /// `lambda:GetFunctionConfiguration` reads it): no variable takes a
    /// `NoEcho` parameter, and each `*_SECRET_ARN` names a Secrets Manager
    /// secret of the stack, read at cold start.
    fn check_secrets(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let parameters = self.doc["Parameters"].as_mapping();
        let hidden = |name: &str| {
            parameters
                .and_then(|p| p.get(Value::String(name.to_owned())))
                .is_some_and(|p| p["NoEcho"].as_bool() == Some(true))
        };
        for function in self.functions() {
            let variables = function.properties["Environment"]["Variables"].as_mapping();
            for (name, value) in variables.into_iter().flatten() {
                let name = name.as_str().unwrap_or("");
                let mut refs = Vec::new();
                Self::references(value, &mut refs);
                for hidden in refs.iter().filter(|r| hidden(r)) {
                    problems.push(format!(
                        "{}: {name} holds the NoEcho parameter {hidden}: a secret in the configuration",
                        function.logical_id
                    ));
                }
                if name.ends_with("_SECRET_ARN") {
                    let secret = refs.iter().all(|r| {
                        self.resources().get(Value::String(r.clone())).is_some_and(|res| {
                            res["Type"].as_str() == Some("AWS::SecretsManager::Secret")
                        })
                    });
                    if refs.is_empty() || !secret {
                        problems.push(format!(
                            "{}: {name} names no Secrets Manager secret of the stack",
                            function.logical_id
                        ));
                    }
                }
            }
        }
        problems
    }
}
