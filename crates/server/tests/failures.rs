//! A database failure is answered as one (500), never as "not found" and never by
//! serving a pass built without the data that could not be read.

mod common;
mod device;

use common::Backend;
use device::{download, pass, store_card};

async fn a_database_error_is_a_500(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    let p = pass(&alice, &cid, "Ana").await;
    let url = p["pkpass_url"].as_str().unwrap().to_string();
    download(&url).await;

    // The pass builder reads the pass's pending update (push time, change messages);
    // without its table the download fails loudly instead of signing a stale pass.
    sqlx::query("DROP TABLE pass_updates")
        .execute(&server.running.state.db.pool)
        .await
        .unwrap();
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status().as_u16(), 500);
    let pid = p["id"].as_str().unwrap();
    alice
        .get(&format!("/store_cards/{cid}/passes/{pid}/pkpass"))
        .await
        .expect(500);
    server.stop().await;
}
both_backends!(a_database_error_is_a_500);
