//! The session ending under the user's feet: an organization's key is refreshed by its
//! parent while someone works in the console with the old one.

mod support;

use anyhow::{Context, Result};
use passworks_e2e::thirtyfour::By;
use passworks_e2e::{sign_in, wait_for, wait_for_path, wait_for_text, TestSystem};
use serde_json::json;
use support::{icon_png, select, serial, write_file};

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_with_a_revoked_key_leads_to_sign_in_and_back_without_a_browser_prompt(
) -> Result<()> {
    let _serial = serial().await;
    let sys = TestSystem::start("session_revoked").await?;
    let d = sys.driver();
    let parent = sys.add_account("Parent Co", true)?;
    let parent_api = sys.api_as(&parent);
    let child = parent_api
        .post_json(
            "/v2/organizations",
            &json!({"organization": {"name": "Shop Lisbon"}}),
        )
        .await?;
    let child_id = child["id"].as_str().context("organization id")?.to_owned();
    let user = child["api_username"].as_str().context("api_username")?;
    let old_key = child["api_password"].as_str().context("api_password")?;

    sys.sign_in_as(user, old_key).await?;
    sys.goto("/assets").await?;
    wait_for(d, By::Id("upload-type")).await?;

    // The parent refreshes the child's key: the console's key is now wrong.
    let refreshed = parent_api
        .post_json(
            &format!("/v2/organizations/{child_id}/refresh_api_password"),
            &json!({}),
        )
        .await?;
    let new_key = refreshed["api_password"]
        .as_str()
        .context("new api_password")?;

    // An upload (XMLHttpRequest) answered 401 must not open the browser's own login
    // prompt: the console signs out and shows its sign-in form.
    let probe = d
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            const x = new XMLHttpRequest();
            x.open('POST', '/v2/assets');
            x.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
            x.setRequestHeader('Authorization', 'Basic ' + btoa(arguments[0]));
            const f = new FormData(); f.append('asset[asset_type]', 'icon'); f.append('asset[file]', new Blob([new Uint8Array(5000)]), 'x.png');
            x.onloadend = () => done('loadend ' + x.status + ' ' + x.getResponseHeader('www-authenticate'));
            x.onerror = () => done('error');
            x.send(f);"#,
            vec![json!(format!("{user}:{old_key}"))],
        )
        .await?;
    // In a real browser, a scripted request with the old key gets the 401 and a
    // challenge the browser leaves alone.
    assert_eq!(
        probe.json(),
        &json!("loadend 401 xBasic realm=\"Passworks API\"")
    );
    let icon = write_file(&sys.scratch_dir(), "icon.png", &icon_png())?;
    select(d, "#upload-type", "icon").await?;
    d.find(By::Id("upload-file"))
        .await?
        .send_keys(icon.to_string_lossy())
        .await?;
    wait_for(d, By::Id("apikey")).await?;
    wait_for_path(d, "/sign-in").await?;
    wait_for_text(d, "You were signed out: the API no longer accepts the key").await?;
    assert!(
        d.get_alert_text().await.is_err(),
        "the browser opened a dialog of its own"
    );
    sys.screenshot("01-signed-out-by-401").await?;

    // Signing in with the new key returns to the assets page.
    sign_in(d, user, new_key).await?;
    wait_for_path(d, "/assets").await?;
    wait_for(d, By::Id("upload-type")).await?;
    wait_for_text(d, "Assets").await?;
    sys.screenshot("02-back-on-assets").await?;

    sys.shutdown().await;
    Ok(())
}
