#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
//! Service boundaries, checked against the migrated database and the built services: each
//! service's role may write only the tables its own migrations create and read nothing
//! secret; every manifest function is served by its crate's binary, built from the
//! environment its Lambda gets.

use std::collections::{BTreeMap, BTreeSet};

use cs_manifest::{Manifest, Trigger};
use cs_platform::Service;

/// Each service's role and the migrations that create its tables.
fn owners() -> Vec<(&'static str, &'static [cs_db::Migration])> {
    vec![
        ("cs_outbox", cs_events::MIGRATIONS),
        ("cs_user", user::MIGRATIONS),
        ("cs_notify", notify::MIGRATIONS),
        ("cs_media", media::MIGRATIONS),
        ("cs_feed", feed::MIGRATIONS),
        ("cs_chat", chat::MIGRATIONS),
        ("cs_market", market::MIGRATIONS),
        ("cs_search", search::MIGRATIONS),
    ]
}

/// Table name → the role of the service whose migrations create it.
fn table_owners() -> BTreeMap<String, &'static str> {
    let mut tables = BTreeMap::new();
    for (role, migrations) in owners() {
        for m in migrations {
            for part in m.sql.split("CREATE TABLE ").skip(1) {
                let name = part.split_whitespace().next().unwrap().to_string();
                tables.insert(name, role);
            }
        }
    }
    tables
}

#[tokio::test]
async fn each_service_writes_only_its_own_tables_and_reads_no_secret() {
    let url = cs_db::testing::fresh_database(&local_gateway::migrations()).await.unwrap();
    let (db, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let tables = table_owners();
    assert!(tables.len() >= 15, "{tables:?}");
    // The outbox and processed-events tables belong to the events library every service uses.
    let shared: BTreeSet<&str> = ["outbox", "processed_events"].into();
    let mut wrong = Vec::new();
    for (role, _) in owners() {
        for (table, owner) in &tables {
            for privilege in ["INSERT", "UPDATE", "DELETE"] {
                let row =
                    db.query_one("SELECT has_table_privilege($1, $2, $3)", &[&role, table, &privilege]).await.unwrap();
                let allowed: bool = row.get(0);
                let expected = *owner == role || shared.contains(table.as_str());
                if allowed != expected {
                    wrong.push(format!("{role} {privilege} {table}: {allowed}, expected {expected}"));
                }
            }
        }
        let secret: bool = db
            .query_one("SELECT has_column_privilege($1, 'users', 'hashed_password', 'SELECT')", &[&role])
            .await
            .unwrap()
            .get(0);
        if secret != (role == "cs_user") {
            wrong.push(format!("{role} may read password hashes: {secret}"));
        }
        let email: bool =
            db.query_one("SELECT has_table_privilege($1, 'user_contacts', 'SELECT')", &[&role]).await.unwrap().get(0);
        if email != (role == "cs_notify") {
            wrong.push(format!("{role} may read emails: {email}"));
        }
        for view in ["user_summaries", "user_follows", "user_blocks", "media_files"] {
            let readable: bool =
                db.query_one("SELECT has_table_privilege($1, $2, 'SELECT')", &[&role, &view]).await.unwrap().get(0);
            if !readable {
                wrong.push(format!("{role} cannot read the read model {view}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");

    // And the roles are what the services connect as: a feed connection cannot touch users.
    let pool = cs_db::connect_as(&url, "cs_feed", 1).unwrap();
    let feed = pool.get().await.unwrap();
    let err = feed.query("SELECT email FROM users", &[]).await.unwrap_err();
    assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{err}");
    feed.query("SELECT username FROM user_summaries", &[]).await.unwrap();
}

/// Builds service `S` from the environment as its Lambda would, and checks that its
/// binary serves exactly its manifest functions, each with a handler of its trigger's kind.
async fn served_as_in_the_manifest<S: Service>(manifest: &Manifest) -> Vec<String> {
    S::from_env().await.unwrap_or_else(|e| panic!("{} from the environment: {e:#}", S::CRATE));
    let mut problems = Vec::new();
    let listed: Vec<_> = manifest.functions.iter().filter(|f| f.crate_name == S::CRATE).collect();
    for f in &listed {
        let kind = match &f.trigger {
            Trigger::Http(_) | Trigger::Websocket(_) => "http",
            Trigger::Sqs(_) => "sqs",
            Trigger::Schedule(_) | Trigger::Deploy(_) => "schedule",
        };
        match S::function(&f.name) {
            Some(function) if function.kind() == kind => {}
            Some(function) => problems.push(format!("{}: a {} handler for a {kind} trigger", f.name, function.kind())),
            None => problems.push(format!("{}: no handler in the {} binary", f.name, S::CRATE)),
        }
    }
    for (name, _) in S::functions() {
        if !listed.iter().any(|f| f.name == name) {
            problems.push(format!("{name}: served by {} but not in the manifest under it", S::CRATE));
        }
    }
    problems
}

#[tokio::test]
async fn every_service_builds_from_its_lambda_environment_and_serves_its_manifest_functions() {
    cs_db::testing::load_local_env();
    // What the CDK app sets beyond the shared settings (`.local/env` holds those).
    std::env::set_var("WEBSOCKET_API_ENDPOINT", "http://127.0.0.1:3001");
    let manifest = Manifest::load().unwrap();
    let mut problems = Vec::new();
    problems.extend(served_as_in_the_manifest::<user::App>(&manifest).await);
    problems.extend(served_as_in_the_manifest::<media::App>(&manifest).await);
    problems.extend(served_as_in_the_manifest::<feed::App>(&manifest).await);
    problems.extend(served_as_in_the_manifest::<chat::App>(&manifest).await);
    problems.extend(served_as_in_the_manifest::<notify::App>(&manifest).await);
    problems.extend(served_as_in_the_manifest::<outbox::App>(&manifest).await);
    problems.extend(served_as_in_the_manifest::<api_docs::App>(&manifest).await);
    problems.extend(served_as_in_the_manifest::<migrate::App>(&manifest).await);
    problems.extend(served_as_in_the_manifest::<market::App>(&manifest).await);
    problems.extend(served_as_in_the_manifest::<search::App>(&manifest).await);
    problems.extend(served_as_in_the_manifest::<graphql::App>(&manifest).await);
    let checked: BTreeSet<&str> =
        ["user", "media", "feed", "chat", "notify", "outbox", "api-docs", "market", "search", "migrate", "graphql"]
            .into();
    let crates: BTreeSet<&str> = manifest.functions.iter().map(|f| f.crate_name.as_str()).collect();
    assert_eq!(crates, checked, "a crate in the manifest is not checked here");
    assert!(problems.is_empty(), "{problems:#?}");
}
