//! What the flows count, as CloudWatch's embedded metric format (EMF): one
//! JSON object a line in the function's own log, which CloudWatch Logs
//! turns into metrics under the namespace `METRICS_NAMESPACE` names. No
//! AWS call and no client: a line on stdout.
//!
//! Every dimension is the name of an enum's variant or a calling code
//! (`recovery_domain::Measure`); what says more (the function) goes into
//! the record only.

use std::io::Write;

use serde_json::{Map, Value, json};

use recovery_core::ports::Metrics;
use recovery_domain::Measure;

/// A metric the code emits: its name, unit and dimension sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricInfo {
    pub name: &'static str,
    pub unit: &'static str,
    pub dimensions: &'static [&'static [&'static str]],
}

const CHANNEL: &[&[&str]] = &[&["Channel"]];
const COUNTRY: &[&[&str]] = &[&["Country"]];
const COUNTRY_AND_ALL: &[&[&str]] = &[&["Country"], &[]];
const CHANNEL_AND_ALL: &[&[&str]] = &[&["Channel"], &[]];

/// Every metric there is.
pub const METRICS: &[MetricInfo] = &[
    MetricInfo { name: "Requested", unit: "Count", dimensions: CHANNEL },
    MetricInfo { name: "Limited", unit: "Count", dimensions: CHANNEL },
    MetricInfo { name: "Challenged", unit: "Count", dimensions: CHANNEL },
    MetricInfo { name: "Sent", unit: "Count", dimensions: CHANNEL },
    MetricInfo { name: "Delivered", unit: "Count", dimensions: CHANNEL_AND_ALL },
    MetricInfo { name: "Bounced", unit: "Count", dimensions: CHANNEL_AND_ALL },
    MetricInfo { name: "Complained", unit: "Count", dimensions: CHANNEL_AND_ALL },
    MetricInfo { name: "Opened", unit: "Count", dimensions: CHANNEL },
    MetricInfo { name: "CodeAccepted", unit: "Count", dimensions: CHANNEL },
    MetricInfo { name: "CodeRefused", unit: "Count", dimensions: CHANNEL },
    MetricInfo { name: "PasswordSet", unit: "Count", dimensions: CHANNEL },
    MetricInfo { name: "TimeToRecover", unit: "Seconds", dimensions: CHANNEL },
    MetricInfo { name: "LockTaken", unit: "Count", dimensions: &[&[]] },
    MetricInfo { name: "SignInCheck", unit: "Count", dimensions: &[&["Result"]] },
    MetricInfo { name: "DeliveryFailed", unit: "Count", dimensions: &[&["Reason"]] },
    MetricInfo { name: "SmsSent", unit: "Count", dimensions: COUNTRY_AND_ALL },
    MetricInfo { name: "SmsSegments", unit: "Count", dimensions: COUNTRY_AND_ALL },
    MetricInfo { name: "SmsCostUsd", unit: "None", dimensions: COUNTRY_AND_ALL },
    MetricInfo { name: "CodeEntered", unit: "Count", dimensions: COUNTRY },
    MetricInfo { name: "CodesEnteredPercent", unit: "Percent", dimensions: COUNTRY },
];

fn info(name: &str) -> &'static MetricInfo {
    METRICS.iter().find(|m| m.name == name).expect("every metric emitted is in METRICS")
}

/// `+44`.
fn country(calling_code: u16) -> String {
    format!("+{calling_code}")
}

/// Metrics by name, with their values.
type Metered = Vec<(&'static str, Value)>;
/// Dimensions (and context) by name, with their values.
type Dimensions = Vec<(&'static str, String)>;

/// The metrics `measure` gives (name and value) and its dimensions'
/// values.
fn values(measure: Measure) -> (Metered, Dimensions) {
    match measure {
        Measure::Step(step, way) => {
            (vec![(step.metric(), json!(1))], vec![("Channel", way.name().to_owned())])
        }
        Measure::Locked => (vec![("LockTaken", json!(1))], vec![]),
        Measure::SignIn(result) => {
            let result: &'static str = result.into();
            (vec![("SignInCheck", json!(1))], vec![("Result", result.to_owned())])
        }
        Measure::NotSent(way, reason) => {
            let reason: &'static str = reason.into();
            let mut dims = vec![("Reason", reason.to_owned())];
            // Context, not a dimension (the dimension set names Reason only).
            dims.push(("Channel", way.map_or("notice", |w| w.name()).to_owned()));
            (vec![("DeliveryFailed", json!(1))], dims)
        }
        Measure::Text { calling_code, segments, cost_micro_usd } => (
            vec![
                ("SmsSent", json!(1)),
                ("SmsSegments", json!(segments)),
                ("SmsCostUsd", json!(cost_micro_usd as f64 / 1_000_000.0)),
            ],
            vec![("Country", country(calling_code))],
        ),
        Measure::CodeEntered { calling_code } => {
            (vec![("CodeEntered", json!(1))], vec![("Country", country(calling_code))])
        }
        Measure::Recovered { way, seconds } => {
            (vec![("TimeToRecover", json!(seconds))], vec![("Channel", way.name().to_owned())])
        }
        Measure::EnteredShare { calling_code, percent } => (
            vec![("CodesEnteredPercent", json!(percent))],
            vec![("Country", country(calling_code))],
        ),
    }
}

/// The EMF document of `measure` at `at_millis`, under `namespace`, from
/// `function`.
pub fn document(namespace: &str, function: &str, measure: Measure, at_millis: i64) -> Value {
    let (metrics, dimensions) = values(measure);
    // One directive: every metric of a measure has its first's dimensions.
    let dimension_sets = info(metrics[0].0).dimensions;
    let definitions: Vec<Value> =
        metrics.iter().map(|(name, _)| json!({"Name": name, "Unit": info(name).unit})).collect();
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": at_millis,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": dimension_sets,
                "Metrics": definitions,
            }],
        }),
    );
    for (name, value) in dimensions {
        root.insert(name.into(), Value::String(value));
    }
    for (name, value) in metrics {
        root.insert(name.into(), value);
    }
    root.insert("function".into(), Value::String(function.to_owned()));
    Value::Object(root)
}

/// Measures as EMF lines on stdout.
pub struct EmfLog {
    namespace: String,
    function: String,
}

impl EmfLog {
    /// Under `namespace`, from the function Lambda names
    /// (`AWS_LAMBDA_FUNCTION_NAME`).
    pub fn new(namespace: &str) -> Self {
        let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
        Self { namespace: namespace.to_owned(), function }
    }
}

impl Metrics for EmfLog {
    fn record(&self, measure: Measure) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let line = document(&self.namespace, &self.function, measure, now);
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }
}

/// The CloudWatch units a metric definition may name.
const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// What in `doc` breaks the embedded metric format's specification (none:
/// it is a valid EMF document): the `_aws` metadata with its timestamp
/// and directives, each directive's namespace, dimension sets (at most 30
/// keys each, each key a non-empty ASCII string of at most 1,024
/// characters at the root) and metric definitions (at most 100, each a
/// number at the root, with a CloudWatch unit).
pub fn spec_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut problem = |text: String| problems.push(text);
    let Some(root) = doc.as_object() else {
        return vec!["not a JSON object".into()];
    };
    let aws = &root["_aws"];
    if aws["Timestamp"].as_i64().is_none_or(|t| t <= 0) {
        problem("_aws.Timestamp is not milliseconds since the epoch".into());
    }
    let Some(directives) = aws["CloudWatchMetrics"].as_array().filter(|d| !d.is_empty()) else {
        problem("_aws.CloudWatchMetrics is not a non-empty array".into());
        return problems;
    };
    for directive in directives {
        let namespace = directive["Namespace"].as_str().unwrap_or("");
        if namespace.is_empty() || namespace.len() > 255 || !namespace.is_ascii() {
            problem(format!("namespace {namespace:?} is not 1 to 255 ASCII characters"));
        }
        for set in directive["Dimensions"].as_array().into_iter().flatten() {
            let keys = set.as_array().map(Vec::as_slice).unwrap_or_default();
            if keys.len() > 30 {
                problem(format!("a dimension set of {} keys", keys.len()));
            }
            for key in keys {
                let value = key.as_str().and_then(|k| root.get(k)).and_then(Value::as_str);
                let fine = |v: &str| {
                    !v.trim().is_empty()
                        && v.len() <= 1024
                        && v.chars().all(|c| c.is_ascii_graphic() || c == ' ')
                };
                if !value.is_some_and(fine) {
                    problem(format!("dimension {key} has no valid value at the root"));
                }
            }
        }
        if !directive["Dimensions"].is_array() {
            problem("Dimensions is not an array".into());
        }
        let metrics = directive["Metrics"].as_array().map(Vec::as_slice).unwrap_or_default();
        if metrics.is_empty() || metrics.len() > 100 {
            problem(format!("{} metric definitions", metrics.len()));
        }
        for metric in metrics {
            let name = metric["Name"].as_str().unwrap_or("");
            if !root.get(name).is_some_and(Value::is_number) {
                problem(format!("metric {name:?} has no number at the root"));
            }
            if !metric["Unit"].as_str().is_some_and(|u| UNITS.contains(&u)) {
                problem(format!("metric {name:?} has no CloudWatch unit"));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests;
