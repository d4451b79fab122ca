//! Configuration: `config/default.toml`, then `config/{TECHMATCH_ENV}.toml`, then environment
//! variables `TECHMATCH__SECTION__KEY`. Every level is merged into one tree that must match
//! [`Settings`] exactly: unknown keys are an error, so a typo never silently does nothing.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use techmatch_api::ApiSettings;
use techmatch_service::AuthSettings;
use techmatch_store::DatabaseSettings;

/// Shipped with the binary, so that it runs outside the source tree too.
pub const EMBEDDED_DEFAULT: &str = include_str!("../config/default.toml");
pub const EMBEDDED_PRODUCTION: &str = include_str!("../config/production.toml");

const ENV_PREFIX: &str = "TECHMATCH__";
pub const ENVIRONMENT_VARIABLE: &str = "TECHMATCH_ENV";
pub const CONFIG_DIR_VARIABLE: &str = "TECHMATCH_CONFIG_DIR";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ApiSettings,
    pub database: DatabaseSettings,
    pub search: SearchSettings,
    pub auth: AuthSettings,
    pub matching: MatchingSettings,
    pub log: LogSettings,
    pub demo: DemoSettings,
    pub mail: techmatch_service::mail::MailSettings,
    pub deals: techmatch_service::deals::DealSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchingSettings {
    pub weights: techmatch_matching::features::Weights,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSettings {
    pub index_dir: PathBuf,
    pub writer_memory_mb: usize,
    pub poll_interval_ms: u64,
    pub read_your_writes: techmatch_service::ReadYourWrites,
    pub visibility_wait_ms: u64,
    pub min_commit_interval_ms: u64,
    pub outbox_prune_interval_seconds: u64,
    pub node_retention_hours: u64,
    pub result_cache_mb: usize,
    pub listing_cache_mb: usize,
}

impl SearchSettings {
    pub fn service_settings(&self) -> techmatch_service::SearchSettings {
        techmatch_service::SearchSettings {
            index_dir: self.index_dir.clone(),
            writer_memory_bytes: self.writer_memory_mb.clamp(16, 4096) * 1024 * 1024,
            poll_interval: std::time::Duration::from_millis(self.poll_interval_ms.max(10)),
            read_your_writes: self.read_your_writes,
            visibility_wait: std::time::Duration::from_millis(self.visibility_wait_ms),
            min_commit_interval: std::time::Duration::from_millis(self.min_commit_interval_ms),
            outbox_prune_interval: std::time::Duration::from_secs(self.outbox_prune_interval_seconds.max(1)),
            node_retention: std::time::Duration::from_secs(self.node_retention_hours.max(1) * 3600),
            result_cache_bytes: self.result_cache_mb.min(65_536) * 1024 * 1024,
            listing_cache_bytes: self.listing_cache_mb.min(65_536) * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSettings {
    pub admin_email: String,
}

/// Which deployment this is; production turns on the strict start-up checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment(String);

impl Environment {
    pub fn from_process() -> Environment {
        Environment(std::env::var(ENVIRONMENT_VARIABLE).unwrap_or_else(|_| "development".to_owned()))
    }

    pub fn named(name: &str) -> Environment {
        Environment(name.to_owned())
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    pub fn is_production(&self) -> bool {
        self.0 == "production"
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{origin} is not valid toml: {message}")]
    Syntax { origin: String, message: String },
    #[error("no configuration file for environment {0:?} (expected config/{0}.toml)")]
    MissingEnvironmentFile(String),
    #[error("invalid configuration: {0}")]
    Invalid(String),
    #[error("refusing to start in production: {0}")]
    UnsafeForProduction(String),
}

/// Loads the settings for `environment` from `config_dir` (or the embedded files when the
/// directory has no `default.toml`) and the given environment variables.
pub fn load(
    config_dir: &Path,
    environment: &Environment,
    variables: impl IntoIterator<Item = (String, String)>,
) -> Result<Settings, ConfigError> {
    let default_path = config_dir.join("default.toml");
    let on_disk = default_path.is_file();
    let mut tree = if on_disk {
        parse(&read(&default_path)?, &default_path.display().to_string())?
    } else {
        parse(EMBEDDED_DEFAULT, "embedded default.toml")?
    };

    if environment.name() != "development" {
        let environment_path = config_dir.join(format!("{}.toml", environment.name()));
        let overlay = if environment_path.is_file() {
            parse(&read(&environment_path)?, &environment_path.display().to_string())?
        } else if environment.is_production() && !on_disk {
            parse(EMBEDDED_PRODUCTION, "embedded production.toml")?
        } else {
            return Err(ConfigError::MissingEnvironmentFile(environment.name().to_owned()));
        };
        merge(&mut tree, overlay);
    }

    apply_variables(&mut tree, variables)?;
    let settings: Settings = toml::Value::Table(tree)
        .try_into()
        .map_err(|error: toml::de::Error| ConfigError::Invalid(error.message().to_owned()))?;
    check(&settings, environment)?;
    Ok(settings)
}

/// Loads settings the way the binary does: from `TECHMATCH_CONFIG_DIR` (default `config`),
/// `TECHMATCH_ENV` and the process environment.
pub fn load_from_process(config_dir_override: Option<&Path>) -> Result<(Settings, Environment), ConfigError> {
    let environment = Environment::from_process();
    let config_dir = config_dir_override.map(Path::to_path_buf).unwrap_or_else(|| {
        std::env::var_os(CONFIG_DIR_VARIABLE).map_or_else(|| PathBuf::from("config"), PathBuf::from)
    });
    let settings = load(&config_dir, &environment, std::env::vars())?;
    Ok((settings, environment))
}

fn check(settings: &Settings, environment: &Environment) -> Result<(), ConfigError> {
    if let Some(problem) = settings.auth.password_hash.problem() {
        return Err(ConfigError::Invalid(problem));
    }
    if let Some(problem) = settings.deals.problem() {
        return Err(ConfigError::Invalid(problem));
    }
    if settings.auth.access_token_ttl_seconds == 0 || settings.auth.access_token_ttl_seconds > 86_400 {
        return Err(ConfigError::Invalid("auth.access_token_ttl_seconds must be between 1 and 86400".to_owned()));
    }
    if environment.is_production()
        && let Some(weakness) = settings.auth.jwt_secret.production_weakness()
    {
        return Err(ConfigError::UnsafeForProduction(weakness));
    }
    Ok(())
}

/// What a deployment may have left open on purpose, but should hear about at start-up: in
/// production, request metrics answered to anyone (route names, counts and timings) when no
/// `server.metrics_token` is set; elsewhere, a JWT secret production would refuse (the shipped
/// development value lets anyone who has read the source sign in as anyone).
pub fn cautions(settings: &Settings, environment: &Environment) -> Vec<String> {
    let mut cautions = Vec::new();
    if !environment.is_production()
        && let Some(weakness) = settings.auth.jwt_secret.production_weakness()
    {
        cautions.push(format!(
            "{weakness}: anyone can forge sign-ins to this {} instance; keep it off shared networks, \
             or set TECHMATCH__AUTH__JWT_SECRET (openssl rand -base64 48)",
            environment.name()
        ));
    }
    if environment.is_production() && settings.server.metrics_token.is_empty() {
        cautions.push(
            "/metrics answers anyone: set server.metrics_token (TECHMATCH__SERVER__METRICS_TOKEN) or keep the port private"
                .to_owned(),
        );
    }
    cautions
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })
}

fn parse(text: &str, origin: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>()
        .map_err(|error| ConfigError::Syntax { origin: origin.to_owned(), message: error.message().to_owned() })
}

fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base_table)), toml::Value::Table(overlay_table)) => {
                merge(base_table, overlay_table)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// `TECHMATCH__AUTH__LOGIN_LIMITS__WINDOW_SECONDS=60` sets `auth.login_limits.window_seconds`.
/// A value is read as TOML (number, boolean, array) where the files hold a non-string value,
/// and as a plain string otherwise, so that a secret made of digits stays a string.
fn apply_variables(
    tree: &mut toml::Table,
    variables: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    let mut variables: Vec<(String, String)> =
        variables.into_iter().filter(|(name, _)| name.starts_with(ENV_PREFIX)).collect();
    variables.sort();
    for (name, raw) in variables {
        let path: Vec<String> = name[ENV_PREFIX.len()..].split("__").map(str::to_lowercase).collect();
        if path.iter().any(String::is_empty) {
            return Err(ConfigError::Invalid(format!("environment variable {name} names no setting")));
        }
        let mut table = &mut *tree;
        for segment in &path[..path.len() - 1] {
            let entry = table.entry(segment.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            table = match entry {
                toml::Value::Table(inner) => inner,
                _ => {
                    return Err(ConfigError::Invalid(format!(
                        "environment variable {name}: {segment} is not a section"
                    )));
                }
            };
        }
        let leaf = &path[path.len() - 1];
        let value = match table.get(leaf) {
            Some(toml::Value::String(_)) | None => toml::Value::String(raw),
            Some(_) => format!("value = {raw}")
                .parse::<toml::Table>()
                .ok()
                .and_then(|mut parsed| parsed.remove("value"))
                .ok_or_else(|| {
                    ConfigError::Invalid(format!("environment variable {name}: {raw:?} is not a valid value"))
                })?,
        };
        table.insert(leaf.clone(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect()
    }

    fn repo_config() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
    }

    #[test]
    fn shipped_defaults_load_and_match_the_issue() {
        let settings = load(&repo_config(), &Environment::named("development"), Vec::new()).unwrap();
        assert_eq!(settings.server.listen, "127.0.0.1:8080");
        assert_eq!(settings.database.url, "sqlite://data/techmatch.db?mode=rwc");
        assert_eq!(settings.search.index_dir, PathBuf::from("data/index"));
        assert_eq!(settings.auth.password_hash.memory_kib, 19_456);
    }

    #[test]
    fn the_shipped_secret_is_the_one_production_refuses() {
        let settings = load(&repo_config(), &Environment::named("development"), Vec::new()).unwrap();
        assert!(settings.auth.jwt_secret.production_weakness().is_some());
        assert_eq!(settings.auth.jwt_secret.expose(), techmatch_service::SHIPPED_DEVELOPMENT_SECRET.as_bytes());
    }

    #[test]
    fn embedded_files_equal_the_files_on_disk() {
        assert_eq!(std::fs::read_to_string(repo_config().join("default.toml")).unwrap(), EMBEDDED_DEFAULT);
        assert_eq!(std::fs::read_to_string(repo_config().join("production.toml")).unwrap(), EMBEDDED_PRODUCTION);
    }

    #[test]
    fn environment_variables_override_files_with_types_kept() {
        let settings = load(
            &repo_config(),
            &Environment::named("development"),
            variables(&[
                ("TECHMATCH__SERVER__LISTEN", "127.0.0.1:0"),
                ("TECHMATCH__SERVER__WORKERS", "3"),
                ("TECHMATCH__AUTH__LOGIN_LIMITS__WINDOW_SECONDS", "60"),
                ("TECHMATCH__AUTH__JWT_SECRET", "12345678901234567890123456789012345"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.server.listen, "127.0.0.1:0");
        assert_eq!(settings.server.workers, 3);
        assert_eq!(settings.auth.login_limits.window_seconds, 60);
        assert_eq!(settings.auth.jwt_secret.expose(), b"12345678901234567890123456789012345");
    }

    #[test]
    fn unknown_keys_are_errors_in_files_and_variables() {
        let error =
            load(&repo_config(), &Environment::named("development"), variables(&[("TECHMATCH__SERVER__LISTN", "x")]))
                .unwrap_err();
        assert!(error.to_string().contains("listn"), "{error}");
        let directory = tempfile::tempdir().unwrap();
        std::fs::write(directory.path().join("default.toml"), EMBEDDED_DEFAULT.replace("[demo]", "[demo]\ncolour = 1"))
            .unwrap();
        let error = load(directory.path(), &Environment::named("development"), Vec::new()).unwrap_err();
        assert!(error.to_string().contains("colour"), "{error}");
        let error = load(
            &repo_config(),
            &Environment::named("development"),
            variables(&[("TECHMATCH__SERVER__WORKERS", "many")]),
        )
        .unwrap_err();
        assert!(matches!(error, ConfigError::Invalid(_)), "{error}");
    }

    #[test]
    fn cautions_about_public_metrics_in_production_and_the_shipped_secret_elsewhere() {
        let production = Environment::named("production");
        let secret = ("TECHMATCH__AUTH__JWT_SECRET", "Zq7#pL2vX9mK4tR8wB1nC6yH3fJ0sD5g");
        let settings = load(&repo_config(), &production, variables(&[secret])).unwrap();
        assert_eq!(cautions(&settings, &production).len(), 1, "no metrics token in production");
        let with_token = variables(&[secret, ("TECHMATCH__SERVER__METRICS_TOKEN", "scraper-token")]);
        let settings = load(&repo_config(), &production, with_token).unwrap();
        assert!(cautions(&settings, &production).is_empty());
        let development = Environment::named("development");
        let settings = load(&repo_config(), &development, Vec::new()).unwrap();
        let told = cautions(&settings, &development);
        assert_eq!(told.len(), 1, "{told:?}");
        assert!(told[0].contains("shipped default") && told[0].contains("forge"), "{told:?}");
        let settings = load(&repo_config(), &development, variables(&[secret])).unwrap();
        assert!(cautions(&settings, &development).is_empty(), "development with its own secret");
    }

    #[test]
    fn production_refuses_missing_default_and_short_secrets() {
        let production = Environment::named("production");
        for secret in [None, Some(techmatch_service::SHIPPED_DEVELOPMENT_SECRET), Some("short-but-not-empty")] {
            let vars = secret.map(|secret| variables(&[("TECHMATCH__AUTH__JWT_SECRET", secret)])).unwrap_or_default();
            let error = load(&repo_config(), &production, vars).unwrap_err();
            assert!(matches!(error, ConfigError::UnsafeForProduction(_)), "{secret:?}: {error}");
        }
        let settings = load(
            &repo_config(),
            &production,
            variables(&[("TECHMATCH__AUTH__JWT_SECRET", "Zq7#pL2vX9mK4tR8wB1nC6yH3fJ0sD5g")]),
        )
        .unwrap();
        assert_eq!(settings.server.listen, "0.0.0.0:8080");
        assert!(settings.server.strict_transport_security);
        assert_eq!(settings.log.format, LogFormat::Json);
    }

    #[test]
    fn an_environment_without_a_file_is_an_error() {
        let error = load(&repo_config(), &Environment::named("staging"), Vec::new()).unwrap_err();
        assert!(matches!(error, ConfigError::MissingEnvironmentFile(_)));
    }

    #[test]
    fn weak_password_hash_cost_is_refused() {
        let error = load(
            &repo_config(),
            &Environment::named("development"),
            variables(&[("TECHMATCH__AUTH__PASSWORD_HASH__MEMORY_KIB", "1024")]),
        )
        .unwrap_err();
        assert!(error.to_string().contains("memory_kib"), "{error}");
    }
}
