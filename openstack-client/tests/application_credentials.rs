//! The application-credential client against the embedded cloud served on a
//! local port: create, log in with it (a token like the password login's,
//! catalog included), list, delete, and the errors Keystone answers.

use embedded_cloud::{CloudConfig, RunningCloud, DEMO_USERS};
use openstack_client::compute::Compute;
use openstack_client::identity::{self, Credentials, NewApplicationCredential, Secret, Token};
use openstack_client::{Transport, TransportConfig};

async fn cloud() -> (RunningCloud, Transport) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let cloud = embedded_cloud::start(
        CloudConfig {
            speed: 1000.0,
            ..CloudConfig::default()
        },
        listener,
    )
    .await
    .expect("start");
    let t = Transport::new(&TransportConfig::default()).expect("transport");
    (cloud, t)
}

async fn password_login(c: &RunningCloud, t: &Transport, name: &str) -> Token {
    let u = DEMO_USERS
        .iter()
        .find(|u| u.name == name)
        .expect("demo user");
    let creds = Credentials::Password {
        user: u.name.into(),
        user_domain: "Default".into(),
        password: u.password.into(),
        project: u.project.into(),
        project_domain: "Default".into(),
    };
    identity::issue_token(t, &c.auth_url(), &creds)
        .await
        .expect("password login")
}

#[tokio::test]
async fn a_created_credential_logs_in_like_a_password_and_dies_with_its_deletion() {
    let (c, t) = cloud().await;
    let auth_url = c.auth_url();
    let operator = password_login(&c, &t, "operator").await;
    let new = NewApplicationCredential {
        name: "ferry-drain-compute2".into(),
        description: Some("host drain".into()),
        roles: vec!["member".into()],
        expires_at: Some(chrono::Utc::now() + chrono::Duration::hours(8)),
        ..Default::default()
    };
    let created = identity::create_application_credential(
        &t,
        &auth_url,
        &operator.value,
        &operator.user.id,
        &new,
    )
    .await
    .expect("create");
    assert!(!created.credential.id.is_empty());
    assert!(!created.secret.expose().is_empty());
    assert!(!format!("{created:?}").contains(created.secret.expose()));
    assert_eq!(created.credential.name, "ferry-drain-compute2");
    assert!(!created.credential.unrestricted);
    let mut roles: Vec<&str> = created
        .credential
        .roles
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    roles.sort();
    assert_eq!(roles, ["member", "reader"]);

    let token = identity::authenticate_application_credential(
        &t,
        &auth_url,
        &created.credential.id,
        &created.secret,
    )
    .await
    .expect("log in with the credential");
    assert_eq!(token.user.id, operator.user.id);
    assert_eq!(token.project.as_ref().map(|p| p.name.as_str()), Some("web"));
    assert!(token.has_role("member") && !token.has_role("manager"));
    let app = token.application_credential.as_ref().expect("marked");
    assert_eq!(app.id, created.credential.id);
    assert!(app.restricted);
    // The credential outlives the token's usual hour here.
    assert!(token.expires_at <= created.credential.expires_at.expect("expiry"));
    // The catalog works as the password login's does.
    let compute = token
        .catalog
        .endpoint("compute", "public", None)
        .expect("compute endpoint");
    let nova = Compute::connect(&t, &compute, &token.value)
        .await
        .expect("compute with the credential's token");
    nova.list_servers(&Default::default())
        .await
        .expect("list servers with the credential's token");

    let listed = identity::list_application_credentials(
        &t,
        &auth_url,
        &operator.value,
        &operator.user.id,
        Some("ferry-drain-compute2"),
    )
    .await
    .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.credential.id);

    // A restricted credential's token cannot make another one.
    let refused = identity::create_application_credential(
        &t,
        &auth_url,
        &token.value,
        &operator.user.id,
        &NewApplicationCredential {
            name: "child".into(),
            ..Default::default()
        },
    )
    .await
    .expect_err("restricted");
    assert!(refused.is_forbidden(), "{refused}");

    identity::delete_application_credential(
        &t,
        &auth_url,
        &operator.value,
        &operator.user.id,
        &created.credential.id,
    )
    .await
    .expect("delete");
    let gone = identity::validate_token(&t, &auth_url, &token.value, &operator.value)
        .await
        .expect_err("revoked with its credential");
    assert!(gone.is_not_found(), "{gone}");
    let again = identity::authenticate_application_credential(
        &t,
        &auth_url,
        &created.credential.id,
        &created.secret,
    )
    .await
    .expect_err("deleted");
    assert!(again.is_not_found(), "{again}");
}

#[tokio::test]
async fn a_chosen_secret_a_wrong_secret_and_a_duplicate_name() {
    let (c, t) = cloud().await;
    let auth_url = c.auth_url();
    let admin = password_login(&c, &t, "admin").await;
    let new = NewApplicationCredential {
        name: "mine".into(),
        secret: Some(Secret::new("chosen-secret")),
        ..Default::default()
    };
    let created =
        identity::create_application_credential(&t, &auth_url, &admin.value, &admin.user.id, &new)
            .await
            .expect("create");
    assert_eq!(created.secret.expose(), "chosen-secret");
    assert!(created.credential.expires_at.is_none());

    let wrong = identity::authenticate_application_credential(
        &t,
        &auth_url,
        &created.credential.id,
        &Secret::new("not-it"),
    )
    .await
    .expect_err("wrong secret");
    assert!(wrong.is_unauthorized(), "{wrong}");

    let dup =
        identity::create_application_credential(&t, &auth_url, &admin.value, &admin.user.id, &new)
            .await
            .expect_err("duplicate");
    assert!(dup.is_conflict(), "{dup}");
    assert!(
        dup.to_string()
            .contains("Duplicate entry found with name mine"),
        "{dup}"
    );
}
