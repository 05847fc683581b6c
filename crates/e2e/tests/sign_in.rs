//! Signing in to the console with a freshly created account.

use passworks_e2e::{wait_for_path, wait_for_text, TestSystem};

#[tokio::test(flavor = "multi_thread")]
async fn a_new_account_signs_in_and_sees_no_campaigns() -> anyhow::Result<()> {
    let sys = TestSystem::start("sign_in").await?;
    sys.goto("/").await?;
    passworks_e2e::wait_for(
        sys.driver(),
        passworks_e2e::thirtyfour::By::Id("api-username"),
    )
    .await?;
    sys.screenshot("01-sign-in-form").await?;

    sys.sign_in().await?;
    wait_for_path(sys.driver(), "/campaigns").await?;
    wait_for_text(sys.driver(), "Campaigns").await?;
    sys.screenshot("02-campaigns").await?;

    sys.shutdown().await;
    Ok(())
}
