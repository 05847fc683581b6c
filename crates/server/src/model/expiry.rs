//! Pass expiry for the `expires_count` report counter (§15).
//!
//! Passes and campaigns keep their expiration date in an `expires_at` column (stored time
//! format) beside their JSON document; a pass expires at its own date, else its campaign's.
//! [`count_expired`] counts each expired pass once, on the day it expired. It runs
//! periodically and before a campaign's report is read, so reports are always current.

use crate::db::{normalize_time, now, Db};
use crate::model::counters::{bump, Counter};
use sqlx::{AnyConnection, Row};

/// Records a campaign's expiration date (`None` clears it).
pub async fn set_campaign_expiry(
    conn: &mut AnyConnection,
    campaign_id: &str,
    expiration: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE campaigns SET expires_at = $1 WHERE id = $2")
        .bind(expiration.and_then(normalize_time))
        .bind(campaign_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a pass's own expiration date (`None`: it follows its campaign's).
pub async fn set_pass_expiry(
    conn: &mut AnyConnection,
    pass_id: &str,
    expiration: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE passes SET expires_at = $1 WHERE id = $2")
        .bind(expiration.and_then(normalize_time))
        .bind(pass_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts passes that have expired and were not counted yet (of one campaign, or all),
/// adding one to `expires_count` on the day each expired. Returns how many were counted.
pub async fn count_expired(db: &Db, campaign_id: Option<&str>) -> Result<u64, sqlx::Error> {
    const BATCH: i64 = 1000;
    let mut counted = 0;
    loop {
        // A pass expires at its own date, else at its campaign's: the two halves find each
        // kind through `passes_expiry_due` (migration 0200) without reading the passes
        // that are not due; the second goes from the expired campaigns to their passes
        // (CROSS JOIN fixes that order on SQLite, whose planner otherwise started from
        // every uncounted pass).
        let (own, follows) = if campaign_id.is_some() {
            (" AND p.campaign_id = $2", " AND c.id = $2")
        } else {
            ("", "")
        };
        let sql = format!(
            "SELECT p.id, p.campaign_id, p.expires_at AS expired_at FROM passes p \
             WHERE p.expiry_counted = 0 AND p.expires_at <= $1{own} \
             UNION ALL \
             SELECT p.id, p.campaign_id, c.expires_at AS expired_at \
             FROM campaigns c CROSS JOIN passes p \
             WHERE c.expires_at <= $1{follows} AND p.campaign_id = c.id \
               AND p.expiry_counted = 0 AND p.expires_at IS NULL \
             LIMIT {BATCH}"
        );
        let mut q = sqlx::query(&sql).bind(now());
        if let Some(c) = campaign_id {
            q = q.bind(c);
        }
        let rows = q.fetch_all(&db.pool).await?;
        let mut tx = db.begin().await?;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let campaign: String = row.try_get("campaign_id")?;
            let at: String = row.try_get("expired_at")?;
            let done = sqlx::query(
                "UPDATE passes SET expiry_counted = 1 WHERE id = $1 AND expiry_counted = 0",
            )
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                bump(&mut tx, &campaign, &at[..10], Counter::Expires, 1).await?;
                counted += 1;
            }
        }
        tx.commit().await?;
        if (rows.len() as i64) < BATCH {
            return Ok(counted);
        }
    }
}
