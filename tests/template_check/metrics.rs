//! The dashboard and the outcome alarms against the metrics the code
//! emits (`recovery_edges::metrics::METRICS`): every metric they name, with
//! the dimensions they name it by, is one the code writes, and every metric
//! the code writes is on the dashboard. The tour shows the code writes each
//! of them (`emitted_in_the_tour`).

use std::collections::BTreeSet;

use recovery_edges::metrics::METRICS;
use serde_yaml_ng::Value;

use super::Template;

/// What the dashboard body and alarm expressions call the namespace.
const NAMESPACE: &str = "${MetricsNamespace}";

/// A metric as the template names it: its name and its dimensions' keys.
type Named = (String, BTreeSet<String>);

/// The metric names inside a Metrics Insights or SEARCH expression on the
/// namespace.
fn in_expression(expression: &str) -> Vec<Named> {
    if !expression.contains(NAMESPACE) {
        return Vec::new();
    }
    let mut names = Vec::new();
    for function in ["SUM(", "MIN(", "MAX(", "AVG(", "COUNT("] {
        for piece in expression.split(function).skip(1) {
            let name = piece.split(')').next().unwrap_or("");
            // `GROUP BY Country` names the dimension.
            let dims = expression.split("GROUP BY ").nth(1).map(|d| d.trim().to_owned());
            names.push((name.to_owned(), dims.into_iter().collect()));
        }
    }
    // `SEARCH('{<namespace>,Reason} MetricName="DeliveryFailed"', ...)`.
    for piece in expression.split("MetricName=\"").skip(1) {
        let name = piece.split('"').next().unwrap_or("");
        let dims = expression.split(',').nth(1).and_then(|d| d.split('}').next());
        names.push((name.to_owned(), dims.map(|d| d.trim().to_owned()).into_iter().collect()));
    }
    names
}

fn sub_text(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag.to_string().trim_start_matches('!') == "Sub" => {
            tagged.value.as_str()
        }
        other => other.as_str(),
    }
}

fn is_namespace(value: &Value) -> bool {
    matches!(value, Value::Tagged(t) if t.tag.to_string().trim_start_matches('!') == "Ref" && t.value.as_str() == Some("MetricsNamespace"))
}

impl Template {
    /// Every metric of the namespace the dashboards and alarms name, by
    /// where: `(place, (name, dimension keys))`.
    fn named_metrics(&self) -> Vec<(String, Named)> {
        let mut named = Vec::new();
        for (id, resource) in self.resources() {
            let id = id.as_str().unwrap_or("").to_owned();
            let properties = &resource["Properties"];
            match resource["Type"].as_str() {
                Some("AWS::CloudWatch::Dashboard") => {
                    let body = sub_text(&properties["DashboardBody"]).unwrap_or("");
                    let body: serde_json::Value = match serde_json::from_str(body) {
                        Ok(body) => body,
                        Err(err) => {
                            named.push((
                                id.clone(),
                                (format!("(not JSON: {err})"), BTreeSet::new()),
                            ));
                            continue;
                        }
                    };
                    for widget in body["widgets"].as_array().into_iter().flatten() {
                        for row in widget["properties"]["metrics"].as_array().into_iter().flatten()
                        {
                            let row = row.as_array().map(Vec::as_slice).unwrap_or_default();
                            match row.first() {
                                Some(serde_json::Value::String(ns)) if ns == NAMESPACE => {
                                    let strings: Vec<&str> =
                                        row.iter().filter_map(|v| v.as_str()).collect();
                                    let dims = strings.iter().skip(2).step_by(2);
                                    let dims = dims.map(|d| (*d).to_owned()).collect();
                                    let name = strings.get(1).copied().unwrap_or("").to_owned();
                                    named.push((id.clone(), (name, dims)));
                                }
                                Some(serde_json::Value::Object(options)) => {
                                    let expression = options["expression"].as_str().unwrap_or("");
                                    named.extend(
                                        in_expression(expression)
                                            .into_iter()
                                            .map(|n| (id.clone(), n)),
                                    );
                                }
                                _ => {}
                            }
                        }
                    }
                }
                Some("AWS::CloudWatch::Alarm") => {
                    for query in properties["Metrics"].as_sequence().into_iter().flatten() {
                        let metric = &query["MetricStat"]["Metric"];
                        if is_namespace(&metric["Namespace"]) {
                            let dims = metric["Dimensions"].as_sequence().into_iter().flatten();
                            let dims = dims.filter_map(|d| d["Name"].as_str().map(str::to_owned));
                            let name = metric["MetricName"].as_str().unwrap_or("").to_owned();
                            named.push((id.clone(), (name, dims.collect())));
                        }
                        if let Some(expression) = sub_text(&query["Expression"]) {
                            named.extend(
                                in_expression(expression).into_iter().map(|n| (id.clone(), n)),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        named
    }

    pub(super) fn check_metrics(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let named = self.named_metrics();
        for (place, (name, dims)) in &named {
            let Some(metric) = METRICS.iter().find(|m| m.name == name) else {
                problems.push(format!("{place} names metric {name}, which the code never emits"));
                continue;
            };
            let emitted = metric
                .dimensions
                .iter()
                .any(|set| set.len() == dims.len() && set.iter().all(|d| dims.contains(*d)));
            if !emitted {
                problems.push(format!(
                    "{place} names {name} by {dims:?}; the code emits it by {:?}",
                    metric.dimensions
                ));
            }
        }
        let on_the_dashboard: BTreeSet<&str> = named
            .iter()
            .filter(|(place, _)| {
                self.resources()[place.as_str()]["Type"] == "AWS::CloudWatch::Dashboard"
            })
            .map(|(_, (name, _))| name.as_str())
            .collect();
        for metric in METRICS {
            if !on_the_dashboard.contains(metric.name) {
                problems.push(format!("metric {} is on no dashboard", metric.name));
            }
        }
        problems
    }
}

/// Every EMF record in `logs` (a function's output).
pub fn emf_records(logs: &str) -> Vec<serde_json::Value> {
    logs.lines()
        .filter(|line| line.contains("\"_aws\""))
        .filter_map(|line| serde_json::from_str(&line[line.find('{')?..]).ok())
        .collect()
}

/// What the tour's functions wrote as metrics: each record valid under
/// the format's specification, in the namespace they were given, and
/// every metric the code has among them.
pub fn emitted_in_the_tour(stacks: &[(String, &str)]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut emitted = BTreeSet::new();
    for (record, namespace) in
        stacks.iter().flat_map(|(logs, ns)| emf_records(logs).into_iter().map(move |r| (r, *ns)))
    {
        let record = &record;
        for problem in recovery_edges::metrics::spec_problems(record) {
            problems.push(format!("{problem}: {record}"));
        }
        for directive in record["_aws"]["CloudWatchMetrics"].as_array().into_iter().flatten() {
            if directive["Namespace"] != namespace {
                problems.push(format!("a record in another namespace: {record}"));
            }
            for metric in directive["Metrics"].as_array().into_iter().flatten() {
                let name = metric["Name"].as_str().unwrap_or("");
                if !METRICS.iter().any(|m| m.name == name) {
                    problems.push(format!("{name} is emitted but not in METRICS: {record}"));
                }
                emitted.insert(name.to_owned());
            }
        }
    }
    for metric in METRICS {
        if !emitted.contains(metric.name) {
            problems.push(format!("the tour emitted no {}", metric.name));
        }
    }
    problems
}
