//! Tenants through the operator API, and every service's readiness.

use switchboard_e2e::system::{SERVICES, System};

use super::switchboard;

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_creates_lists_and_upgrades_tenants_and_sees_every_service_ready() {
    let system = System::start().await;
    let created = switchboard(
        &system,
        &[
            "tenants",
            "create",
            "--name",
            "Globex",
            "--edition",
            "standard",
            "--json",
        ],
    )
    .await
    .json();
    let id = created["id"].as_str().expect("an id").to_owned();
    assert!(
        created["admin_token"]
            .as_str()
            .unwrap()
            .starts_with("sb_admin_")
    );

    let listed = switchboard(&system, &["tenants", "list", "--json"])
        .await
        .json();
    let tenants = listed["tenants"].as_array().unwrap();
    assert!(
        tenants
            .iter()
            .any(|t| t["id"] == id.as_str() && t["name"] == "Globex"),
        "{listed}"
    );
    let table = switchboard(&system, &["tenants", "list"]).await;
    assert!(table.ok && table.stdout.starts_with("ID") && table.stdout.contains("Globex"));

    let upgraded = switchboard(&system, &["tenants", "edition", &id, "premium", "--json"])
        .await
        .json();
    assert_eq!(upgraded["edition"], "premium");
    let reissued = switchboard(&system, &["tenants", "reissue-admin", &id, "--json"])
        .await
        .json();
    assert!(
        reissued["admin_token"]
            .as_str()
            .unwrap()
            .starts_with("sb_admin_")
    );

    // A bad edition is refused with the API's reason, and nothing changes.
    let refused = switchboard(&system, &["tenants", "edition", &id, "gold"]).await;
    assert!(
        !refused.ok && refused.stderr.contains("edition"),
        "{}",
        refused.stderr
    );

    let mut args = vec!["health".to_owned(), "--json".to_owned()];
    for service in SERVICES {
        args.push(format!("--{service}"));
        args.push(system.health_addr(service).to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let health = switchboard(&system, &args).await.json();
    assert_eq!(health["ready"], true, "{health}");
    assert_eq!(health["services"].as_array().unwrap().len(), SERVICES.len());
}
