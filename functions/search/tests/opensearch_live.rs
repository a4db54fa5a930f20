#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The OpenSearch adapter against a real cluster: runs only when `OPENSEARCH_URL` is set
//! (no OpenSearch server can run on our machines). `OPENSEARCH_SERVICE=none` for a cluster
//! without SigV4 (a container of one's own), `es` or `aoss` for AWS (credentials from the
//! environment). Each run uses indices of its own (`OPENSEARCH_INDEX_PREFIX` + a random
//! prefix) and deletes them.

use chrono::Utc;
use search::{
    index::{Common, Kind, PostDoc, PostQuery, PostSort, SearchIndex},
    opensearch::{OpenSearchConfig, OsClient, OsHttp},
};
use uuid::Uuid;

#[tokio::test]
async fn the_adapter_indexes_versions_and_finds_posts_on_a_real_cluster() {
    let Ok(url) = std::env::var("OPENSEARCH_URL") else {
        eprintln!("OPENSEARCH_URL is not set: the live OpenSearch test does not run");
        return;
    };
    let mut config = OpenSearchConfig::from_env();
    config.prefix = format!("{}t{}-", config.prefix, &Uuid::new_v4().simple().to_string()[..8]);
    let aws = aws_config::load_from_env().await;
    let index = config.index(&url, &aws).unwrap();
    index.apply_templates().await.unwrap();

    let id = Uuid::now_v7();
    let doc = |version: i64, content: &str| PostDoc {
        id,
        version,
        author_id: Uuid::now_v7(),
        content: content.into(),
        has_media: false,
        created_at: Utc::now(),
    };
    assert_eq!(index.put_posts(&[doc(10, "She runs to Reykjavík <b>tonight</b>")]).await.unwrap(), 1);
    assert_eq!(index.put_posts(&[doc(9, "Stale words")]).await.unwrap(), 0, "an older version is refused");
    let signing = (config.service != "none").then_some((&aws, config.service.as_str()));
    let http = OsClient::new(&url, signing).unwrap();
    http.call("POST", &format!("/{}cs-posts/_refresh", config.prefix), None).await.unwrap();

    let query = |text: &str| PostQuery {
        common: Common { text: text.into(), hidden: Vec::new(), limit: 10, after: None },
        author: None,
        has_media: None,
        since: None,
        until: None,
        sort: PostSort::Relevance,
    };
    let hits = index.posts(&query("running reykjavik")).await.unwrap();
    assert_eq!(hits.total, 1);
    let marked = &hits.hits[0].highlight[0].1;
    assert!(marked.contains("<mark>runs</mark>") && marked.contains("&lt;b&gt;"), "{marked}");
    assert_eq!(index.posts(&query("stale")).await.unwrap().total, 0);

    assert_eq!(index.remove(Kind::Post, &[(id, 11)]).await.unwrap(), 1);
    assert_eq!(index.put_posts(&[doc(10, "Back again")]).await.unwrap(), 0, "a tombstone outlives older writes");
    http.call("POST", &format!("/{}cs-posts/_refresh", config.prefix), None).await.unwrap();
    assert_eq!(index.posts(&query("reykjavik")).await.unwrap().total, 0);

    for name in ["cs-users", "cs-posts", "cs-items"] {
        http.call("DELETE", &format!("/{}{name}", config.prefix), None).await.unwrap();
    }
    http.call("DELETE", &format!("/_index_template/{}cs", config.prefix), None).await.unwrap();
}
