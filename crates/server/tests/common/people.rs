//! Teams test support (issue 16): inviting people, accepting invitations and calling the
//! API with a bearer token (a person's session or an API key).

use super::{Client, Resp, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

/// A client that sends `Authorization: Bearer <token>`.
#[derive(Clone)]
pub struct Bearer {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Bearer {
    pub fn new(base: &str, token: &str) -> Bearer {
        Bearer {
            base: base.to_string(),
            token: token.to_string(),
            http: reqwest::Client::new(),
        }
    }

    /// Sends a request to `path` (relative to `/v2`).
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let mut req = self
            .http
            .request(method, format!("{}/v2{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        Client::finish(req).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, None).await
    }
}

/// The password every test person sets.
pub const PASSWORD: &str = "correct horse battery";

/// The token in an invitation link (`…/invitation#<token>`).
pub fn invitation_token(user: &Value) -> String {
    let url = user["invitation_url"].as_str().expect("invitation_url");
    url.split_once('#')
        .expect("token in the fragment")
        .1
        .to_string()
}

/// Invites `email` with `role` as `owner`; returns the user (with its invitation link).
pub async fn invite(owner: &Client, email: &str, role: &str) -> Value {
    owner
        .post("/users", json!({"user": {"email": email, "role": role}}))
        .await
        .expect(201)
        .body
}

/// Invites `email` with `role` and accepts the invitation: a signed-in client.
pub async fn join(server: &TestServer, owner: &Client, email: &str, role: &str) -> Bearer {
    let user = invite(owner, email, role).await;
    let r = server
        .anonymous()
        .post(
            "/invitations/accept",
            json!({"token": invitation_token(&user), "password": PASSWORD}),
        )
        .await
        .expect(201);
    Bearer::new(&server.base, r.body["token"].as_str().expect("token"))
}

/// Creates an API key with `scope` as `owner`; returns (key, client).
pub async fn key(server: &TestServer, owner: &Client, name: &str, scope: &str) -> (Value, Bearer) {
    let r = owner
        .post(
            "/api_keys",
            json!({"api_key": {"name": name, "scope": scope}}),
        )
        .await
        .expect(201);
    let token = r.body["token"].as_str().expect("token").to_string();
    (r.body, Bearer::new(&server.base, &token))
}
