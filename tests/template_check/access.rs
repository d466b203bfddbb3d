//! Who may do what, checked in the template: administrators reach
//! admin-reset only through its IAM-authenticated function URL, and each
//! function may touch only the item types it touches (`dynamodb:LeadingKeys`).

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml_ng::Value;

use super::{Template, strings};

impl Template {
    /// admin-reset: a function URL with `AuthType: AWS_IAM`, its URL an
    /// output, a policy to attach that allows `lambda:InvokeFunction` only
    /// through the URL, and no resource policy of the template granting a
    /// direct Invoke.
    pub(super) fn check_admin_entry(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let function = &self.resources()["AdminResetFunction"]["Properties"];
        if function["FunctionUrlConfig"]["AuthType"].as_str() != Some("AWS_IAM") {
            problems.push("AdminResetFunction: no function URL with AuthType AWS_IAM".into());
        }
        if self.doc["Outputs"]["AdminUrl"].is_null() {
            problems.push("no AdminUrl output".into());
        }
        let statements: Vec<&Value> =
            self.resources()["AdministratorPolicy"]["Properties"]["PolicyDocument"]["Statement"]
                .as_sequence()
                .into_iter()
                .flatten()
                .collect();
        let allows = |action: &str| -> Vec<&Value> {
            (statements.iter().copied())
                .filter(|s| {
                    s["Effect"].as_str() == Some("Allow")
                        && strings(&s["Action"]).iter().any(|a| a == action)
                })
                .collect()
        };
        let condition = |s: &Value, operator: &str, key: &str, value: &str| {
            s["Condition"][operator][key].as_str() == Some(value)
        };
        let url = allows("lambda:InvokeFunctionUrl");
        if url.is_empty()
            || !url
                .iter()
                .all(|s| condition(s, "StringEquals", "lambda:FunctionUrlAuthType", "AWS_IAM"))
        {
            problems.push(
                "AdministratorPolicy: no lambda:InvokeFunctionUrl for AuthType AWS_IAM only".into(),
            );
        }
        let invoke = allows("lambda:InvokeFunction");
        if invoke.is_empty()
            || !invoke.iter().all(|s| condition(s, "Bool", "lambda:InvokedViaFunctionUrl", "true"))
        {
            problems.push(
                "AdministratorPolicy: lambda:InvokeFunction not limited to InvokedViaFunctionUrl"
                    .into(),
            );
        }
        for (id, resource) in self.resources() {
            let grants_admin_reset = resource["Type"].as_str() == Some("AWS::Lambda::Permission")
                && format!("{:?}", resource["Properties"]["FunctionName"])
                    .contains("AdminResetFunction");
            if grants_admin_reset {
                problems.push(format!(
                    "{}: a resource policy on AdminResetFunction (a direct Invoke)",
                    id.as_str().unwrap_or("")
                ));
            }
        }
        problems
    }
}

/// `ForAllValues:StringLike` patterns of `dynamodb:LeadingKeys` in a
/// statement, if it has them.
fn leading_keys(statement: &Value) -> Option<Vec<String>> {
    let condition = &statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
    (!condition.is_null()).then(|| strings(condition))
}

impl Template {
    /// (IAM action, item type) pairs each Allow statement of `function`
    /// grants on the table, for its `dynamodb:` actions; a statement
    /// without a `dynamodb:LeadingKeys` condition is a problem.
    pub(super) fn granted_items(
        &self,
        function: &super::FunctionResource<'_>,
        problems: &mut Vec<String>,
    ) -> BTreeSet<(String, String)> {
        let mut granted = BTreeSet::new();
        for policy in function.properties["Policies"].as_sequence().into_iter().flatten() {
            for statement in policy["Statement"].as_sequence().into_iter().flatten() {
                let actions: Vec<String> = strings(&statement["Action"])
                    .into_iter()
                    .filter(|a| a.starts_with("dynamodb:"))
                    .collect();
                if statement["Effect"].as_str() != Some("Allow") || actions.is_empty() {
                    continue;
                }
                let Some(patterns) = leading_keys(statement) else {
                    problems.push(format!(
                        "{}: {} on any item (no dynamodb:LeadingKeys condition)",
                        function.logical_id,
                        actions.join(", ")
                    ));
                    continue;
                };
                for pattern in patterns {
                    let Some(kind) = pattern.strip_suffix('*').filter(|k| k.ends_with('#')) else {
                        problems.push(format!(
                            "{}: the item pattern {pattern:?} is not `<TYPE>#*`",
                            function.logical_id
                        ));
                        continue;
                    };
                    for action in &actions {
                        granted.insert((action.clone(), kind.to_owned()));
                    }
                }
            }
        }
        granted
    }

    /// `observed`: binary name → (IAM action, item type) of each item its
    /// calls named. Each function may touch exactly the item types it was
    /// seen touching, action by action.
    pub(super) fn check_items(
        &self,
        observed: &BTreeMap<String, BTreeSet<(String, String)>>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        for function in self.functions() {
            let granted = self.granted_items(&function, &mut problems);
            let touched = observed.get(&function.binary).cloned().unwrap_or_default();
            for (action, kind) in touched.difference(&granted) {
                problems.push(format!(
                    "{}: {action} on {kind} items, which its policy does not allow",
                    function.logical_id
                ));
            }
            for (action, kind) in granted.difference(&touched) {
                problems.push(format!(
                    "{}: allows {action} on {kind} items, which it never touches",
                    function.logical_id
                ));
            }
        }
        problems
    }
}
