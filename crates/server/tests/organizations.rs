//! Organizations over real HTTP (§12): permission, create (flat and wrapped), the limit
//! of ten children, the list, password refresh, direct-children-only access and locked
//! organizations.

mod common;

use common::{Backend, Client, TestServer};
use serde_json::json;

fn as_child(server: &TestServer, org: &serde_json::Value) -> Client {
    Client::new(
        &server.base,
        Some((
            org["api_username"].as_str().unwrap().to_string(),
            org["api_password"].as_str().unwrap().to_string(),
        )),
    )
}

async fn permission_is_required(backend: Backend) {
    let server = TestServer::start(backend).await;
    let plain = server.account("Plain").await;
    let r = plain
        .post("/organizations", json!({"name": "Child"}))
        .await
        .expect(403);
    assert!(r.body["errors"]["base"][0].is_string());
    plain.get("/organizations").await.expect(403);
    plain
        .post_empty(&format!(
            "/organizations/{}/refresh_api_password",
            uuid::Uuid::new_v4()
        ))
        .await
        .expect(403);
    server.anonymous().get("/organizations").await.expect(401);
    server.stop().await;
}
both_backends!(permission_is_required);

async fn create_list_and_limit(backend: Backend) {
    let server = TestServer::start(backend).await;
    let parent = server.account_with("Parent", true).await;

    let r = parent
        .post("/organizations", json!({"name": "  "}))
        .await
        .expect(422);
    assert_eq!(r.body, json!({"errors": {"name": ["can't be blank"]}}));
    parent
        .post("/organizations", json!({"organization": {}}))
        .await
        .expect(422);

    let wrapped = parent
        .post(
            "/organizations",
            json!({"organization": {"name": "Child 1"}}),
        )
        .await
        .expect(201);
    let org = &wrapped.body;
    assert_eq!(org["name"], "Child 1");
    assert_eq!(org["users_count"], 0);
    assert!(org["locked_at"].is_null());
    assert!(org["webhook_url"].is_null());
    assert!(org["created_at"].is_string() && org["updated_at"].is_string());
    assert!(org["api_password"].as_str().unwrap().len() >= 22);

    // The new credentials authenticate as the child organization.
    let child = as_child(&server, org);
    let r = child.get("/account").await.expect(200);
    assert_eq!(r.body["name"], "Child 1");
    assert_eq!(r.body["id"], org["id"]);
    // A child cannot manage organizations itself.
    child
        .post("/organizations", json!({"name": "Grandchild"}))
        .await
        .expect(403);

    parent
        .post("/organizations", json!({"name": "Child 2"}))
        .await
        .expect(201);
    for i in 3..=10 {
        parent
            .post("/organizations", json!({"name": format!("Child {i}")}))
            .await
            .expect(201);
    }
    let r = parent
        .post("/organizations", json!({"name": "Child 11"}))
        .await
        .expect(412);
    assert_eq!(
        r.body,
        json!({"errors": {"base": ["Organization limit reached (10)"]}})
    );

    let r = parent.get("/organizations?per_page=4").await.expect(200);
    assert_eq!(r.header("x-total"), "10");
    assert_eq!(r.header("x-total-pages"), "3");
    let items = r.body.as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["name"], "Child 1");
    assert!(items.iter().all(|o| o["api_password"].is_null()));
    let r = parent
        .get("/organizations?page=3&per_page=4")
        .await
        .expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    assert_eq!(r.body[1]["name"], "Child 10");
    server.stop().await;
}
both_backends!(create_list_and_limit);

async fn refresh_api_password(backend: Backend) {
    let server = TestServer::start(backend).await;
    let parent = server.account_with("Parent", true).await;
    let other_parent = server.account_with("Other parent", true).await;
    let org = parent
        .post("/organizations", json!({"name": "Shop"}))
        .await
        .expect(201)
        .body;
    let old = as_child(&server, &org);
    old.get("/account").await.expect(200);
    let id = org["id"].as_str().unwrap();

    let r = parent
        .post_empty(&format!("/organizations/{id}/refresh_api_password"))
        .await
        .expect(200);
    assert_eq!(r.body["id"], org["id"]);
    assert_eq!(r.body["api_username"], org["api_username"]);
    let new_password = r.body["api_password"].as_str().unwrap();
    assert_ne!(new_password, org["api_password"].as_str().unwrap());
    let fresh = as_child(&server, &r.body);
    assert_eq!(fresh.get("/account").await.expect(200).body["name"], "Shop");
    old.get("/account").await.expect(401);

    // Only direct children: not another parent's, not itself, not unknown ids.
    other_parent
        .post_empty(&format!("/organizations/{id}/refresh_api_password"))
        .await
        .expect(404);
    let parent_id = parent.get("/account").await.expect(200).body["id"]
        .as_str()
        .unwrap()
        .to_string();
    parent
        .post_empty(&format!("/organizations/{parent_id}/refresh_api_password"))
        .await
        .expect(404);
    parent
        .post_empty(&format!(
            "/organizations/{}/refresh_api_password",
            uuid::Uuid::new_v4()
        ))
        .await
        .expect(404);
    parent
        .post_empty("/organizations/nope/refresh_api_password")
        .await
        .expect(404);
    let r = other_parent.get("/organizations").await.expect(200);
    assert_eq!(r.body, json!([]));
    fresh.get("/account").await.expect(200);
    server.stop().await;
}
both_backends!(refresh_api_password);

async fn locked_organizations_are_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let parent = server.account_with("Parent", true).await;
    let org = parent
        .post("/organizations", json!({"name": "Locked"}))
        .await
        .expect(201)
        .body;
    let child = as_child(&server, &org);
    child.get("/account").await.expect(200);
    sqlx::query("UPDATE accounts SET locked_at = $1 WHERE id = $2")
        .bind("2024-01-01T00:00:00.000000Z")
        .bind(org["id"].as_str().unwrap())
        .execute(&server.running.state.db.pool)
        .await
        .unwrap();
    let r = child.get("/account").await.expect(403);
    assert!(r.body["errors"]["base"][0].is_string());
    let r = parent.get("/organizations").await.expect(200);
    assert_eq!(r.body[0]["locked_at"], "2024-01-01T00:00:00.000000Z");
    server.stop().await;
}
both_backends!(locked_organizations_are_refused);
