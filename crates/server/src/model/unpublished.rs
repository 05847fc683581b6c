//! Unpublished campaign changes: which issued passes still show the campaign as it was
//! before its last edit. `campaigns.edited_at` is stamped by every content update
//! ([`crate::model::campaigns::update`]), `campaigns.merged_at` when a merge into the
//! passes is started; a pass made before the edit is outdated until the next merge.

use crate::db::{Db, Tx};

/// Notes that the campaign is being merged into its passes (at `at`).
pub async fn mark_merged(tx: &mut Tx, campaign_id: &str, at: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE campaigns SET merged_at = $1 WHERE id = $2")
        .bind(at)
        .bind(campaign_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The campaign's last content edit and last merge, and how many of its passes were
/// made before that edit with no merge since.
pub async fn outdated(
    db: &Db,
    campaign_id: &str,
) -> Result<(i64, Option<String>, Option<String>), sqlx::Error> {
    let (edited, merged): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT edited_at, merged_at FROM campaigns WHERE id = $1")
            .bind(campaign_id)
            .fetch_one(&db.pool)
            .await?;
    let Some(edited_at) = edited.clone() else {
        return Ok((0, edited, merged));
    };
    if merged.as_deref().is_some_and(|m| m >= edited_at.as_str()) {
        return Ok((0, edited, merged));
    }
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM passes WHERE campaign_id = $1 AND created_at < $2",
    )
    .bind(campaign_id)
    .bind(&edited_at)
    .fetch_one(&db.pool)
    .await?;
    Ok((n, edited, merged))
}
