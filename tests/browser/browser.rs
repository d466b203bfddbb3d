//! Headless Chromium under chromedriver, one session per walk, and what a
//! walk does with it: open a page, fill a field, press a button, read what
//! the page says, check it with axe-core, and keep a screenshot.
//!
//! A step that fails keeps a screenshot and the page's source under
//! `target/browser/failures/` and says where. With `SCREENSHOTS=<folder>`,
//! the pages a walk names with [`Browser::keep`] are saved there too (the
//! README's pictures: `make screenshots`).

use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use system_tests::{free_port, tethered, unique, workspace_root};

pub type Failure = Box<dyn std::error::Error + Send + Sync>;
pub type Step<T = ()> = Result<T, Failure>;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const INSTALL: &str = "The browser tests need Debian's chromium and chromium-driver and axe-core \
     from npm: `make test` installs them (infra/browser/install.sh); by hand: \
     `apt-get install chromium chromium-driver && npm ci --prefix infra/browser`.";

/// The WebDriver server, started once for the whole binary.
fn chromedriver() -> &'static str {
    static DRIVER: OnceLock<(String, Child)> = OnceLock::new();
    &DRIVER
        .get_or_init(|| {
            assert!(Path::new(CHROMEDRIVER).exists(), "{CHROMEDRIVER} is missing. {INSTALL}");
            let port = free_port();
            let log = failures_dir().join("chromedriver.log");
            let child = tethered(&[CHROMEDRIVER, &format!("--port={port}")], &log, &[]);
            let url = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(30);
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "chromedriver did not listen within 30 s; see {}",
                    log.display()
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            (url, child)
        })
        .0
}

/// Runs axe-core on the page and hands back its violations as JSON.
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
axe.run(document, { runOnly: { type: "tag", values: tags } }).then(
  function (result) {
    done(JSON.stringify(result.violations.map(function (v) {
      return {
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map(function (n) { return n.target.join(" "); }),
      };
    })));
  },
  function (error) {
    done(JSON.stringify([{ id: "axe-error", impact: "critical", help: String(error) }]));
  }
);
"#;

/// axe-core's script, from `infra/browser/node_modules`.
fn axe_source() -> &'static str {
    static AXE: OnceLock<String> = OnceLock::new();
    AXE.get_or_init(|| {
        let path = workspace_root().join("infra/browser/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing. {INSTALL}", path.display()))
    })
}

fn failures_dir() -> PathBuf {
    let dir = workspace_root().join("target/browser/failures");
    std::fs::create_dir_all(&dir).expect("create target/browser/failures");
    dir
}

/// One browser session, for one walk, in `language` (what the browser
/// asks for in `Accept-Language`).
pub struct Browser {
    client: Client,
    walk: &'static str,
    step: String,
    base: String,
    /// The pages checked with axe so far, by their `<title>`.
    pub checked: Vec<String>,
}

impl Browser {
    /// A new headless Chromium, its window the size of a large phone.
    pub async fn open(walk: &'static str, base: &str, language: &str) -> Browser {
        let profile = std::env::temp_dir().join(unique("chromium-profile"));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                    "--window-size=480,900", format!("--lang={language}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": { "intl.accept_languages": language },
            },
        });
        let Value::Object(capabilities) = capabilities else { unreachable!() };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(chromedriver())
            .await
            .unwrap_or_else(|e| panic!("no Chromium session: {e}. {INSTALL}"));
        Browser { client, walk, step: "start".into(), base: base.to_owned(), checked: Vec::new() }
    }

    /// Names the step that follows, for the failure report.
    pub fn step(&mut self, name: &str) {
        self.step = name.to_owned();
    }

    /// Opens `path_or_url` (a path, without a scheme, is on the local
    /// stack).
    pub async fn go(&mut self, path_or_url: &str) -> Step {
        let url = if path_or_url.contains(':') {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base)
        };
        self.client.goto(&url).await?;
        Ok(())
    }

    /// Types `text` into the field `css` (after clearing it).
    pub async fn fill(&self, css: &str, text: &str) -> Step {
        let field = self.client.find(Locator::Css(css)).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// Presses the button `css` and waits for the next page.
    pub async fn press(&self, css: &str) -> Step {
        self.click_through(Locator::Css(css)).await
    }

    /// Follows the link whose text is `text` and waits for the next page.
    pub async fn press_link(&self, text: &str) -> Step {
        self.click_through(Locator::LinkText(text)).await
    }

    async fn click_through(&self, locator: Locator<'_>) -> Step {
        let button = self.client.find(locator).await?;
        let before = self.client.find(Locator::Css("html")).await?;
        button.click().await?;
        // The old page's root goes stale once the next one has loaded.
        let deadline = Instant::now() + Duration::from_secs(60);
        while before.tag_name().await.is_ok() {
            if Instant::now() > deadline {
                return Err("the page did not change within 60 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.client.wait().for_element(Locator::Css("body")).await?;
        Ok(())
    }

    /// The page's `<h1>`.
    pub async fn heading(&self) -> Step<String> {
        Ok(self.client.find(Locator::Css("h1")).await?.text().await?)
    }

    /// Fails unless the page's `<h1>` is `expected`.
    pub async fn expect_heading(&self, expected: &str) -> Step {
        let heading = self.heading().await?;
        if heading != expected {
            return Err(format!("the page says {heading:?}, not {expected:?}").into());
        }
        Ok(())
    }

    /// The text a person reads on the page.
    pub async fn text(&self) -> Step<String> {
        Ok(self.client.find(Locator::Css("body")).await?.text().await?)
    }

    /// Fails unless the page shows `expected` somewhere.
    pub async fn expect_text(&self, expected: &str) -> Step {
        let text = self.text().await?;
        if !text.contains(expected) {
            return Err(format!("the page does not say {expected:?}; it says:\n{text}").into());
        }
        Ok(())
    }

    /// The attribute `name` of the element `css`.
    pub async fn attribute(&self, css: &str, name: &str) -> Step<Option<String>> {
        let element = self.client.find(Locator::Css(css)).await?;
        Ok(element.attr(name).await?)
    }

    /// The computed style `property` of the element `css`.
    pub async fn style(&self, css: &str, property: &str) -> Step<String> {
        let value = self
            .client
            .execute(
                "return getComputedStyle(document.querySelector(arguments[0]))\
                 .getPropertyValue(arguments[1]);",
                vec![json!(css), json!(property)],
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// The address the browser is at.
    pub async fn url(&self) -> Step<String> {
        Ok(self.client.current_url().await?.to_string())
    }

    /// Runs axe-core on the page (WCAG 2.1 A and AA, and axe's best
    /// practices) and fails on any serious or critical violation.
    pub async fn check_accessibility(&mut self) -> Step {
        let script = format!("{}\n{AXE_RUN}", axe_source());
        let answer = self.client.execute_async(&script, vec![]).await?;
        let violations: Vec<Value> = serde_json::from_str(answer.as_str().unwrap_or("[]"))?;
        let serious: Vec<&Value> = violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        let title = self.client.title().await?;
        if !serious.is_empty() {
            return Err(format!(
                "axe-core finds serious or critical violations on {title:?}: {}",
                serde_json::to_string_pretty(&serious)?
            )
            .into());
        }
        self.checked.push(title);
        Ok(())
    }

    /// Saves a screenshot as `<name>.png` in `$SCREENSHOTS`, when set.
    pub async fn keep(&self, name: &str) -> Step {
        let Some(folder) = std::env::var_os("SCREENSHOTS") else {
            return Ok(());
        };
        let folder = workspace_root().join(folder);
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join(format!("{name}.png")), self.client.screenshot().await?)?;
        Ok(())
    }

    /// Ends the session; on `outcome`'s failure, first keeps a screenshot
    /// and the page's source, and panics with where they are.
    pub async fn finish(self, outcome: Step) {
        if let Err(failure) = outcome {
            let stem = failures_dir().join(format!(
                "{}-{}",
                self.walk,
                self.step.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            ));
            let kept = match self.client.screenshot().await {
                Ok(png) => std::fs::write(stem.with_extension("png"), png).is_ok(),
                Err(_) => false,
            };
            if let Ok(source) = self.client.source().await {
                let _ = std::fs::write(stem.with_extension("html"), source);
            }
            let url = self.url().await.unwrap_or_default();
            let _ = self.client.close().await;
            panic!(
                "{} failed at step {:?} ({url}): {failure}\n{} {}",
                self.walk,
                self.step,
                if kept { "screenshot:" } else { "no screenshot; page:" },
                stem.with_extension(if kept { "png" } else { "html" }).display()
            );
        }
        let _ = self.client.close().await;
    }
}
