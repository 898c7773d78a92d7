//! The config file: settings an operator keeps instead of retyping flags, in TOML, at
//! `$XDG_CONFIG_HOME/flightdeck/config.toml` (`~/.config/flightdeck/config.toml`) or `--config
//! FILE`. The whole file is checked before anything starts; a problem is one line that names the
//! file, the line and what is wrong. Which of its settings win over flags and the environment is
//! `settings`' business; this reads the file.

use crate::client::checked_url;
use crate::rebind::Override;
use crate::theme::Palette;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use toml::Spanned;

/// A problem with the file: which file, which line (when it is one line's), and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}: line {line}: {}", self.file.display(), self.problem),
            None => write!(f, "{}: {}", self.file.display(), self.problem),
        }
    }
}

/// What the theme is: the console's colours, none, or colours of the operator's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeChoice {
    Default,
    NoColor,
    Colours(Palette),
}

/// The file's settings, checked. Paths in it are taken from the file's own directory.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileSettings {
    pub api: Option<String>,
    /// The original services' three URLs, together or not at all.
    pub services: Option<[String; 3]>,
    pub poll_interval: Option<Duration>,
    pub token_file: Option<PathBuf>,
    pub ca_cert: Option<PathBuf>,
    pub theme: Option<ThemeChoice>,
    /// The colours `[theme]` names, as written, for `flightdeck config`.
    pub colours: Vec<(String, String)>,
    pub keys: Vec<Override>,
}

/// The file where settings are looked for when `--config` names none.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("flightdeck").join("config.toml"))
}

/// Reads and checks a config file.
pub fn load(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_owned(),
        line: None,
        problem: format!("cannot read it: {e}"),
    })?;
    parse(path, &text)
}

/// The file's top level, each value with where it is written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Raw {
    api: Option<Spanned<String>>,
    flights_url: Option<Spanned<String>>,
    passengers_url: Option<Spanned<String>>,
    auditlog_url: Option<Spanned<String>>,
    poll_interval: Option<Spanned<Interval>>,
    token_file: Option<Spanned<String>>,
    ca_cert: Option<Spanned<String>>,
    theme: Option<Spanned<RawTheme>>,
    keys: Option<BTreeMap<Spanned<String>, Spanned<KeyList>>>,
}

pub fn parse(path: &Path, text: &str) -> Result<FileSettings, ConfigError> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let at = |offset: usize, problem: String| ConfigError {
        file: path.to_owned(),
        line: Some(line_of(offset)),
        problem,
    };
    let raw: Raw = toml::from_str(text).map_err(|e| ConfigError {
        file: path.to_owned(),
        line: e.span().map(|s| line_of(s.start)),
        problem: e.message().trim().replace('\n', " "),
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut out = FileSettings::default();

    let url = |name: &str, value: &Spanned<String>| {
        checked_url(name, value.get_ref()).map_err(|p| at(value.span().start, p))
    };
    if let Some(api) = &raw.api {
        out.api = Some(url("api", api)?);
    }
    let services = [&raw.flights_url, &raw.passengers_url, &raw.auditlog_url];
    if let Some(first) = services.iter().copied().flatten().next() {
        if let Some(api) = &raw.api {
            return Err(at(
                api.span().start,
                "api and the three service URLs exclude each other; keep one or the other".into(),
            ));
        }
        let [Some(f), Some(p), Some(a)] = services else {
            return Err(at(
                first.span().start,
                "flights_url, passengers_url and auditlog_url go together; give all three".into(),
            ));
        };
        out.services = Some([
            url("flights_url", f)?,
            url("passengers_url", p)?,
            url("auditlog_url", a)?,
        ]);
    }
    if let Some(interval) = &raw.poll_interval {
        out.poll_interval = Some(
            interval
                .get_ref()
                .0
                .clone()
                .map_err(|p| at(interval.span().start, format!("poll_interval: {p}")))?,
        );
    }
    let file = |value: &Spanned<String>| resolve(dir, value.get_ref());
    out.token_file = raw.token_file.as_ref().map(file);
    out.ca_cert = raw.ca_cert.as_ref().map(file);
    if let Some(theme) = raw.theme {
        let start = theme.span().start;
        out.theme = Some(match theme.into_inner() {
            RawTheme::Named(name) => match name.as_str() {
                "no-color" => ThemeChoice::NoColor,
                "default" => ThemeChoice::Default,
                other => {
                    return Err(at(
                        start,
                        format!(
                            "theme '{other}' is not known: write \"default\", \"no-color\", or a \
                             [theme] table of colours"
                        ),
                    ))
                }
            },
            RawTheme::Colours(colours) => {
                let mut palette = Palette::default();
                let mut entries: Vec<_> = colours.into_iter().collect();
                entries.sort_by_key(|(name, _)| name.span().start);
                for (name, value) in entries {
                    let colour =
                        ratatui::style::Color::from_str(value.get_ref()).map_err(|_| {
                            at(
                                value.span().start,
                                format!(
                                "'{}' is not a colour: write a name (red, lightblue, darkgray…), \
                                 #rrggbb, or a number 0–255",
                                value.get_ref()
                            ),
                            )
                        })?;
                    if !palette.set(name.get_ref(), colour) {
                        return Err(at(
                            name.span().start,
                            format!(
                                "unknown colour '{}' in [theme]; the colours are {}",
                                name.get_ref(),
                                Palette::NAMES.join(", ")
                            ),
                        ));
                    }
                    out.colours
                        .push((name.get_ref().clone(), value.get_ref().clone()));
                }
                ThemeChoice::Colours(palette)
            }
        });
    }
    let mut keys: Vec<_> = raw.keys.unwrap_or_default().into_iter().collect();
    keys.sort_by_key(|(name, _)| name.span().start);
    out.keys = keys
        .into_iter()
        .map(|(action, keys)| Override {
            line: line_of(action.span().start),
            action: action.into_inner(),
            keys: keys.into_inner().0,
        })
        .collect();
    Ok(out)
}

/// A path as a file writes it: `~/` is the home directory, and a relative path is taken from
/// the file's own directory, so that the file means the same wherever flightdeck is started.
fn resolve(dir: &Path, written: &str) -> PathBuf {
    if let (Some(rest), Some(home)) = (written.strip_prefix("~/"), dirs::home_dir()) {
        return home.join(rest);
    }
    dir.join(written)
}

/// `poll_interval`: a number of seconds, or a duration as `--poll-interval` takes it.
struct Interval(Result<Duration, String>);

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Interval;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"3s\" or \"500ms\", or a number of seconds")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Interval, E> {
                Ok(Interval(crate::cli::parse_interval(text)))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Interval, E> {
                self.visit_str(&n.to_string())
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Interval, E> {
                self.visit_str(&n.to_string())
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// `theme`: a name, or a table of colours.
enum RawTheme {
    Named(String),
    Colours(BTreeMap<Spanned<String>, Spanned<String>>),
}

impl<'de> Deserialize<'de> for RawTheme {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawTheme;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"default\", \"no-color\", or a [theme] table of colours")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<RawTheme, E> {
                Ok(RawTheme::Named(name.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawTheme, A::Error> {
                Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawTheme::Colours)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// An action's keys in `[keys]`: one key, or a list of them.
struct KeyList(Vec<String>);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key such as \"q\", or a list such as [\"q\", \"Esc\"]")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<KeyList, E> {
                Ok(KeyList(vec![key.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = seq.next_element::<String>()? {
                    keys.push(key);
                }
                Ok(KeyList(keys))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;

    fn read(text: &str) -> Result<FileSettings, String> {
        parse(Path::new("/etc/fd/config.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn every_key_is_read() {
        let settings = read(
            r##"
api = "https://flights.example/api"
poll_interval = "1.5s"
token_file = "token"
ca_cert = "~/ca.pem"

[theme]
arrived = "lightgreen"
border = "#333333"

[keys]
quit = "Q"
down = ["J", "Down"]
"##,
        )
        .expect("reads");
        assert_eq!(settings.api.as_deref(), Some("https://flights.example/api"));
        assert_eq!(settings.poll_interval, Some(Duration::from_millis(1500)));
        assert_eq!(settings.token_file, Some(PathBuf::from("/etc/fd/token")));
        assert!(settings
            .ca_cert
            .is_some_and(|p| p.ends_with("ca.pem") && p.is_absolute()));
        let Some(ThemeChoice::Colours(palette)) = settings.theme else {
            panic!("colours: {:?}", settings.theme)
        };
        assert_eq!(palette.arrived, Color::LightGreen);
        assert_eq!(palette.border, Color::Rgb(0x33, 0x33, 0x33));
        assert_eq!(palette.boarded, Palette::default().boarded);
        assert_eq!(
            settings.keys,
            vec![
                Override {
                    action: "quit".into(),
                    keys: vec!["Q".into()],
                    line: 12
                },
                Override {
                    action: "down".into(),
                    keys: vec!["J".into(), "Down".into()],
                    line: 13
                },
            ]
        );
        let services = read(
            "flights_url = \"http://h:8040/flights\"\npassengers_url = \"http://h:8050/passengers\"\nauditlog_url = \"http://h:8080/auditlog\"\npoll_interval = 2\ntheme = \"no-color\"\n",
        )
        .expect("reads");
        assert!(services.services.is_some());
        assert_eq!(services.poll_interval, Some(Duration::from_secs(2)));
        assert_eq!(services.theme, Some(ThemeChoice::NoColor));
    }

    #[test]
    fn problems_name_the_file_and_the_line() {
        let err = read("api = \"http://h/api\"\ncolour = \"red\"\n").expect_err("refused");
        assert!(
            err.starts_with("/etc/fd/config.toml: line 2: unknown field `colour`"),
            "{err}"
        );
        let err = read("api = \"http://h/api\"\n[keys\n").expect_err("refused");
        assert!(err.starts_with("/etc/fd/config.toml: line 2: "), "{err}");
        let err = read("\n\napi = \"ftp://h\"\n").expect_err("refused");
        assert!(
            err.starts_with("/etc/fd/config.toml: line 3: api ftp://h: expected"),
            "{err}"
        );
        let err = read("poll_interval = \"soon\"\n").expect_err("refused");
        assert!(
            err.contains("line 1: poll_interval: 'soon' is not a duration"),
            "{err}"
        );
        let err = read("[theme]\nborder = \"grey-ish\"\n").expect_err("refused");
        assert!(err.contains("line 2: 'grey-ish' is not a colour"), "{err}");
        let err = read("[theme]\nbackground = \"red\"\n").expect_err("refused");
        assert!(err.contains("line 2: unknown colour 'background'"), "{err}");
        let err = read("theme = \"dark\"\n").expect_err("refused");
        assert!(err.contains("line 1: theme 'dark' is not known"), "{err}");
        let err = read("flights_url = \"http://h/flights\"\n").expect_err("refused");
        assert!(
            err.contains("line 1: flights_url, passengers_url and auditlog_url go together"),
            "{err}"
        );
        let err = read("[keys]\nquit = 5\n").expect_err("refused");
        assert!(err.contains("line 2: "), "{err}");
    }
}
