//! Where the cloud is, read the way every OpenStack tool reads it: `--cloud NAME` / `OS_CLOUD`
//! from clouds.yaml, else the `OS_*` variables of an openrc, else nothing (the embedded cloud).
//! Ferry needs only the endpoint and TLS settings: each operator logs in with their own password.

use std::{collections::BTreeMap, path::PathBuf};

use serde::Deserialize;

#[derive(Clone, Debug, PartialEq)]
pub struct CloudSettings {
    /// Shown to the operator ("production", or the auth URL).
    pub name: String,
    pub auth_url: String,
    pub region: Option<String>,
    pub interface: String,
    pub verify: bool,
    pub cacert: Option<PathBuf>,
    pub default_domain: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("cloud '{0}' was asked for, but no clouds.yaml was found (looked in: {1})")]
    NoCloudsYaml(String, String),
    #[error("cannot read {0}: {1}")]
    Unreadable(String, String),
    #[error("{0} has no cloud named '{1}' (it has: {2})")]
    UnknownCloud(String, String, String),
    #[error("cloud '{0}' in {1} has no auth.auth_url")]
    NoAuthUrl(String, String),
}

#[derive(Deserialize)]
struct CloudsFile {
    #[serde(default)]
    clouds: BTreeMap<String, CloudEntry>,
}

#[derive(Deserialize, Default)]
struct CloudEntry {
    #[serde(default)]
    auth: AuthEntry,
    region_name: Option<String>,
    interface: Option<String>,
    verify: Option<bool>,
    cacert: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    auth_url: Option<String>,
    user_domain_name: Option<String>,
    project_domain_name: Option<String>,
    domain_name: Option<String>,
}

/// Reads the process environment. `Ok(None)`: nothing configured.
pub fn from_environment(cloud: Option<String>) -> Result<Option<CloudSettings>, ConfigError> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    resolve(
        cloud.or_else(|| env("OS_CLOUD")),
        &env,
        &clouds_yaml_candidates(),
    )
}

/// The standard clouds.yaml places, in openstacksdk's order.
pub fn clouds_yaml_candidates() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Ok(p) = std::env::var("OS_CLIENT_CONFIG_FILE") {
        paths.push(PathBuf::from(p));
    }
    paths.push(PathBuf::from("clouds.yaml"));
    if let Some(dir) = dirs::config_dir() {
        paths.push(dir.join("openstack/clouds.yaml"));
    }
    paths.push(PathBuf::from("/etc/openstack/clouds.yaml"));
    paths
}

pub fn resolve(
    cloud: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
    candidates: &[PathBuf],
) -> Result<Option<CloudSettings>, ConfigError> {
    if let Some(name) = cloud {
        return from_clouds_yaml(&name, env, candidates).map(Some);
    }
    let Some(auth_url) = env("OS_AUTH_URL") else {
        return Ok(None);
    };
    Ok(Some(CloudSettings {
        name: auth_url.clone(),
        auth_url,
        region: env("OS_REGION_NAME"),
        interface: normalise_interface(
            env("OS_INTERFACE")
                .or_else(|| env("OS_ENDPOINT_TYPE"))
                .as_deref(),
        ),
        verify: !matches!(
            env("OS_INSECURE")
                .as_deref()
                .map(str::to_lowercase)
                .as_deref(),
            Some("true" | "1" | "yes")
        ),
        cacert: env("OS_CACERT").map(PathBuf::from),
        default_domain: env("OS_USER_DOMAIN_NAME")
            .or_else(|| env("OS_PROJECT_DOMAIN_NAME"))
            .unwrap_or_else(|| "Default".into()),
    }))
}

fn from_clouds_yaml(
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
    candidates: &[PathBuf],
) -> Result<CloudSettings, ConfigError> {
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
        return Err(ConfigError::NoCloudsYaml(name.into(), looked.join(", ")));
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Unreadable(shown.clone(), e.to_string()))?;
    let file: CloudsFile = serde_yaml_ng::from_str(&text)
        .map_err(|e| ConfigError::Unreadable(shown.clone(), e.to_string()))?;
    let known = file.clouds.keys().cloned().collect::<Vec<_>>().join(", ");
    let Some(entry) = file.clouds.get(name) else {
        return Err(ConfigError::UnknownCloud(shown, name.into(), known));
    };
    let auth_url = entry
        .auth
        .auth_url
        .clone()
        .ok_or_else(|| ConfigError::NoAuthUrl(name.into(), shown.clone()))?;
    Ok(CloudSettings {
        name: name.to_string(),
        auth_url,
        region: entry.region_name.clone().or_else(|| env("OS_REGION_NAME")),
        interface: normalise_interface(entry.interface.as_deref()),
        verify: entry.verify.unwrap_or(true),
        cacert: entry.cacert.clone(),
        default_domain: entry
            .auth
            .user_domain_name
            .clone()
            .or_else(|| entry.auth.domain_name.clone())
            .or_else(|| entry.auth.project_domain_name.clone())
            .unwrap_or_else(|| "Default".into()),
    })
}

/// `publicURL` (old openrc files) and `public` mean the same.
fn normalise_interface(value: Option<&str>) -> String {
    match value.map(|v| v.trim_end_matches("URL").to_lowercase()) {
        Some(v) if v == "internal" || v == "admin" => v,
        _ => "public".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn nothing_configured_means_the_embedded_cloud() {
        assert_eq!(resolve(None, &no_env, &[]), Ok(None));
    }

    #[test]
    fn openrc_variables() {
        let env = |k: &str| match k {
            "OS_AUTH_URL" => Some("https://keystone.example:5000/v3".to_string()),
            "OS_REGION_NAME" => Some("RegionTwo".to_string()),
            "OS_ENDPOINT_TYPE" => Some("internalURL".to_string()),
            "OS_INSECURE" => Some("true".to_string()),
            "OS_USER_DOMAIN_NAME" => Some("corp".to_string()),
            _ => None,
        };
        let s = resolve(None, &env, &[]).unwrap().unwrap();
        assert_eq!(s.auth_url, "https://keystone.example:5000/v3");
        assert_eq!(s.region.as_deref(), Some("RegionTwo"));
        assert_eq!(s.interface, "internal");
        assert!(!s.verify);
        assert_eq!(s.default_domain, "corp");
    }

    #[test]
    fn clouds_yaml_entry() {
        let dir = std::env::temp_dir().join(format!("ferry-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("clouds.yaml");
        std::fs::write(
            &path,
            "clouds:\n  prod:\n    auth:\n      auth_url: https://id.example/v3\n      username: u\n      password: p\n      user_domain_name: Ops\n    region_name: R1\n    interface: public\n    verify: false\n    cacert: /etc/ssl/ca.pem\n",
        )
        .unwrap();
        let s = resolve(Some("prod".into()), &no_env, std::slice::from_ref(&path))
            .unwrap()
            .unwrap();
        assert_eq!(s.name, "prod");
        assert_eq!(s.auth_url, "https://id.example/v3");
        assert_eq!(s.region.as_deref(), Some("R1"));
        assert!(!s.verify);
        assert_eq!(s.cacert, Some(PathBuf::from("/etc/ssl/ca.pem")));
        assert_eq!(s.default_domain, "Ops");
        let missing = resolve(Some("staging".into()), &no_env, std::slice::from_ref(&path));
        assert!(
            matches!(missing, Err(ConfigError::UnknownCloud(_, _, ref known)) if known == "prod")
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn asking_for_a_cloud_without_clouds_yaml_is_an_error_not_a_fallback() {
        let r = resolve(
            Some("prod".into()),
            &no_env,
            &[PathBuf::from("/nonexistent/clouds.yaml")],
        );
        assert!(matches!(r, Err(ConfigError::NoCloudsYaml(..))));
    }
}
