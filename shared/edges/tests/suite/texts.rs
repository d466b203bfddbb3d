//! The message catalogs (`shared/messages/locales/`): every message exists in every
//! language and renders there, and every message the pages name exists.

use std::collections::BTreeSet;

use recovery_domain::Language;
use recovery_messages::texts::{catalogs_parse, message_ids};
use recovery_messages::{Arg, Texts};

/// Every argument any message takes, with a value.
fn sample_args(count: i64) -> Vec<(&'static str, Arg<'static>)> {
    vec![
        ("edition", Arg::Text("cloud")),
        ("phone", Arg::Text("+4915112345678")),
        ("seconds", Arg::Number(count)),
        ("minutes", Arg::Number(count)),
        ("hours", Arg::Number(count)),
        ("min", Arg::Number(count)),
        ("max", Arg::Number(count)),
        ("wait", Arg::Text("…")),
        ("days", Arg::Number(count)),
        ("service", Arg::Text("Example")),
        ("login", Arg::Text("ada")),
        ("login_url", Arg::Text("https://app.example.com/login")),
        ("link", Arg::Text("https://id.example.com/password/reset?token=x")),
        ("lifetime", Arg::Text("…")),
        ("provider", Arg::Text("Google")),
        ("code", Arg::Text("123456")),
        ("when", Arg::Text("…")),
        ("by", Arg::Text("self")),
        ("channel", Arg::Text("email")),
        ("day", Arg::Number(count)),
        ("month", Arg::Text("…")),
        ("year", Arg::Text("2026")),
        ("time", Arg::Text("07:45")),
    ]
}

#[test]
fn every_message_exists_in_every_language_and_renders() {
    let english: BTreeSet<String> = message_ids(Language::English).into_iter().collect();
    assert!(english.len() > 40, "the English catalog: {english:?}");
    for language in Language::ALL {
        catalogs_parse(language).unwrap();
        let ids: BTreeSet<String> = message_ids(language).into_iter().collect();
        assert_eq!(
            ids.symmetric_difference(&english).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "{} differs from English",
            language.code()
        );
        let t = Texts::new(language);
        for id in &ids {
            // 1, 2, 5 and 21 take every plural form of these languages.
            for count in [1, 2, 5, 21] {
                let text = t.try_format(id, &sample_args(count));
                let text =
                    text.unwrap_or_else(|| panic!("{}: {id} does not render", language.code()));
                assert!(!text.trim().is_empty() && !text.contains('{'), "{id}: {text:?}");
            }
        }
    }
}

#[test]
fn plural_forms_follow_each_language() {
    let seconds = |language, n: i64| Texts::new(language).with("duration-seconds", "seconds", n);
    assert_eq!(seconds(Language::English, 1), "one second");
    assert_eq!(seconds(Language::English, 60), "60 seconds");
    assert_eq!(seconds(Language::German, 60), "60 Sekunden");
    assert_eq!(seconds(Language::Russian, 1), "1 секунду");
    assert_eq!(seconds(Language::Russian, 3), "3 секунды");
    assert_eq!(seconds(Language::Russian, 60), "60 секунд");
    assert_eq!(Texts::new(Language::German).duration(900), "15 Minuten");
    assert_eq!(Texts::new(Language::Russian).duration(7200), "2 часа");
    assert_eq!(Texts::new(Language::English).duration(45), "45 seconds");
}

#[test]
fn every_message_the_pages_name_is_in_the_catalog() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let english: BTreeSet<String> = message_ids(Language::English).into_iter().collect();
    let mut named = BTreeSet::new();
    let mut sources = Vec::new();
    for folder in ["src/http", "src/http/pages", "templates/pages"] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                sources.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    assert!(sources.len() > 10, "the pages' sources were not found");
    for source in &sources {
        for quoted in source.split('"').skip(1).step_by(2) {
            let is_id = quoted.contains('-')
                // An underscore is in no id, but a mistyped id with one is
                // still a name the pages show as it is.
                && quoted
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
                // A route, not a message.
                && quoted != "forgot-login"
                && [
                    "forgot-",
                    "check-email-",
                    "code-",
                    "reset-",
                    "done-",
                    "message-",
                    "title-",
                    "error-",
                    "duration-",
                    "language-",
                    "support-",
                    "remind-",
                    "lock-",
                    "locked-",
                ]
                .iter()
                .any(|prefix| quoted.starts_with(prefix));
            if is_id {
                named.insert(quoted.to_owned());
            }
        }
    }
    assert!(named.len() > 25, "{named:?}");
    let missing: Vec<_> = named.difference(&english).collect();
    assert!(missing.is_empty(), "named but not in the catalog: {missing:?}");
}
