//! Real clients and PostgreSQL edge cases (issue 12): U+0000 anywhere in a request, page
//! and offset bounds, the PHP SDKs' `[]` for an empty object and their case-sensitive
//! pagination headers, and PATCH merging field arrays by key as the original guide shows.

mod common;
mod pw_fixtures;

use common::{Backend, Client, Resp, TestServer};
use pw_fixtures::*;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A GET of `path` (not under `/v2`) with the client's credentials.
async fn raw_get(client: &Client, path: &str) -> Resp {
    let mut req = client.http.get(format!("{}{}", client.base, path));
    if let Some((u, k)) = &client.credentials {
        req = req.basic_auth(u, Some(k));
    }
    Client::finish(req).await
}

/// A request with a raw JSON text body, as the PHP SDKs send it.
async fn send_text(client: &Client, method: Method, path: &str, body: &str) -> Resp {
    let req = client
        .request(method, path)
        .header("Content-Type", "application/json")
        .body(body.to_string());
    Client::finish(req).await
}

async fn nul_is_refused_everywhere(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let cid = coupon(
        &alice,
        "Spring",
        &icon,
        json!({"auxiliary_fields": [{"key": "pts", "label": "Points", "value": "0"}]}),
    )
    .await;
    let pid = alice
        .post(&format!("/coupons/{cid}/passes"), json!({"pass": {}}))
        .await
        .expect(201)
        .id();
    let page_url = alice.get(&format!("/coupons/{cid}")).await.body["page_url"]
        .as_str()
        .unwrap()
        .to_string();
    let token = page_url.rsplit('/').next().unwrap().to_string();
    let nul = "a\u{0}b";
    let mut answers: Vec<(String, u16)> = Vec::new();
    let mut check = |what: &str, r: &Resp, expected: u16| {
        answers.push((what.to_string(), r.status.as_u16()));
        assert_eq!(r.status.as_u16(), expected, "{what}: {}", r.body);
    };

    // JSON bodies: 422 under the attribute.
    let r = alice
        .post(
            "/coupons",
            json!({"coupon": {"name": nul, "icon_id": icon}}),
        )
        .await;
    check("campaign name", &r, 422);
    assert!(msg(&r, "name").contains("U+0000"), "{}", r.body);
    let r = alice
        .patch(
            &format!("/coupons/{cid}"),
            json!({"coupon": {"description": nul}}),
        )
        .await;
    check("campaign description", &r, 422);
    assert!(msg(&r, "description").contains("U+0000"));
    let r = alice
        .patch(
            &format!("/coupons/{cid}"),
            json!({"coupon": {"auxiliary_fields": [{"key": "pts", "label": nul}]}}),
        )
        .await;
    check("campaign field label", &r, 422);
    assert!(msg(&r, "auxiliary_fields").contains("auxiliary_fields.0.label"));
    let r = alice
        .post(
            &format!("/coupons/{cid}/passes"),
            json!({"pass": {"redeem_code": nul}}),
        )
        .await;
    check("pass redeem code", &r, 422);
    assert!(msg(&r, "redeem_code").contains("U+0000"));
    let r = alice
        .patch(
            &format!("/coupons/{cid}/passes/{pid}"),
            json!({"pass": {"user_info": {"note": nul}}}),
        )
        .await;
    check("pass user_info", &r, 422);
    let r = alice
        .post(
            &format!("/coupons/{cid}/passes"),
            json!({"pass": {"auxiliary_fields": [{"key": "pts", "value": nul}]}}),
        )
        .await;
    check("pass field value", &r, 422);
    let r = alice
        .post(
            &format!("/coupons/{cid}/redeem"),
            json!({"pass": {"redeem_code": nul}}),
        )
        .await;
    check("redeem by code", &r, 422);
    let r = alice
        .post(
            "/coupons",
            json!({"coupon": {"na\u{0}me": "x", "icon_id": icon}}),
        )
        .await;
    check("attribute name", &r, 422);
    let r = alice
        .post(
            "/templates",
            json!({"template": {"name": nul, "icon_id": icon}}),
        )
        .await;
    check("template name", &r, 422);
    let r = alice
        .post(
            &format!("/coupons/{cid}/passes/{pid}/push"),
            json!({"push_message": nul}),
        )
        .await;
    check("push message", &r, 422);

    // Query strings: 400, like any other bad filter.
    for path in [
        "/coupons?q[name_eq]=a%00b".to_string(),
        "/coupons?q[name_cont]=%00".to_string(),
        format!("/coupons/{cid}/passes?q[redeem_code_eq]=x%00"),
        format!("/coupons/{cid}/redeems?q[redeem_code_matches]=%00%25"),
        "/assets?q[name_eq]=%00".to_string(),
        "/templates?page=%00".to_string(),
        format!("/coupons/{cid}/redeem/x?note=%00"),
    ] {
        let r = alice.get(&path).await;
        check(&path, &r, 400);
        assert!(msg(&r, "base").contains("U+0000"), "{path}: {}", r.body);
    }

    // Paths: an unknown resource, 404.
    for path in [
        format!("/v2/coupons/{cid}%00"),
        format!("/v2/coupons/{cid}/passes/a%00b"),
        format!("/v2/coupons/{cid}/redeem/a%00b"),
        "/p/a%00b".to_string(),
        format!("/p/{token}%00.pkpass"),
        "/s/a%00b".to_string(),
        format!("/p/{token}/a%00b"),
        "/passkit/v1/passes/pass.example/a%00b".to_string(),
    ] {
        let r = raw_get(&alice, &path).await;
        check(&path, &r, 404);
    }
    let r = Client::finish(alice.http.post(format!(
        "{}/passkit/v1/devices/d%00/registrations/pass.example/s",
        alice.base
    )))
    .await;
    check("passkit register", &r, 404);

    assert_eq!(answers.len(), 26, "{answers:?}");
    assert!(answers.iter().all(|(_, s)| *s < 500), "{answers:?}");
    // Nothing was stored and the server still answers.
    let r = alice
        .get(&format!("/coupons/{cid}/passes"))
        .await
        .expect(200);
    assert_eq!(r.header("x-total"), "1");
    server.stop().await;
}
both_backends!(nul_is_refused_everywhere);

async fn page_and_offset_are_bounded(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let cid = coupon(&alice, "Spring", &icon, json!({})).await;
    for list in [
        "/coupons".to_string(),
        format!("/coupons/{cid}/passes"),
        format!("/coupons/{cid}/redeems"),
        "/assets".to_string(),
        "/templates".to_string(),
    ] {
        let sep = if list.contains('?') { '&' } else { '?' };
        for (query, message) in [
            ("page=4294967296", "page must be at most 2147483647"),
            ("page=99999999999999999999999", "page must be at most"),
            (
                "offset=9223372036854775807&page=2",
                "offset must be at most",
            ),
            ("offset=99999999999999999999", "offset must be at most"),
        ] {
            let r = alice.get(&format!("{list}{sep}{query}")).await;
            assert_eq!(r.status, 400, "{list}?{query}: {}", r.body);
            assert!(
                msg(&r, "base").contains(message),
                "{list}?{query}: {}",
                r.body
            );
        }
        let r = alice
            .get(&format!(
                "{list}{sep}page=2147483647&per_page=50&offset=1000000000000"
            ))
            .await
            .expect(200);
        assert_eq!(r.body, json!([]));
        assert_eq!(r.header("x-page"), "2147483647");
        assert_eq!(r.header("x-offset"), "1107374182300");
        assert_eq!(r.header("x-prev-page"), "2147483646");
        let r = alice
            .get(&format!("{list}{sep}page=-3&offset=-9"))
            .await
            .expect(200);
        assert_eq!(r.header("x-page"), "1");
        assert_eq!(r.header("x-offset"), "0");
    }
    server.stop().await;
}
both_backends!(page_and_offset_are_bounded);

async fn php_sdk_empty_arrays_are_empty_objects(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let cid = coupon(
        &alice,
        "Spring",
        &icon,
        json!({"user_info": {"tier": "gold"}}),
    )
    .await;
    // createCoupon($cid, array()): {"pass":[]}.
    let r = send_text(
        &alice,
        Method::POST,
        &format!("/coupons/{cid}/passes"),
        r#"{"pass":[]}"#,
    )
    .await
    .expect(201);
    let pid = r.id();
    assert_eq!(r.body["user_info"], json!({"tier": "gold"}));
    // updateCoupon($cid, $pid, array()): nothing changes.
    send_text(
        &alice,
        Method::PATCH,
        &format!("/coupons/{cid}/passes/{pid}"),
        r#"{"pass":[]}"#,
    )
    .await
    .expect(200);
    // An empty PHP array as user_info is an empty object.
    let r = send_text(
        &alice,
        Method::PATCH,
        &format!("/coupons/{cid}/passes/{pid}"),
        r#"{"pass":{"user_info":[],"barcode":[]}}"#,
    )
    .await
    .expect(200);
    assert_eq!(r.body["user_info"], json!({}));
    // updateCouponCampaign($cid, array()).
    send_text(
        &alice,
        Method::PATCH,
        &format!("/coupons/{cid}"),
        r#"{"coupon":[]}"#,
    )
    .await
    .expect(200);
    // pushCoupon sends json_encode(null); a merge with array() sends [].
    send_text(
        &alice,
        Method::POST,
        &format!("/coupons/{cid}/passes/{pid}/push"),
        "null",
    )
    .await
    .expect(200);
    send_text(&alice, Method::POST, &format!("/coupons/{cid}/merge"), "[]")
        .await
        .expect(200);
    // A root key holding a non-empty array is still refused.
    let r = send_text(
        &alice,
        Method::POST,
        &format!("/coupons/{cid}/passes"),
        r#"{"pass":[1]}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    let r = alice
        .get(&format!("/coupons/{cid}/passes"))
        .await
        .expect(200);
    assert_eq!(r.header("x-total"), "1");
    server.stop().await;
}
both_backends!(php_sdk_empty_arrays_are_empty_objects);

/// Sends a raw HTTP/1.1 request and returns the response head as it was on the wire.
async fn raw_head(server: &TestServer, client: &Client, path: &str) -> String {
    use base64::Engine;
    let (u, k) = client.credentials.clone().unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{k}"));
    let mut stream = tokio::net::TcpStream::connect(server.running.addr)
        .await
        .unwrap();
    let request = format!(
        "GET /v2{path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {auth}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    text.split("\r\n\r\n").next().unwrap().to_string()
}

async fn pagination_headers_have_their_documented_spelling(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    for name in ["A", "B", "C"] {
        coupon(&alice, name, &icon, json!({})).await;
    }
    // The PHP SDK's ResourceIterator reads $headers['X-Next-Page'] and stops when unset.
    let first = raw_head(&server, &alice, "/coupons?per_page=2").await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    for line in [
        "\r\nX-Total: 3\r\n",
        "\r\nX-Total-Pages: 2\r\n",
        "\r\nX-Page: 1\r\n",
        "\r\nX-Per-Page: 2\r\n",
        "\r\nX-Next-Page: 2\r\n",
        "\r\nX-Offset: 0\r\n",
        "\r\nContent-Type: application/json",
    ] {
        assert!(first.contains(line), "{line:?} not in {first}");
    }
    assert!(
        !first.to_ascii_lowercase().contains("x-prev-page"),
        "{first}"
    );
    let last = raw_head(&server, &alice, "/coupons?per_page=2&page=2").await;
    assert!(last.contains("\r\nX-Prev-Page: 1\r\n"), "{last}");
    assert!(!last.to_ascii_lowercase().contains("x-next-page"), "{last}");
    let r = alice.get("/coupons?per_page=2&page=2").await.expect(200);
    assert!(r.headers.get("x-next-page").is_none());
    // HTTP/2 still works on the same port (names are lower case there by definition).
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let (u, k) = alice.credentials.clone().unwrap();
    let r = h2
        .get(format!("{}/v2/coupons?per_page=2", server.base))
        .basic_auth(u, Some(k))
        .send()
        .await
        .unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-next-page"], "2");
    server.stop().await;
}
both_backends!(pagination_headers_have_their_documented_spelling);

fn keys(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect()
}

async fn patch_merges_field_arrays_by_key(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let cid = coupon(
        &alice,
        "Guide",
        &icon,
        json!({"auxiliary_fields": [
            {"key": "username", "label": "USERNAME", "value": "bruce"},
            {"key": "expires", "label": "EXPIRES", "value": "2 weeks"}
        ]}),
    )
    .await;
    let path = format!("/coupons/{cid}");
    // The guide's step 4: a partial array keeps the other field and the omitted label.
    let r = alice
        .patch(
            &path,
            json!({"coupon": {"auxiliary_fields": [{"key": "expires", "value": "1 weeks"}]}}),
        )
        .await
        .expect(200);
    assert_eq!(keys(&r.body["auxiliary_fields"]), ["username", "expires"]);
    assert_eq!(r.body["auxiliary_fields"][0]["value"], "bruce");
    assert_eq!(r.body["auxiliary_fields"][1]["label"], "EXPIRES");
    assert_eq!(r.body["auxiliary_fields"][1]["value"], "1 weeks");
    // New keys append.
    let r = alice
        .patch(
            &path,
            json!({"coupon": {"auxiliary_fields": [{"key": "level", "label": "LEVEL", "value": "3"}]}}),
        )
        .await
        .expect(200);
    assert_eq!(
        keys(&r.body["auxiliary_fields"]),
        ["username", "expires", "level"]
    );
    // Naming every key reorders (attributes still merge).
    let r = alice
        .patch(
            &path,
            json!({"coupon": {"auxiliary_fields": [{"key": "level"}, {"key": "username"}, {"key": "expires"}]}}),
        )
        .await
        .expect(200);
    assert_eq!(
        keys(&r.body["auxiliary_fields"]),
        ["level", "username", "expires"]
    );
    assert_eq!(r.body["auxiliary_fields"][2]["label"], "EXPIRES");
    // _destroy removes; moving is destroy + supply elsewhere; an empty array changes nothing.
    let r = alice
        .patch(
            &path,
            json!({"coupon": {
                "auxiliary_fields": [
                    {"key": "username", "_destroy": true},
                    {"key": "level", "_destroy": true}
                ],
                "back_fields": [{"key": "level", "label": "LEVEL", "value": "4"}],
                "primary_fields": []
            }}),
        )
        .await
        .expect(200);
    assert_eq!(keys(&r.body["auxiliary_fields"]), ["expires"]);
    assert_eq!(r.body["back_fields"][0]["value"], "4");
    assert_eq!(r.body["primary_fields"], json!([]));
    let r = alice
        .patch(
            &path,
            json!({"coupon": {"auxiliary_fields": [{"key": "level", "_destroy": true}, {"key": "level", "label": "L"}]}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let again = alice.get(&path).await.expect(200);
    assert_eq!(keys(&again.body["auxiliary_fields"]), ["expires"]);
    assert_eq!(keys(&again.body["back_fields"]), ["level"]);

    // Passes take the same rule.
    let pid = alice
        .post(&format!("{path}/passes"), json!({"pass": {}}))
        .await
        .expect(201)
        .id();
    let ppath = format!("{path}/passes/{pid}");
    let r = alice
        .patch(
            &ppath,
            json!({"pass": {"auxiliary_fields": [{"key": "expires", "_destroy": true}, {"key": "extra", "value": "x"}]}}),
        )
        .await
        .expect(200);
    assert_eq!(keys(&r.body["auxiliary_fields"]), ["extra"]);
    assert_eq!(keys(&r.body["back_fields"]), ["level"]);
    // null empties a campaign array.
    let r = alice
        .patch(&path, json!({"coupon": {"back_fields": null}}))
        .await
        .expect(200);
    assert_eq!(r.body["back_fields"], json!([]));
    server.stop().await;
}
both_backends!(patch_merges_field_arrays_by_key);
