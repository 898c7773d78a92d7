//! No container engine runs here, so the compose file is checked by reading it: the backend's
//! configuration must accept exactly the environment the file gives it.

use clap::Parser;
use flightdeck_backend::config::{Args, EventsDb};
use flightdeck_backend::read_model::ReadDb;
use serde_yaml::Value;

fn compose() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docker-compose.yml");
    let text = std::fs::read_to_string(path).expect("docker-compose.yml at the repository root");
    serde_yaml::from_str(&text).expect("docker-compose.yml is YAML")
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// The command line that means what `env` means to the backend: each variable becomes the flag
/// that reads it. Other tests share this process, so its environment is left alone; a variable
/// no flag reads (but the log filter's) fails the test.
fn as_flags(env: &[(String, String)]) -> Vec<String> {
    use clap::CommandFactory;
    let command = Args::command();
    let mut argv = vec!["flightdeck-backend".to_owned()];
    for (key, value) in env {
        if key == "RUST_LOG" {
            continue; // read by the log filter, not by a flag
        }
        let arg = command
            .get_arguments()
            .find(|a| a.get_env().is_some_and(|e| e == key.as_str()))
            .unwrap_or_else(|| panic!("no flag of the backend reads {key}"));
        let long = arg
            .get_long()
            .expect("every environment flag has a long name");
        argv.push(format!("--{long}={value}"));
    }
    argv
}

#[test]
fn the_backend_accepts_the_environment_compose_gives_it() {
    let compose = compose();
    let backend = &compose["services"]["backend"];
    let env: Vec<(String, String)> = match &backend["environment"] {
        Value::Mapping(map) => map.iter().map(|(k, v)| (text(k), text(v))).collect(),
        other => panic!("backend.environment should be a mapping: {other:?}"),
    };
    let config = Args::try_parse_from(as_flags(&env))
        .expect("no flags needed")
        .into_config()
        .expect("the compose environment is a valid configuration");
    assert_eq!(config.bind.to_string(), "0.0.0.0:8080");
    match &config.events {
        EventsDb::EventStoreDb(url) => assert!(url.starts_with("esdb://eventstore:2113"), "{url}"),
        other => panic!("compose should use EventStoreDB, not {other:?}"),
    }
    match &config.read_db {
        ReadDb::Postgres(url) => assert!(url.contains("@postgres:5432/"), "{url}"),
        other => panic!("compose should use Postgres, not {other:?}"),
    }
    let ports: Vec<String> = backend["ports"]
        .as_sequence()
        .expect("ports")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        ports,
        ["5000:8080"],
        "the original web client calls http://localhost:5000/api"
    );
    for dependency in ["eventstore", "postgres"] {
        assert_eq!(
            backend["depends_on"][dependency]["condition"].as_str(),
            Some("service_healthy"),
            "the backend starts after {dependency} is healthy"
        );
        assert!(
            compose["services"][dependency]["healthcheck"]["test"].is_sequence(),
            "{dependency} has a healthcheck"
        );
    }
    assert_eq!(
        backend["build"]["dockerfile"].as_str(),
        Some("backend/Dockerfile")
    );
    let dockerfile = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile"))
        .expect("backend/Dockerfile");
    assert!(
        dockerfile.matches("FROM ").count() >= 2,
        "a multi-stage build"
    );
}

#[test]
fn eventstoredb_is_a_supported_single_insecure_node() {
    let compose = compose();
    let eventstore = &compose["services"]["eventstore"];
    let image = eventstore["image"].as_str().expect("image");
    let (name, tag) = image.rsplit_once(':').expect("a pinned tag");
    assert!(
        name.ends_with("eventstore") || name.ends_with("eventstoredb-ee"),
        "{image}"
    );
    let mut parts = tag
        .split('.')
        .map(|p| p.parse::<u32>().expect("numeric tag"));
    let version = (parts.next().unwrap(), parts.next().unwrap_or(0));
    assert!(
        version >= (24, 10),
        "EventStoreDB 24.10 or later, not {tag}"
    );
    assert_eq!(
        text(&eventstore["environment"]["EVENTSTORE_INSECURE"]),
        "true"
    );
    assert_eq!(
        text(&eventstore["environment"]["EVENTSTORE_CLUSTER_SIZE"]),
        "1"
    );
    let postgres = &compose["services"]["postgres"];
    assert!(postgres["image"]
        .as_str()
        .expect("image")
        .starts_with("postgres:"));
    assert!(
        compose["volumes"]["postgres-data"].is_null()
            || compose["volumes"]["postgres-data"].is_mapping()
    );
    assert!(postgres["volumes"][0]
        .as_str()
        .expect("a volume")
        .starts_with("postgres-data:"));
}
