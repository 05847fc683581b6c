//! CSV import (`POST /v2/{type}/{campaign_id}/passes/import`) over HTTP: 10,000 rows run
//! as a background job with visible progress, bad rows are reported per row at
//! `GET /v2/jobs/{id}/errors`, and uploading again creates no duplicates.

mod common;
mod device;

use common::{Backend, Client, Resp, TestServer};
use device::wait_job;
use serde_json::Value;

async fn upload(client: &Client, campaign: &str, csv: &str) -> Resp {
    Client::finish(
        client
            .request(
                reqwest::Method::POST,
                &format!("/store_cards/{campaign}/passes/import"),
            )
            .header("content-type", "text/csv")
            .body(csv.to_string()),
    )
    .await
}

/// 10,000 rows; rows 100 and 5000 have a bad date, row 7000 lacks a cell.
fn members_csv(name_prefix: &str) -> String {
    let mut csv = String::from("serial_number,name,expiration_date\n");
    for i in 0..10_000 {
        match i {
            100 | 5000 => csv.push_str(&format!("S{i},{name_prefix} {i},soon\n")),
            7000 => csv.push_str(&format!("S{i}\n")),
            _ if i % 10 == 0 => csv.push_str(&format!(
                "S{i},\"{name_prefix}, {i}\",2031-01-01T00:00:00Z\n"
            )),
            _ => csv.push_str(&format!("S{i},{name_prefix} {i},\n")),
        }
    }
    csv
}

async fn pass_by_serial(client: &Client, campaign: &str, serial: &str) -> Value {
    let r = client
        .get(&format!(
            "/store_cards/{campaign}/passes?q[serial_number_eq]={serial}"
        ))
        .await
        .expect(200);
    assert_eq!(r.header("x-total"), "1", "one pass {serial}");
    r.body[0].clone()
}

async fn ten_thousand_rows_once_and_only_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.account("Importer").await;
    let c = device::store_card(&client, "Members").await;

    let csv = members_csv("Member");
    let r = upload(&client, &c, &csv).await.expect(202);
    let job = r.body.clone();
    assert_eq!(job["kind"], "pass_import");
    assert_eq!(job["total"], 10_000);
    assert_eq!(job["campaign_id"], c.as_str());
    let id = job["id"].as_str().unwrap().to_string();
    let done = wait_job(&client, &id).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["processed"], 10_000);
    let list = client
        .get(&format!("/store_cards/{c}/passes"))
        .await
        .expect(200);
    assert_eq!(list.header("x-total"), "9997");
    let p = pass_by_serial(&client, &c, "S10").await;
    assert_eq!(p["secondary_fields"][0]["value"], "Member, 10");
    assert_eq!(p["expiration_date"], "2031-01-01T00:00:00.000000Z");
    assert_eq!(p["primary_fields"][0]["value"], "10% off");

    // The bad rows, by line of the file (the header is line 1).
    let errors =
        Client::finish(client.request(reqwest::Method::GET, &format!("/jobs/{id}/errors")))
            .await
            .expect(200);
    assert!(errors.header("content-type").starts_with("text/csv"));
    let text = String::from_utf8(errors.bytes.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,attribute,message");
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[1].starts_with("102,expiration_date,"), "{text}");
    assert!(lines[2].starts_with("5002,expiration_date,"), "{text}");
    assert!(lines[3].starts_with("7002,base,"), "{text}");

    // The same file again answers the same job: nothing is imported twice.
    let again = upload(&client, &c, &csv).await.expect(202);
    assert_eq!(again.body["id"], id.as_str());
    // An edited file updates the passes by serial number.
    let edited = members_csv("Renamed");
    let r = upload(&client, &c, &edited).await.expect(202);
    let second = r.body["id"].as_str().unwrap().to_string();
    assert_ne!(second, id);
    assert_eq!(wait_job(&client, &second).await["state"], "done");
    let list = client
        .get(&format!("/store_cards/{c}/passes"))
        .await
        .expect(200);
    assert_eq!(list.header("x-total"), "9997");
    let p = pass_by_serial(&client, &c, "S11").await;
    assert_eq!(p["secondary_fields"][0]["value"], "Renamed 11");
    server.stop().await;
}
both_backends!(ten_thousand_rows_once_and_only_once);

async fn rows_name_passes_by_code_and_columns_are_checked_first(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.account("Codes").await;
    let c = device::store_card(&client, "Codes").await;
    let first = device::pass(&client, &c, "Ana").await;
    let code = first["redeem_code"].as_str().unwrap();

    let csv = format!("redeem_code,name,voided\n{code},Zed,true\n,New member,\n");
    let r = upload(&client, &c, &csv).await.expect(202);
    let job = wait_job(&client, r.body["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "done", "{job}");
    let updated = client
        .get(&format!(
            "/store_cards/{c}/passes/{}",
            first["id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(updated.body["secondary_fields"][0]["value"], "Zed");
    assert_eq!(updated.body["voided"], true);
    assert_eq!(updated.body["redeem_code"], code);
    let list = client
        .get(&format!("/store_cards/{c}/passes"))
        .await
        .expect(200);
    assert_eq!(list.header("x-total"), "2");

    // Unknown columns are refused before anything runs.
    let r = upload(&client, &c, "serial_number,nickname\nS1,x\n")
        .await
        .expect(422);
    assert!(r.body["errors"]["columns"][0]
        .as_str()
        .unwrap()
        .contains("nickname"));
    // Only CSV is accepted.
    Client::finish(
        client
            .request(
                reqwest::Method::POST,
                &format!("/store_cards/{c}/passes/import"),
            )
            .header("content-type", "application/json")
            .body("{}"),
    )
    .await
    .expect(400);
    let other = server.account("Other").await;
    upload(&other, &c, "name\nx\n").await.expect(404);
    server.stop().await;
}
both_backends!(rows_name_passes_by_code_and_columns_are_checked_first);
