//! The settings in force, each taken from the first place that gives it: a flag, then the
//! environment, then the config file, then the default; and where each came from, which
//! `flightdeck config` prints. Everything is checked here, before any backend or screen starts:
//! a bad file, a token file that cannot be read or a certificate that cannot be used stops the
//! start with one line.

use crate::cli::Cli;
use crate::config::{self, ConfigError, ThemeChoice};
use crate::keymap::Binding;
use crate::theme::{Palette, Theme};
use clap::parser::ValueSource;
use clap::ArgMatches;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    File(PathBuf),
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(flag) => f.write_str(flag),
            Self::Env(name) => f.write_str(name),
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Default => f.write_str("default"),
        }
    }
}

/// One line of `flightdeck config`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    pub name: String,
    pub value: String,
    pub source: Source,
}

pub struct Settings {
    /// The command line with what the file gave filled in: the target, the poll interval, and
    /// the token (read from its file where one is named).
    pub cli: Cli,
    /// Certificate authorities to trust besides the platform's.
    pub ca_certs: Vec<reqwest::Certificate>,
    pub theme: Theme,
    /// The key table with the file's `[keys]` applied, when it has any.
    pub keys: Option<Vec<Binding>>,
    /// Said on stderr before the console starts (a token file others can read).
    pub warnings: Vec<String>,
    pub shown: Vec<Shown>,
}

/// Where an argument's value came from, if it was given at all (a default is not given).
fn given(matches: &ArgMatches, id: &str) -> Option<ValueSource> {
    let here = matches
        .try_get_raw(id)
        .ok()
        .flatten()
        .and(matches.value_source(id));
    let below = || {
        matches
            .subcommand()
            .and_then(|(_, sub)| sub.try_get_raw(id).ok().flatten().and(sub.value_source(id)))
    };
    here.or_else(below)
        .filter(|s| matches!(s, ValueSource::CommandLine | ValueSource::EnvVariable))
}

fn source(matches: &ArgMatches, id: &str, flag: &'static str, env: &'static str) -> Option<Source> {
    given(matches, id).map(|s| match s {
        ValueSource::CommandLine => Source::Flag(flag),
        _ => Source::Env(env),
    })
}

/// Works out the settings in force from the parsed command line and its matches.
pub fn resolve(mut cli: Cli, matches: &ArgMatches) -> Result<Settings, String> {
    let mut shown = Vec::new();
    let mut show = |name: &str, value: String, source: Source| {
        shown.push(Shown {
            name: name.to_owned(),
            value,
            source,
        })
    };

    // The file, if there is one.
    let (path, path_source) = match (
        &cli.config,
        source(matches, "config", "--config", "FLIGHTDECK_CONFIG"),
    ) {
        (Some(path), Some(source)) => (Some(path.clone()), source),
        _ => (config::default_path(), Source::Default),
    };
    let explicit = path_source != Source::Default;
    let file = match &path {
        Some(path) if explicit || path.exists() => {
            Some(config::load(path).map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let file_source = || Source::File(path.clone().unwrap_or_default());
    let config_line = match (&path, &file) {
        (Some(p), Some(_)) => p.display().to_string(),
        (Some(p), None) => format!("{} (not there; none read)", p.display()),
        (None, _) => "none (no config directory is known here)".to_owned(),
    };
    show("config", config_line, path_source);
    let file = file.unwrap_or_default();

    // Where the backend is.
    let api = source(matches, "api", "--api", "FLIGHTDECK_API");
    let services = source(
        matches,
        "flights_url",
        "--flights-url",
        "FLIGHTDECK_FLIGHTS_URL",
    );
    if let Some(source) = api {
        show("api", cli.api.clone().unwrap_or_default(), source);
    } else if services.is_some() {
        for (name, id, flag, env, value) in [
            (
                "flights_url",
                "flights_url",
                "--flights-url",
                "FLIGHTDECK_FLIGHTS_URL",
                &cli.flights_url,
            ),
            (
                "passengers_url",
                "passengers_url",
                "--passengers-url",
                "FLIGHTDECK_PASSENGERS_URL",
                &cli.passengers_url,
            ),
            (
                "auditlog_url",
                "auditlog_url",
                "--auditlog-url",
                "FLIGHTDECK_AUDITLOG_URL",
                &cli.auditlog_url,
            ),
        ] {
            let source = source(matches, id, flag, env).unwrap_or(Source::Default);
            show(name, value.clone().unwrap_or_default(), source);
        }
    } else if let Some(api) = &file.api {
        cli.api = Some(api.clone());
        show("api", api.clone(), file_source());
    } else if let Some([f, p, a]) = &file.services {
        cli.flights_url = Some(f.clone());
        cli.passengers_url = Some(p.clone());
        cli.auditlog_url = Some(a.clone());
        show("flights_url", f.clone(), file_source());
        show("passengers_url", p.clone(), file_source());
        show("auditlog_url", a.clone(), file_source());
    } else {
        let dir = source(matches, "data_dir", "--data-dir", "FLIGHTDECK_DATA_DIR");
        let where_ = match cli.target() {
            Ok(crate::cli::Target::Embedded(dir)) => format!("embedded, data in {}", dir.display()),
            Ok(_) => "embedded".to_owned(),
            Err(e) => return Err(e),
        };
        show("api", where_, dir.unwrap_or(Source::Default));
    }

    // How often to poll a backend without a live stream.
    let poll = source(
        matches,
        "poll_interval",
        "--poll-interval",
        "FLIGHTDECK_POLL_INTERVAL",
    );
    let poll = match (poll, file.poll_interval) {
        (Some(source), _) => source,
        (None, Some(interval)) => {
            cli.poll_interval = interval;
            file_source()
        }
        (None, None) => Source::Default,
    };
    show("poll_interval", format!("{:?}", cli.poll_interval), poll);

    // The token: at the first place that gives one, a token or a token file, not both.
    let mut warnings = Vec::new();
    let token = source(matches, "token", "--token", "FLIGHTDECK_TOKEN");
    let token_file = source(
        matches,
        "token_file",
        "--token-file",
        "FLIGHTDECK_TOKEN_FILE",
    );
    let rank = |s: &Option<Source>| match s {
        Some(Source::Flag(_)) => 0,
        Some(_) => 1,
        None => 2,
    };
    let (token_line, token_source) = match (rank(&token), rank(&token_file)) {
        (a, b) if a == b && a < 2 => {
            let (Some(one), Some(other)) = (&token, &token_file) else {
                unreachable!("both ranks are below 2");
            };
            return Err(format!(
                "{one} and {other} both give a token; keep one of them"
            ));
        }
        (a, b) if a < b => ("hidden".to_owned(), token.unwrap_or(Source::Default)),
        (_, b) if b < 2 => {
            let path = cli.token_file.clone().unwrap_or_default();
            let line = read_into(&mut cli, &path, &mut warnings)?;
            (line, token_file.unwrap_or(Source::Default))
        }
        _ => match &file.token_file {
            Some(path) => {
                let line = read_into(&mut cli, path, &mut warnings)?;
                (line, file_source())
            }
            None => {
                cli.token = None;
                ("none".to_owned(), Source::Default)
            }
        },
    };
    show("token", token_line, token_source);

    // Certificate authorities to trust besides the platform's.
    let ca = source(matches, "ca_cert", "--ca-cert", "FLIGHTDECK_CA_CERT");
    let (ca_path, ca_source) = match (ca, &file.ca_cert) {
        (Some(source), _) => (cli.ca_cert.clone(), source),
        (None, Some(path)) => (Some(path.clone()), file_source()),
        (None, None) => (None, Source::Default),
    };
    let ca_certs = match &ca_path {
        Some(path) => crate::tls::load_ca(path)?,
        None => vec![],
    };
    cli.ca_cert = ca_path.clone();
    show(
        "ca_cert",
        ca_path.map_or_else(
            || "none: the platform's roots only".to_owned(),
            |p| p.display().to_string(),
        ),
        ca_source,
    );

    // The colours: NO_COLOR in the environment wins over the file.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (theme, theme_line, theme_source) = match (no_color, file.theme) {
        (true, _) => (
            Theme::plain(),
            "no-color".to_owned(),
            Source::Env("NO_COLOR"),
        ),
        (false, Some(ThemeChoice::NoColor)) => {
            (Theme::plain(), "no-color".to_owned(), file_source())
        }
        (false, Some(ThemeChoice::Colours(palette))) => {
            let named: Vec<String> = file
                .colours
                .iter()
                .map(|(n, c)| format!("{n} = {c}"))
                .collect();
            (
                Theme::with_palette(palette),
                named.join(", "),
                file_source(),
            )
        }
        (false, Some(ThemeChoice::Default)) => {
            (Theme::colored(), "default".to_owned(), file_source())
        }
        (false, None) => (
            Theme::with_palette(Palette::default()),
            "default".to_owned(),
            Source::Default,
        ),
    };
    show("theme", theme_line, theme_source);

    // The keys.
    let keys = if file.keys.is_empty() {
        show(
            "keys",
            "the defaults (see ? in the console)".to_owned(),
            Source::Default,
        );
        None
    } else {
        let table = crate::rebind::apply(&file.keys).map_err(|refusal| {
            ConfigError {
                file: path.clone().unwrap_or_default(),
                line: Some(refusal.line),
                problem: refusal.problem,
            }
            .to_string()
        })?;
        for o in &file.keys {
            show(
                &format!("keys.{}", o.action),
                o.keys.join(", "),
                file_source(),
            );
        }
        Some(table)
    };

    Ok(Settings {
        cli,
        ca_certs,
        theme,
        keys,
        warnings,
        shown,
    })
}

/// Reads the token file into the command line's token; what `flightdeck config` says of it.
fn read_into(cli: &mut Cli, path: &Path, warnings: &mut Vec<String>) -> Result<String, String> {
    let (token, warning) = read_token(path)?;
    cli.token = Some(token);
    warnings.extend(warning);
    Ok(format!("hidden, read from {}", path.display()))
}

/// A token file's token, with a trailing newline trimmed, and a warning when others may read
/// the file.
pub fn read_token(path: &Path) -> Result<(String, Option<String>), String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("token file {shown}: cannot read it: {e}"))?;
    let token = text.strip_suffix('\n').unwrap_or(&text);
    let token = token.strip_suffix('\r').unwrap_or(token);
    if token.is_empty() {
        return Err(format!("token file {shown}: is empty"));
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "token file {shown}: holds spaces or more than one line; a token is one line"
        ));
    }
    Ok((token.to_owned(), readable_by_others(path)))
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then(|| {
        format!(
            "warning: token file {} can be read by others (mode {mode:o}); `chmod 600` it",
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn readable_by_others(_: &Path) -> Option<String> {
    None
}

/// `flightdeck config`: each setting, its value and where it came from.
pub fn print(settings: &Settings, out: &mut impl Write) -> std::io::Result<()> {
    let width = settings
        .shown
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    let value_width = settings
        .shown
        .iter()
        .map(|s| s.value.chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    for s in &settings.shown {
        writeln!(
            out,
            "{:<width$}  {:<value_width$}  ({})",
            s.name, s.value, s.source
        )?;
    }
    for warning in &settings.warnings {
        writeln!(out, "{warning}")?;
    }
    Ok(())
}
