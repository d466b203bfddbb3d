use super::*;
use recovery_domain::{NotSent, SignInResult, Step, Way};

/// One of every kind of measure, every variant of each enum among them.
fn every_measure() -> Vec<Measure> {
    let mut all = Vec::new();
    for step in Step::all() {
        for way in Way::all() {
            all.push(Measure::Step(step, way));
        }
    }
    all.push(Measure::Locked);
    for result in <SignInResult as strum::IntoEnumIterator>::iter() {
        all.push(Measure::SignIn(result));
    }
    for reason in <NotSent as strum::IntoEnumIterator>::iter() {
        all.push(Measure::NotSent(None, reason));
        all.push(Measure::NotSent(Some(Way::SmsCode), reason));
    }
    all.push(Measure::Text { calling_code: 44, segments: 2, cost_micro_usd: 91_000 });
    all.push(Measure::CodeEntered { calling_code: 1 });
    all.push(Measure::Recovered { way: Way::EmailLink, seconds: 95 });
    all.push(Measure::EnteredShare { calling_code: 998, percent: 12 });
    all
}

#[test]
fn every_measure_is_a_valid_emf_document() {
    for measure in every_measure() {
        let doc = document("PasswordRecovery", "set-password", measure, 1_796_601_599_000);
        assert_eq!(spec_problems(&doc), Vec::<String>::new(), "{measure:?}: {doc}");
    }
}

#[test]
fn the_check_catches_what_breaks_the_format() {
    let good = document("PasswordRecovery", "f", Measure::Step(Step::Sent, Way::SmsCode), 1);
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut doc = good.clone();
        change(&mut doc);
        spec_problems(&doc)
    };
    assert!(!broken(&|d| d["_aws"]["Timestamp"] = json!("now")).is_empty());
    assert!(!broken(&|d| d["_aws"]["CloudWatchMetrics"][0]["Namespace"] = json!("")).is_empty());
    assert!(!broken(&|d| d["Channel"] = json!("")).is_empty());
    assert!(!broken(&|d| d["Sent"] = json!("1")).is_empty());
    assert!(
        !broken(&|d| d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = json!("Things"))
            .is_empty()
    );
    let keys: Vec<String> = (0..31).map(|i| format!("k{i}")).collect();
    assert!(
        !broken(&|d| {
            for key in &keys {
                d[key.as_str()] = json!("v");
            }
            d["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = json!([keys]);
        })
        .is_empty()
    );
}

#[test]
fn every_metric_is_emitted_by_some_measure_and_every_name_is_listed() {
    let mut emitted: Vec<&str> = Vec::new();
    for measure in every_measure() {
        let doc = document("N", "f", measure, 1);
        for metric in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap();
            let listed = METRICS.iter().find(|m| m.name == name).expect("listed");
            emitted.push(listed.name);
        }
    }
    for metric in METRICS {
        assert!(emitted.contains(&metric.name), "{} is never emitted", metric.name);
    }
}

#[test]
fn a_dimension_is_an_enum_name_or_a_calling_code() {
    for measure in every_measure() {
        let doc = document("N", "f", measure, 1);
        for set in doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"].as_array().unwrap() {
            for key in set.as_array().unwrap() {
                let value = doc[key.as_str().unwrap()].as_str().unwrap();
                let plain = value.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                let code =
                    value.strip_prefix('+').is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()));
                assert!(plain || code, "{key} = {value}");
            }
        }
    }
}
