use super::*;

const GOOD: &str = r#"
spin_manifest_version = 2

[application]
name = "demo"
version = "1.0.0"

[variables]
redis_host = { default = "127.0.0.1:6379" }
token = { required = true, secret = true }

[[trigger.http]]
route = "/users/..."
component = "users"

[[trigger.http]]
route = { private = true }
component = "internal"

[[trigger.http]]
id = "hello"
route = "/hello"
component = { source = "hello.wasm" }

[component.users]
source = "target/users.wasm"
allowed_outbound_hosts = ["redis://{{ redis_host }}"]
sqlite_databases = ["default"]
environment = { RUST_LOG = "info" }
[component.users.variables]
api_token = "{{ token }}"
[component.users.build]
command = "cargo build --release"
workdir = "functions/users"

[component.internal]
source = "internal.wasm"
"#;

fn parse(text: &str) -> Result<App, ManifestError> {
    App::parse(Path::new("/app/spin.toml"), text)
}

#[test]
fn a_full_manifest_loads() {
    let app = parse(GOOD).unwrap();
    assert_eq!(app.name, "demo");
    assert_eq!(app.dir, PathBuf::from("/app"));
    assert_eq!(app.routes.len(), 3);
    assert_eq!(
        app.routes[1],
        HttpRoute {
            route: None,
            component: "internal".into()
        }
    );
    assert_eq!(app.routes[2].component, "hello");
    let users = &app.components["users"];
    assert_eq!(users.source, PathBuf::from("/app/target/users.wasm"));
    assert_eq!(users.variables["api_token"], "{{ token }}");
    assert_eq!(
        users.build.as_ref().unwrap().command.commands(),
        vec!["cargo build --release"]
    );
    assert_eq!(
        app.components["hello"].source,
        PathBuf::from("/app/hello.wasm")
    );
}

#[test]
fn errors_name_the_place() {
    let cases: [(&str, &str, &str); 14] = [
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[[trigger.http]]\nroute='/'\ncomponent='x'\n[[trigger.redis]]\nchannel='jobs'\ncomponent='x'\n[component.x]\nsource='x.wasm'",
            "",
            "[[trigger.redis]]: redspin-host runs HTTP triggers only, and this app has `redis` triggers",
        ),
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[[trigger.cron]]\ncron_expression='*/2 * * * * *'\ncomponent='x'\n[component.x]\nsource='x.wasm'",
            "",
            "[[trigger.cron]]: redspin-host runs HTTP triggers only, and this app has `cron` triggers",
        ),
        ("spin_manifest_version = 2", "", "missing field `application`"),
        (
            "spin_manifest_version = 1\n[application]\nname='a'",
            "",
            "spin_manifest_version: expected 2",
        ),
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[[trigger.http]]\nroute='/'\ncomponent='nope'",
            "",
            "[[trigger.http]] #1: component \"nope\" is not defined",
        ),
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[[trigger.http]]\nroute='/a'\ncomponent='x'\n[[trigger.http]]\nroute='/a'\ncomponent='y'\n[component.x]\nsource='x.wasm'\n[component.y]\nsource='y.wasm'",
            "",
            "[[trigger.http]] #2: duplicate route \"/a\": used by component \"x\" and by \"y\"",
        ),
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[component.x]\nsource='x.wasm'\nvariables = { v = '{{ missing }}' }",
            "",
            "[component.x] variables.v: \"{{ missing }}\" refers to \"missing\"",
        ),
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[component.x]\nsource='x.wasm'\nallowed_outbound_hosts = ['redis://{{ nope }}']",
            "",
            "[component.x] allowed_outbound_hosts",
        ),
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[component.Bad_Id]\nsource='x.wasm'",
            "",
            "[component.Bad_Id]: component ids are kebab-case",
        ),
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[component.x]\nsource='x.wasm'\nai_models=['llama2-chat']",
            "",
            "`ai_models` is not supported",
        ),
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[component.x]\nsource='x.wasm'\nkey_value_stores=['b@dlabel']",
            "",
            "[component.x] key_value_stores: \"b@dlabel\": expected kebab-case or snake_case",
        ),
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[component.x]\nsource='x.wasm'\nsqlite_databases=['camelCase']",
            "",
            "[component.x] sqlite_databases: \"camelCase\": expected kebab-case or snake_case",
        ),
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[component.x]\nsource='x.wasm'\ntypo_field = 1",
            "",
            "unknown field `typo_field`",
        ),
        (
            "spin_manifest_version = 2\n[application]\nname='a'\n[variables]\nBadName = { default = 'x' }",
            "",
            "[variables] BadName: invalid variable name",
        ),
    ];
    for (text, _, want) in cases {
        let err = parse(text).expect_err(text).to_string();
        assert!(err.contains(want), "{text}\n=> {err}\nwanted {want}");
        assert!(err.contains("/app/spin.toml"), "{err}");
    }
}

#[test]
fn missing_sources_are_named() {
    let app = parse(GOOD).unwrap();
    let err = app.check_sources().unwrap_err().to_string();
    assert!(
        err.contains("[component.hello] source")
            || err.contains("[component.internal] source")
            || err.contains("[component.users] source"),
        "{err}"
    );
    assert!(err.contains("does not exist"));
}
