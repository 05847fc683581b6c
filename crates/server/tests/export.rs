//! CSV export of lists over real HTTP: `Accept: text/csv` answers the whole list (every
//! page) with the request's filters and order, a header row, RFC 4180 quoting, and no
//! pagination headers; on the pass list, the account-wide search and the other lists.

mod common;
mod pw_fixtures;

use common::{Backend, Client, Resp, TestServer};
use pw_fixtures::*;
use reqwest::Method;
use serde_json::json;

/// Parses RFC 4180 CSV (quoted cells may hold commas, quotes and line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                c => cell.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut cell)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            c => cell.push(c),
        }
    }
    assert!(!quoted, "unterminated quote");
    assert!(cell.is_empty() && row.is_empty(), "last record lacks CRLF");
    rows
}

async fn csv(client: &Client, path: &str) -> (Resp, Vec<Vec<String>>) {
    let r = Client::finish(
        client
            .request(Method::GET, path)
            .header("accept", "text/csv"),
    )
    .await
    .expect(200);
    assert!(
        r.header("content-type").starts_with("text/csv"),
        "{}",
        r.header("content-type")
    );
    assert_eq!(r.header("x-total"), "", "no pagination headers");
    assert_eq!(r.header("x-next-page"), "");
    let text = String::from_utf8(r.bytes.clone()).expect("UTF-8");
    assert!(text.ends_with("\r\n"));
    let rows = parse_csv(&text);
    let width = rows[0].len();
    assert!(rows.iter().all(|r| r.len() == width), "ragged CSV");
    (r, rows)
}

fn column(rows: &[Vec<String>], name: &str) -> Vec<String> {
    let i = rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]));
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

async fn pass_list_export(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let id = coupon(
        &alice,
        "Export",
        &icon,
        json!({"secondary_fields": [{"key": "holder", "label": "Name", "value": ""}]}),
    )
    .await;
    let base = format!("/coupons/{id}/passes");
    let tricky = "Müller, \"the\" first\nline two";
    let first = alice
        .post(
            &base,
            json!({"pass": {"secondary_fields": [{"key": "holder", "value": tricky}],
                            "user_info": {"note": "a,b"}}}),
        )
        .await
        .expect(201)
        .body;
    // more than the largest page (50), so an export has to go past pagination
    let mut ids = vec![first["id"].as_str().unwrap().to_string()];
    for _ in 0..59 {
        ids.push(alice.post_empty(&base).await.expect(201).id());
    }
    for id in &ids[10..13] {
        alice
            .patch(&format!("{base}/{id}"), json!({"pass": {"voided": true}}))
            .await
            .expect(200);
    }

    let (r, rows) = csv(&alice, &base).await;
    assert!(r.header("content-disposition").starts_with("attachment"));
    assert_eq!(rows[0][0], "id");
    for name in [
        "serial_number",
        "redeem_code",
        "voided",
        "secondary_fields",
        "user_info",
    ] {
        assert!(
            rows[0].contains(&name.to_string()),
            "{name} in {:?}",
            rows[0]
        );
    }
    assert_eq!(rows.len(), 61, "header and every pass");
    assert_eq!(column(&rows, "id"), ids, "the list's order");
    // the tricky value survives quoting: the cell is the JSON of the field array
    let fields: serde_json::Value =
        serde_json::from_str(&column(&rows, "secondary_fields")[0]).unwrap();
    assert_eq!(fields[0]["value"], tricky);
    assert_eq!(column(&rows, "user_info")[0], r#"{"note":"a,b"}"#);
    assert_eq!(column(&rows, "voided")[10], "true");
    assert_eq!(column(&rows, "voided")[0], "false");
    // the same rows as the JSON pages, cell for cell
    let page = alice.get(&format!("{base}?per_page=50")).await.expect(200);
    let json_first = &page.body[0];
    assert_eq!(
        column(&rows, "serial_number")[0],
        json_first["serial_number"]
    );
    assert_eq!(column(&rows, "redeem_code")[0], json_first["redeem_code"]);
    assert_eq!(column(&rows, "redeemed_at")[0], "");

    // filters and order apply
    let (_, rows) = csv(&alice, &format!("{base}?q[voided_eq]=true")).await;
    assert_eq!(column(&rows, "id"), ids[10..13].to_vec());
    let (_, rows) = csv(
        &alice,
        &format!("{base}?q[s]=created_at+desc&page=2&per_page=5"),
    )
    .await;
    let mut reversed = ids.clone();
    reversed.reverse();
    assert_eq!(
        column(&rows, "id"),
        reversed,
        "all pages, whatever page was asked"
    );
    let (_, rows) = csv(&alice, &format!("{base}?q[search]=m%C3%BCller")).await;
    assert_eq!(column(&rows, "id"), vec![ids[0].clone()]);
    // an empty list is a header row alone
    let (_, rows) = csv(&alice, &format!("{base}?q[redeem_code_eq]=none")).await;
    assert_eq!(rows.len(), 1);

    // the account-wide search
    let (_, rows) = csv(&alice, "/passes?q[search]=m%C3%BCller").await;
    for name in ["campaign_type", "campaign_name", "pass"] {
        assert!(
            rows[0].contains(&name.to_string()),
            "{name} in {:?}",
            rows[0]
        );
    }
    assert_eq!(rows.len(), 2);
    assert_eq!(column(&rows, "campaign_name"), vec!["Export".to_string()]);
    let pass: serde_json::Value = serde_json::from_str(&column(&rows, "pass")[0]).unwrap();
    assert_eq!(pass["id"], ids[0]);

    // JSON stays the default, and a client refusing CSV gets JSON
    let r = Client::finish(
        alice
            .request(Method::GET, &base)
            .header("accept", "application/json, text/csv;q=0"),
    )
    .await
    .expect(200);
    assert!(r.header("content-type").starts_with("application/json"));
    assert_eq!(r.header("x-total"), "60");
    // a bad filter is still a JSON 400
    let r = Client::finish(
        alice
            .request(Method::GET, &format!("{base}?q[redeemed_count_eq]=x"))
            .header("accept", "text/csv"),
    )
    .await
    .expect(400);
    assert!(r.header("content-type").starts_with("application/json"));
    server.stop().await;
}
both_backends!(pass_list_export);

async fn other_lists_export(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    for name in ["One", "Two, with comma", "Three"] {
        coupon(&alice, name, &icon, json!({})).await;
    }
    let (_, rows) = csv(&alice, "/coupons?q[s]=created_at+asc").await;
    assert_eq!(rows[0][0], "id");
    assert_eq!(
        column(&rows, "name"),
        vec!["One", "Two, with comma", "Three"]
    );
    let (_, rows) = csv(&alice, "/coupons?q[name_eq]=Three").await;
    assert_eq!(column(&rows, "name"), vec!["Three"]);
    let (_, rows) = csv(&alice, "/assets").await;
    assert_eq!(rows.len(), 2);
    assert_eq!(column(&rows, "id"), vec![icon.clone()]);
    let (_, rows) = csv(&alice, "/templates").await;
    assert_eq!(rows[0][0], "id");
    server.stop().await;
}
both_backends!(other_lists_export);
