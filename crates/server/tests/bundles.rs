//! `.pkpasses` bundles over real HTTP (`GET /v2/{type}/{id}/passes/pkpasses?ids=…`): a
//! family's boarding passes download as one `application/vnd.apple.pkpasses` zip of their
//! signed `.pkpass` files; more than Apple's 10, a pass of another campaign, a repeated id
//! or a pass that cannot be built are a 422 naming the id.

mod common;
mod pw_fixtures;

use std::collections::BTreeMap;
use std::io::Read;

use common::{Backend, TestServer};
use pw_fixtures::*;
use serde_json::{json, Value};

fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        files.insert(f.name().to_string(), data);
    }
    files
}

async fn a_family_downloads_its_boarding_passes_at_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let cid = alice
        .post("/boarding_passes", skyport_boarding_pass(&a))
        .await
        .expect(201)
        .id();
    let mut ids = Vec::new();
    for (seat, name) in [("12A", "Ana"), ("12B", "Rui"), ("12C", "Inês")] {
        let p = alice
            .post(
                &format!("/boarding_passes/{cid}/passes"),
                json!({"pass": {
                    "redeem_code": format!("SK1234-{seat}"),
                    "auxiliary_fields": [{"key": "seat", "value": seat}],
                    "secondary_fields": [{"key": "passenger", "value": name}]
                }}),
            )
            .await
            .expect(201);
        ids.push(p.id());
    }
    let r = alice
        .get(&format!(
            "/boarding_passes/{cid}/passes/pkpasses?ids={}",
            ids.join(",")
        ))
        .await
        .expect(200);
    assert_eq!(r.headers["content-type"], "application/vnd.apple.pkpasses");
    assert!(r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .ends_with(".pkpasses\""));
    let files = unzip(&r.bytes);
    assert_eq!(files.len(), 3);
    // In the order asked, each a complete signed pass with its own seat.
    for (id, seat) in ids.iter().zip(["12A", "12B", "12C"]) {
        let pass = unzip(&files[&format!("{id}.pkpass")]);
        assert!(pass.contains_key("signature") && pass.contains_key("manifest.json"));
        let json: Value = serde_json::from_slice(&pass["pass.json"]).unwrap();
        let aux = &json["boardingPass"]["auxiliaryFields"];
        assert!(
            aux.as_array().unwrap().iter().any(|f| f["value"] == seat),
            "{aux}"
        );
    }
    server.stop().await;
}
both_backends!(a_family_downloads_its_boarding_passes_at_once);

async fn bundles_are_bounded_and_name_the_id_at_fault(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let cid = alice
        .post("/boarding_passes", skyport_boarding_pass(&a))
        .await
        .expect(201)
        .id();
    let pid = alice
        .post(
            &format!("/boarding_passes/{cid}/passes"),
            json!({"pass": {"redeem_code": "SK1"}}),
        )
        .await
        .expect(201)
        .id();
    let other = alice
        .post("/event_tickets", event_ticket(&a))
        .await
        .expect(201)
        .id();
    let stranger = alice
        .post(
            &format!("/event_tickets/{other}/passes"),
            json!({"pass": {}}),
        )
        .await
        .expect(201)
        .id();
    let base = format!("/boarding_passes/{cid}/passes/pkpasses");

    let r = alice.get(&base).await.expect(422);
    assert!(msg(&r, "ids").contains("can't be blank"));
    let eleven = vec![pid.clone(); 11].join(",");
    let r = alice.get(&format!("{base}?ids={eleven}")).await.expect(422);
    assert!(msg(&r, "ids").contains("at most 10"));
    let r = alice
        .get(&format!("{base}?ids={pid},{pid}"))
        .await
        .expect(422);
    assert_eq!(msg(&r, "ids[1]"), "is listed twice");
    let r = alice
        .get(&format!("{base}?ids={pid},{stranger}"))
        .await
        .expect(422);
    assert_eq!(msg(&r, "ids[1]"), "is not a pass of this campaign");

    // Another account sees neither the campaign nor its passes.
    let bob = server.account("Bob").await;
    bob.get(&format!("{base}?ids={pid}")).await.expect(404);
    server.stop().await;
}
both_backends!(bundles_are_bounded_and_name_the_id_at_fault);
