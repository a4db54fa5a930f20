#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

//! The harness black-box tests share: a gateway on a free port over a fresh database,
//! driven with a real HTTP client.

use std::net::SocketAddr;

use local_gateway::{migrations, spawn, GatewayConfig, Running};
use reqwest::{Client, Method, Response};
use serde_json::{json, Value};

pub struct TestApp {
    pub url: String,
    pub db_url: String,
    pub http: Client,
    _gateway: Running,
}

#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub email: String,
    pub password: String,
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A gateway over a fresh database; `tune` adjusts its configuration first.
    pub async fn spawn_with(tune: impl FnOnce(&mut GatewayConfig)) -> Self {
        cs_db::testing::load_local_env();
        let db_url = cs_db::testing::fresh_database(&migrations())
            .await
            .expect("fresh database");
        let mut config = GatewayConfig::from_env().expect("gateway config");
        config.database_url = db_url.clone();
        config.pool_size = 8;
        config.rate_limit_prefix = format!("{}:", uuid::Uuid::new_v4());
        config.frontend_dir = None;
        tune(&mut config);
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let gateway = spawn(config, addr).await.expect("gateway");
        TestApp {
            url: gateway.url(),
            db_url,
            http: Client::new(),
            _gateway: gateway,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.request(Method::PUT, path, token, Some(body)).await
    }

    /// Registers a user with a unique name derived from `prefix`.
    pub async fn register(&self, prefix: &str) -> TestUser {
        let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let username = format!("{prefix}_{suffix}");
        let email = format!("{username}@example.com");
        let password = "correct horse battery".to_string();
        let res = self
            .post(
                "/users/register",
                None,
                json!({ "username": username, "email": email, "password": password }),
            )
            .await;
        assert_eq!(res.status(), 201, "register {username}");
        let body: Value = res.json().await.expect("json");
        TestUser {
            id: body["user"]["id"].as_str().expect("id").to_string(),
            username,
            email,
            password,
            access: body["accessToken"]
                .as_str()
                .expect("accessToken")
                .to_string(),
            refresh: body["refreshToken"]
                .as_str()
                .expect("refreshToken")
                .to_string(),
        }
    }

    pub async fn follow(&self, who: &TestUser, whom: &TestUser) -> Response {
        self.post(
            "/users/follow",
            Some(&who.access),
            json!({ "followerId": who.id, "followingId": whom.id }),
        )
        .await
    }

    pub async fn user(&self, id: &str) -> Value {
        let res = self.get(&format!("/users/{id}"), None).await;
        assert_eq!(res.status(), 200);
        res.json().await.expect("json")
    }
}

/// Asserts a problem+json response with this status, code and (if given) field.
pub async fn assert_problem(res: Response, status: u16, code: &str, field: Option<&str>) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(ct, "application/problem+json");
    let body: Value = res.json().await.expect("problem body");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    if let Some(f) = field {
        assert_eq!(body["field"], f, "{body}");
    }
    assert!(body["requestId"].is_string(), "{body}");
    body
}
