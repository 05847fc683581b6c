//! Teams in the console (issue 16), in headless Chromium against the real server: an
//! owner invites a person (the console shows the invitation link and copies it), the
//! person opens the link, sets a password and later signs in with e-mail and password;
//! the owner changes a role and removes someone; the Sessions and API keys page (a scoped
//! key shown once and revoked, another person's session ended); the audit log with a
//! filter and its CSV export; signing in with single sign-on against the local OpenID
//! Connect provider of the server's tests. Then each role (owner, manager, support, scanner, viewer)
//! signs in and is offered only what it may do: navigation, tabs and the buttons inside
//! the pages. Screenshots (desktop 1280, phone 390×844) go to
//! `<target>/screenshots/<test>/`.
//!
//! Run: `cargo test -p passworks-e2e --test teams -- --nocapture`.

#[path = "../../server/tests/common/oidc.rs"]
mod oidc;
mod support;

use anyhow::{ensure, Context, Result};
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{wait_for, wait_for_path, wait_for_text, Api, TestSystem};
use serde_json::{json, Value};

use support::*;

const PASSWORD: &str = "correct horse battery";

/// Invites `email` as `role` through the API (as the organization's API username).
async fn invite(api: &Api, email: &str, role: &str) -> Result<Value> {
    api.post_json(
        "/v2/users",
        &json!({"user": {"email": email, "role": role}}),
    )
    .await
}

/// Invites `email` as `role` and accepts the invitation through the API: a person who
/// can sign in with [`PASSWORD`].
async fn person(api: &Api, email: &str, role: &str) -> Result<Value> {
    let user = invite(api, email, role).await?;
    let link = user["invitation_url"].as_str().context("link")?;
    let token = link.split_once('#').context("token")?.1;
    let r = api
        .client
        .post(api.url("/v2/invitations/accept"))
        .json(&json!({"token": token, "password": PASSWORD}))
        .send()
        .await?;
    ensure!(r.status().as_u16() == 201, "accepting: {}", r.status());
    Ok(user)
}

/// Forgets the console's credentials and signs in as a person.
async fn sign_in_person(sys: &TestSystem, email: &str) -> Result<()> {
    sys.driver()
        .execute("sessionStorage.clear(); localStorage.clear();", vec![])
        .await?;
    sys.goto("/sign-in").await?;
    passworks_e2e::sign_in(sys.driver(), email, PASSWORD).await?;
    wait_for_text_in(sys.driver(), ".who", email).await?;
    Ok(())
}

/// Screenshots of the current page at desktop and phone width (back to desktop after).
async fn shots(sys: &TestSystem, name: &str) -> Result<()> {
    let d = sys.driver();
    set_viewport(d, 1280, 900).await?;
    sys.screenshot(&format!("{name}-desktop")).await?;
    set_viewport(d, 390, 844).await?;
    sys.screenshot(&format!("{name}-phone")).await?;
    set_viewport(d, 1280, 900).await?;
    Ok(())
}

/// Whether a displayed button or button-like link labelled `label` is on the page now.
async fn offered(d: &WebDriver, label: &str) -> Result<bool> {
    let xpath =
        format!("//*[(self::button or self::a or self::label) and normalize-space(.)='{label}']");
    for e in d.find_all(By::XPath(&xpath)).await? {
        if e.is_displayed().await.unwrap_or(false) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Asserts which of `labels` the page offers: `expect` says for each.
async fn check_offers(
    d: &WebDriver,
    role: &str,
    page: &str,
    labels: &[(&str, bool)],
) -> Result<()> {
    for (label, expect) in labels {
        let seen = offered(d, label).await?;
        ensure!(
            seen == *expect,
            "{role} on {page}: {label:?} is {} but should {}be",
            if seen { "offered" } else { "not offered" },
            if *expect { "" } else { "not " }
        );
    }
    Ok(())
}

/// The texts of the main navigation's links.
async fn nav(d: &WebDriver) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for e in d.find_all(By::Css("#sidenav a")).await? {
        out.push(
            e.prop("textContent")
                .await?
                .unwrap_or_default()
                .trim()
                .to_owned(),
        );
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread")]
async fn invitation_people_sessions_keys_and_audit() -> Result<()> {
    let _serial = serial().await;
    let sys = start("teams_people").await?;
    let d = sys.driver();
    let api = sys.api();
    // The first owner joins through the console's invitation page.
    let owner = invite(&api, "olivia@example.com", "owner").await?;
    let link = owner["invitation_url"].as_str().context("link")?.to_owned();
    ensure!(link.contains("/invitation#"), "{link}");
    d.goto(&link).await?;
    wait_for(d, By::Id("new-password")).await?;
    // The token left the address bar at once.
    ensure!(
        !d.current_url().await?.as_str().contains('#'),
        "token still in the address"
    );
    fill(d, "#invite-name", "Olivia Owner").await?;
    fill(d, "#new-password", PASSWORD).await?;
    fill(d, "#confirm-password", "not the same password").await?;
    shots(&sys, "invitation").await?;
    click_button(d, "Set password and sign in").await?;
    wait_for_text(d, "does not match the password").await?;
    fill(d, "#confirm-password", PASSWORD).await?;
    click_button(d, "Set password and sign in").await?;
    wait_for_text_in(d, ".who", "olivia@example.com (owner)").await?;

    // People: invite someone; the link is shown and copied.
    sys.goto("/people").await?;
    fill(d, "#invite-email", "ann@example.com").await?;
    select(d, "#invite-role", "support").await?;
    wait_for_text(d, "Issues, edits, voids, redeems and pushes passes").await?;
    click_button(d, "Invite").await?;
    let card =
        wait_for_text_in(d, ".invitation-link", "Invitation link for ann@example.com").await?;
    ensure!(
        !card.contains("E-mailed"),
        "no SMTP: nothing was e-mailed: {card}"
    );
    let ann_link = text_of(d, ".invitation-link code").await?;
    ensure!(ann_link.starts_with(&sys.url("/invitation#")), "{ann_link}");
    click_button(d, "Copy link").await?;
    wait_for_text_in(d, ".invitation-link", "Copied").await?;
    wait_for_text_in(d, "table", "ann@example.com").await?;
    shots(&sys, "people").await?;
    click_button(d, "Done").await?;
    passworks_e2e::wait_gone(d, By::Css(".invitation-link")).await?;

    // Ann accepts and signs in with e-mail and password.
    d.execute("sessionStorage.clear(); localStorage.clear();", vec![])
        .await?;
    d.goto(&ann_link).await?;
    fill(d, "#new-password", PASSWORD).await?;
    fill(d, "#confirm-password", PASSWORD).await?;
    click_button(d, "Set password and sign in").await?;
    wait_for_text_in(d, ".who", "ann@example.com (support)").await?;
    // Signing out ends the session; signing in with e-mail and password starts another.
    click_button(d, "Sign out").await?;
    wait_for(d, By::Id("apikey")).await?;
    fill(d, "#username", "ann@example.com").await?;
    fill(d, "#apikey", "wrong password!!").await?;
    d.find(By::Css("form button[type='submit']"))
        .await?
        .click()
        .await?;
    wait_for_text(d, "this e-mail address and password do not match").await?;
    shots(&sys, "sign-in-refused").await?;
    passworks_e2e::sign_in(d, "ann@example.com", PASSWORD).await?;
    wait_for_text_in(d, ".who", "ann@example.com (support)").await?;

    // The owner changes Ann's role and removes someone.
    person(&api, "max@example.com", "manager").await?;
    sign_in_person(&sys, "olivia@example.com").await?;
    sys.goto("/people").await?;
    wait_for_text_in(d, "table", "max@example.com").await?;
    select(d, "select[aria-label='Role of ann@example.com']", "viewer").await?;
    wait_for_text(d, "ann@example.com is now viewer.").await?;
    let max_row = "//tr[td[contains(., 'max@example.com')]]";
    d.find(By::XPath(format!(
        "{max_row}//button[normalize-space(.)='Remove']"
    )))
    .await?
    .click()
    .await?;
    click_button(d, "Confirm removal").await?;
    wait_for_text(d, "max@example.com was removed; their sessions ended.").await?;
    let users = api.get_json("/v2/users").await?;
    let emails: Vec<&str> = users
        .as_array()
        .context("users")?
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    ensure!(!emails.contains(&"max@example.com"), "{emails:?}");
    let ann = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "ann@example.com")
        .context("ann")?;
    ensure!(ann["role"] == "viewer", "{ann}");

    // Sessions and API keys: a scoped key shown once, then revoked.
    sys.goto("/security").await?;
    wait_for_text_in(d, "table", "olivia@example.com").await?;
    fill(d, "#key-name", "Door scanner app").await?;
    select(d, "#key-scope", "scanner").await?;
    wait_for_text(d, "Redeeming only").await?;
    click_button(d, "Create key").await?;
    let shown = wait_for_text_in(d, ".api-key-token", "Token of “Door scanner app”").await?;
    let token = text_of(d, ".api-key-token code").await?;
    ensure!(token.len() > 20, "token: {shown}");
    shots(&sys, "security-key-shown").await?;
    // The token works with its scope: redeem yes, reading passes no.
    let with_key = |path: &str| api.client.get(api.url(path)).bearer_auth(&token).send();
    ensure!(
        with_key("/v2/coupons").await?.status().as_u16() == 200,
        "scanner key reads campaigns"
    );
    ensure!(
        with_key("/v2/templates").await?.status().as_u16() == 403,
        "scanner key reads no templates"
    );
    click_button(d, "Done").await?;
    passworks_e2e::wait_gone(d, By::Css(".api-key-token")).await?;
    ensure!(
        !d.find(By::Tag("body"))
            .await?
            .text()
            .await?
            .contains(&token),
        "the token is not shown again"
    );
    d.find(By::Css("button[aria-label='Revoke Door scanner app']"))
        .await?
        .click()
        .await?;
    wait_for_text(d, "The key “Door scanner app” was revoked.").await?;
    wait_for_text_in(d, "table[aria-label='API keys'], table", "revoked").await?;
    ensure!(
        with_key("/v2/coupons").await?.status().as_u16() == 401,
        "a revoked key is refused"
    );

    // Another person's session, ended by the owner.
    person(&api, "vic@example.com", "viewer").await?;
    let r = api
        .client
        .post(api.url("/v2/sessions"))
        .json(&json!({"email": "vic@example.com", "password": PASSWORD}))
        .send()
        .await?;
    let vic_token = r.json::<Value>().await?["token"]
        .as_str()
        .context("token")?
        .to_owned();
    let as_vic = || {
        api.client
            .get(api.url("/v2/me"))
            .bearer_auth(&vic_token)
            .send()
    };
    ensure!(as_vic().await?.status().as_u16() == 200, "vic is signed in");
    d.refresh().await?;
    wait_for_text_in(d, "table", "vic@example.com").await?;
    shots(&sys, "security").await?;
    // Vic has two sessions (the invitation's and the sign-in): the owner ends both.
    let vic_end = "//tr[td[contains(., 'vic@example.com')]]//button[normalize-space(.)='End']";
    for left in [2usize, 1] {
        let rows = wait_until(&format!("{left} sessions of vic"), || async {
            let rows = d.find_all(By::XPath(vic_end)).await?;
            Ok((rows.len() == left).then_some(rows))
        })
        .await?;
        rows[0].click().await?;
        wait_for_text(d, "The session was ended.").await?;
    }
    wait_until("vic's sessions gone from the list", || async {
        Ok(d.find_all(By::XPath(vic_end))
            .await?
            .is_empty()
            .then_some(()))
    })
    .await?;
    ensure!(
        as_vic().await?.status().as_u16() == 401,
        "an ended session is refused"
    );

    // The audit log: who did what; a filter; the CSV export of what is shown.
    sys.goto("/audit").await?;
    wait_for_text_in(d, "table", "olivia@example.com").await?;
    let who = wait_for(d, By::Css("input[aria-label='Filter by who']")).await?;
    type_into(&who, "olivia").await?;
    who.send_keys(Key::Enter).await?;
    wait_for_path(d, "/audit").await?;
    wait_until("only olivia's events", || async {
        let rows = texts_of(d, "tbody tr td:nth-child(2)").await?;
        Ok(
            (!rows.is_empty() && rows.iter().all(|r| r.contains("olivia@example.com")))
                .then_some(()),
        )
    })
    .await?;
    wait_for_text_in(d, "tbody", "api key").await?;
    shots(&sys, "audit").await?;
    click_button(d, "Export CSV").await?;
    let exported = wait_for_text_in(d, "[role='status']", "rows to audit-log.csv").await?;
    // The same filtered list as CSV from the server.
    let csv = api
        .get("/v2/audit_events?q[actor_label_cont]=olivia")
        .header("Accept", "text/csv")
        .send()
        .await?
        .text()
        .await?;
    let n = csv.lines().count() - 1;
    ensure!(
        exported.contains(&format!("Exported {n} rows")),
        "{exported} vs {n} rows"
    );
    ensure!(
        csv.lines()
            .skip(1)
            .all(|l| l.contains("olivia@example.com")),
        "{csv}"
    );
    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn each_role_sees_only_what_it_may_do() -> Result<()> {
    let _serial = serial().await;
    let sys = start("teams_roles").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let coupon = seed_coupon(&api, "Spring sale", &icon, &logo).await?;
    let cid = coupon["id"].as_str().context("campaign id")?.to_owned();
    let passes = issue_passes(&api, &cid, 2).await?;
    let pid = passes[0]["id"].as_str().context("pass id")?.to_owned();
    let code = passes[1]["redeem_code"]
        .as_str()
        .context("code")?
        .to_owned();
    let campaign = format!("/campaigns/coupons/{cid}");
    let pass = format!("{campaign}/passes/{pid}");
    for (email, role) in [
        ("owner@example.com", "owner"),
        ("manager@example.com", "manager"),
        ("support@example.com", "support"),
        ("scanner@example.com", "scanner"),
        ("viewer@example.com", "viewer"),
    ] {
        person(&api, email, role).await?;
    }

    // Navigation.
    for (role, people, resources) in [
        ("owner", true, true),
        ("manager", false, true),
        ("support", false, true),
        ("scanner", false, false),
        ("viewer", false, true),
    ] {
        sign_in_person(&sys, &format!("{role}@example.com")).await?;
        wait_for(d, By::Css("#sidenav a")).await?;
        wait_until(&format!("{role}'s navigation"), || async {
            let links = nav(d).await?;
            let ok = links.contains(&"People".to_owned()) == people
                && links.contains(&"Audit log".to_owned()) == people
                && links.contains(&"Templates".to_owned()) == resources
                && links.contains(&"Sessions and API keys".to_owned());
            Ok(ok.then_some(()))
        })
        .await
        .with_context(|| format!("{role}: see the failure screenshot"))?;
        let finds = d
            .find_all(By::Css("input[placeholder^='Find a pass']"))
            .await?;
        ensure!(
            finds.is_empty() == (role == "scanner"),
            "{role}: pass search offered {}",
            finds.len()
        );
        if role == "scanner" {
            wait_for(d, By::Css(".scanner-hint")).await?;
            shots(&sys, "home-scanner").await?;
        }

        // The campaign list and page.
        sys.goto("/campaigns/coupons").await?;
        wait_for_text_in(d, "table", "Spring sale").await?;
        let design = matches!(role, "owner" | "manager");
        let writes = matches!(role, "owner" | "manager" | "support");
        check_offers(d, role, "campaigns", &[("New coupon", design)]).await?;
        let boxes = d.find_all(By::Css("tbody input[type='checkbox']")).await?;
        ensure!(
            boxes.is_empty() != design,
            "{role}: row selection {}",
            boxes.len()
        );
        sys.goto(&campaign).await?;
        wait_for(d, By::Css("nav.tabs")).await?;
        wait_for_text(d, "Spring sale").await?;
        check_offers(
            d,
            role,
            "campaign",
            &[
                ("Pause…", design),
                ("Delete…", design),
                ("Merge into passes…", design),
                ("Push update…", writes),
                ("Edit", design),
                ("Passes", role != "scanner"),
                ("Redeem", role != "viewer"),
                ("Reports", role != "scanner"),
            ],
        )
        .await?;
        shots(&sys, &format!("campaign-{role}")).await?;

        if role != "scanner" {
            // Passes and one pass.
            sys.goto(&format!("{campaign}/passes")).await?;
            wait_for_text_in(d, "table", &code).await?;
            check_offers(
                d,
                role,
                "passes",
                &[
                    ("New pass", writes),
                    ("Redeem a code", writes),
                    ("Export CSV", true),
                ],
            )
            .await?;
            let import = d.find_all(By::Css("details.pass-import")).await?;
            ensure!(
                import.is_empty() != writes,
                "{role}: CSV import offered {}",
                import.len()
            );
            sys.goto(&pass).await?;
            wait_for(d, By::Css("[aria-label='Pass actions']")).await?;
            wait_for_text(d, "Open page").await?;
            check_offers(
                d,
                role,
                "pass",
                &[
                    ("Edit", writes),
                    ("Redeem…", writes),
                    ("Void", writes),
                    ("Push…", writes),
                    ("Delete…", writes),
                    ("Open page", true),
                ],
            )
            .await?;
            if role == "viewer" || role == "support" {
                shots(&sys, &format!("pass-{role}")).await?;
            }
            if role == "support" {
                // What support is offered, the server accepts: void the pass and back.
                click_button(d, "Void").await?;
                wait_for_text(d, "Pass voided.").await?;
                click_button(d, "Un-void").await?;
                button(d, "Void").await?;
            }
            // Resources.
            sys.goto("/templates").await?;
            wait_for(d, By::Css(".data-table")).await?;
            check_offers(d, role, "templates", &[("New template", design)]).await?;
            sys.goto("/assets").await?;
            wait_for(d, By::Css("#type-filter")).await?;
            check_offers(d, role, "assets", &[("Choose a file…", design)]).await?;
            sys.goto("/certificates").await?;
            wait_for(d, By::Css(".data-table")).await?;
            check_offers(d, role, "certificates", &[("Upload certificate", design)]).await?;
            sys.goto("/webhooks").await?;
            wait_for(d, By::Id("wh-url")).await?;
            check_offers(
                d,
                role,
                "webhooks",
                &[
                    ("Save URL", design),
                    ("Send a test event", design),
                    ("Make a new token…", design),
                ],
            )
            .await?;
            if role == "viewer" {
                shots(&sys, "webhooks-viewer").await?;
            }
        }
        if role != "viewer" {
            // The redeem screen works for every role that may redeem.
            sys.goto(&format!("{campaign}/redeem")).await?;
            let field = wait_for(d, By::Id("redeem-code")).await?;
            if role == "scanner" {
                type_into(&field, &code).await?;
                field.send_keys(Key::Enter).await?;
                wait_for_text(d, &format!("Code {code} redeemed.")).await?;
                // The scanner cannot open the pass page: no link to it.
                let links = d.find_all(By::Css(".kvs a")).await?;
                ensure!(links.is_empty(), "scanner: link to the pass page");
                shots(&sys, "redeem-scanner").await?;
            }
        }
        sys.goto("/account").await?;
        wait_for(d, By::Css("dl.kvs")).await?;
        check_offers(d, role, "account", &[("Save", role == "owner")]).await?;
    }
    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn single_sign_on_from_the_sign_in_page() -> Result<()> {
    let _serial = serial().await;
    let (provider, issuer) = oidc::start_provider().await;
    let sys = TestSystem::start_with(
        "teams_sso",
        &[
            "--oidc-issuer",
            &issuer,
            "--oidc-client-id",
            oidc::CLIENT_ID,
            "--oidc-client-secret",
            oidc::CLIENT_SECRET,
            "--oidc-role-claim",
            "groups",
            "--oidc-role-map",
            "door-staff=scanner",
            "--oidc-name",
            "Example ID",
        ],
    )
    .await?;
    provider.inner.lock().unwrap().redirect_uri = sys.url("/v2/sso/callback");
    let d = sys.driver();
    let api = sys.api();
    invite(&api, "dora@example.com", "viewer").await?;
    provider.inner.lock().unwrap().next = oidc::Next {
        email: "dora@example.com".into(),
        groups: vec!["door-staff".into()],
        ..Default::default()
    };
    sys.goto("/sign-in").await?;
    set_viewport(d, 1280, 900).await?;
    button(d, "Sign in with Example ID").await?;
    shots(&sys, "sign-in-sso").await?;
    click_button(d, "Sign in with Example ID").await?;
    // Provider, callback, and back to the console, signed in with the mapped role.
    wait_for_text_in(d, ".who", "dora@example.com (scanner)").await?;
    ensure!(
        !d.current_url().await?.as_str().contains("sso="),
        "the token left the address"
    );
    wait_for(d, By::Css(".scanner-hint")).await?;
    let violations = provider.inner.lock().unwrap().violations.clone();
    ensure!(violations.is_empty(), "the provider saw: {violations:?}");
    // An address that was not invited is refused with a message on the sign-in page.
    d.execute("sessionStorage.clear(); localStorage.clear();", vec![])
        .await?;
    provider.inner.lock().unwrap().next = oidc::Next {
        email: "nobody@example.com".into(),
        ..Default::default()
    };
    sys.goto("/sign-in").await?;
    click_button(d, "Sign in with Example ID").await?;
    wait_for_path(d, "/sign-in").await?;
    wait_for(d, By::Css(".banner.error, [role='alert']")).await?;
    shots(&sys, "sign-in-sso-refused").await?;
    ensure!(
        d.find_all(By::Css(".who")).await?.is_empty(),
        "not signed in"
    );
    sys.shutdown().await;
    Ok(())
}
