//! Signing in to the console with a freshly created account.

use passworks_e2e::thirtyfour::By;
use passworks_e2e::{wait_for, wait_for_path, wait_for_text, TestSystem};

#[tokio::test(flavor = "multi_thread")]
async fn a_new_account_signs_in_and_sees_no_campaigns() -> anyhow::Result<()> {
    let sys = TestSystem::start("sign_in").await?;
    sys.goto("/").await?;
    wait_for(sys.driver(), By::Id("username")).await?;
    sys.screenshot("01-sign-in").await?;

    sys.sign_in().await?;
    // The overview lists every campaign type, each with no campaigns yet.
    let card = wait_for(sys.driver(), By::Css(".type-card a")).await?;
    wait_for_text(sys.driver(), "0 campaigns").await?;
    sys.screenshot("02-overview").await?;

    card.click().await?;
    wait_for_path(sys.driver(), "/campaigns/").await?;
    wait_for(sys.driver(), By::Css(".empty")).await?;
    sys.screenshot("03-campaigns-empty").await?;

    sys.shutdown().await;
    Ok(())
}
