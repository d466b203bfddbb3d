//! Who may do what, checked in the template: administrators reach
//! admin-reset only through its IAM-authenticated function URL.

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
