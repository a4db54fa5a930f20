//! `frontend/schema.graphql` is the schema the web app's types are generated from: it must
//! be what this crate serves. `UPDATE_SCHEMA=1 cargo test -p graphql --test schema` rewrites it.

use std::path::PathBuf;

#[test]
fn the_committed_schema_is_the_served_one() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../frontend/schema.graphql");
    let sdl = format!(
        "# Generated from functions/graphql: UPDATE_SCHEMA=1 cargo test -p graphql --test schema\n\n{}",
        graphql::sdl()
    );
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &sdl).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == sdl,
        "frontend/schema.graphql is stale: run UPDATE_SCHEMA=1 cargo test -p graphql --test schema and commit it"
    );
}
