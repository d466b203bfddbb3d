//! The service's words in each language it speaks: Fluent catalogs under
//! `shared/messages/locales/<language>/` (`pages.ftl` for the pages, `messages.ftl`
//! for emails and text messages), compiled into the binary and parsed the
//! first time a language is asked for.

use std::borrow::Cow;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use recovery_domain::Language;

type Bundle = FluentBundle<FluentResource>;

/// The catalog files of each language, by name.
pub const CATALOGS: &[(Language, &str, &str)] = &[
    (Language::English, "pages.ftl", include_str!("../locales/en/pages.ftl")),
    (Language::English, "messages.ftl", include_str!("../locales/en/messages.ftl")),
    (Language::German, "pages.ftl", include_str!("../locales/de/pages.ftl")),
    (Language::German, "messages.ftl", include_str!("../locales/de/messages.ftl")),
    (Language::Russian, "pages.ftl", include_str!("../locales/ru/pages.ftl")),
    (Language::Russian, "messages.ftl", include_str!("../locales/ru/messages.ftl")),
];

fn bundle(language: Language) -> &'static Bundle {
    static BUNDLES: [OnceLock<Bundle>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let index = Language::ALL.iter().position(|l| *l == language).unwrap_or(0);
    BUNDLES[index].get_or_init(|| {
        let tag =
            language.code().parse().unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
        let mut bundle = Bundle::new_concurrent(vec![tag]);
        // The isolation marks Fluent puts around arguments are for mixed
        // directions; these languages all run left to right, and the marks
        // would land in SMS and plain-text mail as stray characters.
        bundle.set_use_isolating(false);
        for (_, _, text) in CATALOGS.iter().filter(|(l, _, _)| *l == language) {
            // A catalog that does not parse fails its test
            // (`every_message_exists_in_every_language_and_renders`); what
            // parses of it is still used.
            let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(r, _)| r);
            let _ = bundle.add_resource(resource);
        }
        bundle
    })
}

/// The words of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Texts {
    pub language: Language,
}

/// An argument of a message: a number (which chooses plural forms) or text.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Number(i64),
    Text(&'a str),
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(s)
    }
}

impl Texts {
    pub fn new(language: Language) -> Self {
        Self { language }
    }

    /// The message `id`, without arguments.
    pub fn get(&self, id: &str) -> String {
        self.format(id, &[])
    }

    /// The message `id` with one argument.
    pub fn with<'a>(&self, id: &str, name: &str, value: impl Into<Arg<'a>>) -> String {
        self.format(id, &[(name, value.into())])
    }

    /// The message `id` with its arguments; the message's id itself when
    /// the catalog lacks it (a test makes sure none does).
    pub fn format(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.try_format(id, args).unwrap_or_else(|| id.to_owned())
    }

    /// The message `id` with `args`, or `None` when the language has no
    /// such message or rendering it reported an error (a missing argument,
    /// an unknown reference).
    pub fn try_format(&self, id: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
        let bundle = bundle(self.language);
        let pattern = bundle.get_message(id)?.value()?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Number(n) => FluentValue::from(*n),
                Arg::Text(s) => FluentValue::String(Cow::Borrowed(s)),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }

    /// A span of `seconds` in its largest whole unit: days (from two),
    /// hours, minutes or seconds ("in { $wait }", "expires in { $lifetime }").
    pub fn duration(&self, seconds: i64) -> String {
        match seconds.max(1) {
            s if s % 86_400 == 0 && s >= 2 * 86_400 => {
                self.with("duration-days", "days", s / 86_400)
            }
            s if s % 3600 == 0 => self.with("duration-hours", "hours", s / 3600),
            s if s % 60 == 0 => self.with("duration-minutes", "minutes", s / 60),
            s => self.with("duration-seconds", "seconds", s),
        }
    }
}

/// Every message id of `language`'s catalogs, in file order.
pub fn message_ids(language: Language) -> Vec<String> {
    CATALOGS
        .iter()
        .filter(|(l, _, _)| *l == language)
        .flat_map(|(_, _, text)| {
            text.lines()
                .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
                .filter_map(|line| line.split_once(" =").map(|(id, _)| id.trim().to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether every catalog of `language` parses without an error.
pub fn catalogs_parse(language: Language) -> Result<(), String> {
    for (_, name, text) in CATALOGS.iter().filter(|(l, _, _)| *l == language) {
        if let Err((_, errors)) = FluentResource::try_new((*text).to_owned()) {
            return Err(format!("{}/{name}: {errors:?}", language.code()));
        }
    }
    Ok(())
}
