//! The home dashboard's figures across every campaign of an account: totals, the
//! busiest campaigns of the last 7 days, the latest events and the latest failures
//! (webhook deliveries, pushes, jobs). Bounded reads: a handful of counts and at most a
//! few dozen rows, each query on an index that starts with the account.

use crate::db::Db;
use passworks_wire::{
    CampaignType, Dashboard, DashboardCampaign, DashboardEvent, DashboardFailure,
};
use sqlx::Row;

/// How many rows each list of the dashboard holds.
const LIST: i64 = 8;

/// The dashboard of `account_id`; `since` is the start of the "busiest" window.
// Long because it is one short query per figure of the dashboard, in the order the page
// shows them; split up, each piece would only pass the same two arguments around.
pub async fn load(db: &Db, account_id: &str, since: &str) -> Result<Dashboard, sqlx::Error> {
    let pool = &db.pool;
    let count = |sql: &'static str| count(db, account_id, sql);
    let totals = sqlx::query(
        // PostgreSQL sums BIGINT to NUMERIC: cast back.
        "SELECT (SELECT COUNT(*) FROM campaigns WHERE account_id = $1) AS n, \
         CAST(COALESCE(SUM(k.passes_count), 0) AS BIGINT) AS passes, \
         CAST(COALESCE(SUM(k.redeemed_count), 0) AS BIGINT) AS redeemed \
         FROM campaigns c JOIN campaign_counters k ON k.campaign_id = c.id \
         WHERE c.account_id = $1",
    )
    .bind(account_id)
    .fetch_one(pool)
    .await?;
    let installed =
        count("SELECT COUNT(DISTINCT pass_id) FROM registrations WHERE account_id = $1").await?;
    let busiest = sqlx::query(
        "SELECT c.id, c.campaign_type, c.name, \
         CAST(SUM(k.passes_count) AS BIGINT) AS passes_count, \
         CAST(SUM(k.redeemed_count) AS BIGINT) AS redeemed_count, \
         (SELECT COUNT(*) FROM events e WHERE e.campaign_id = c.id AND e.created_at >= $2) AS n \
         FROM campaigns c JOIN campaign_counters k ON k.campaign_id = c.id \
         WHERE c.account_id = $1 GROUP BY c.id, c.campaign_type, c.name, c.created_at \
         ORDER BY n DESC, passes_count DESC, c.created_at DESC LIMIT $3",
    )
    .bind(account_id)
    .bind(since)
    .bind(LIST)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(DashboardCampaign {
            id: r.try_get("id")?,
            campaign_type: campaign_type(r.try_get("campaign_type")?),
            name: r.try_get("name")?,
            passes_count: r.try_get("passes_count")?,
            redeemed_count: r.try_get("redeemed_count")?,
            events_count: r.try_get("n")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let recent = sqlx::query(
        "SELECT e.kind, e.campaign_id, e.pass_id, e.created_at, c.campaign_type, c.name \
         FROM events e JOIN campaigns c ON c.id = e.campaign_id \
         WHERE e.account_id = $1 ORDER BY e.created_at DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(LIST)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(DashboardEvent {
            kind: r.try_get("kind")?,
            campaign_id: r.try_get("campaign_id")?,
            campaign_type: campaign_type(r.try_get("campaign_type")?),
            campaign_name: r.try_get("name")?,
            pass_id: r.try_get("pass_id")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let webhook_failures = count(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE account_id = $1 AND status = 'failed'",
    )
    .await?;
    let webhook_retrying = count(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE account_id = $1 AND status = 'pending' \
         AND attempts > 0",
    )
    .await?;
    let push_failures =
        count("SELECT COUNT(*) FROM push_queue WHERE account_id = $1 AND status = 'failed'")
            .await?;
    let job_failures =
        count("SELECT COUNT(*) FROM jobs WHERE account_id = $1 AND state = 'failed'").await?;
    let mut recent_failures = Vec::new();
    for r in sqlx::query(
        "SELECT event, url, last_status_code, last_response, created_at FROM webhook_deliveries \
         WHERE account_id = $1 AND (status = 'failed' OR (status = 'pending' AND attempts > 0)) \
         ORDER BY created_at DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(LIST)
    .fetch_all(pool)
    .await?
    {
        let event: String = r.try_get("event")?;
        let url: String = r.try_get("url")?;
        let code: Option<i64> = r.try_get("last_status_code")?;
        let answer: Option<String> = r.try_get("last_response")?;
        let why = match (code, answer) {
            (Some(c), _) => format!("answered HTTP {c}"),
            (None, Some(a)) if !a.is_empty() => a.chars().take(120).collect(),
            _ => "no answer".to_string(),
        };
        recent_failures.push(DashboardFailure {
            source: "webhook".into(),
            detail: format!("{event} to {url}: {why}"),
            created_at: r.try_get("created_at")?,
        });
    }
    for r in sqlx::query(
        "SELECT last_status_code, last_error, created_at FROM push_queue \
         WHERE account_id = $1 AND status = 'failed' ORDER BY created_at DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(LIST)
    .fetch_all(pool)
    .await?
    {
        let code: Option<i64> = r.try_get("last_status_code")?;
        let error: Option<String> = r.try_get("last_error")?;
        recent_failures.push(DashboardFailure {
            source: "push".into(),
            detail: format!(
                "Wallet push refused{}{}",
                code.map(|c| format!(" (HTTP {c})")).unwrap_or_default(),
                error.map(|e| format!(": {e}")).unwrap_or_default()
            ),
            created_at: r.try_get("created_at")?,
        });
    }
    for r in sqlx::query(
        "SELECT kind, error, created_at FROM jobs WHERE account_id = $1 AND state = 'failed' \
         ORDER BY created_at DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(LIST)
    .fetch_all(pool)
    .await?
    {
        let kind: String = r.try_get("kind")?;
        let error: Option<String> = r.try_get("error")?;
        recent_failures.push(DashboardFailure {
            source: "job".into(),
            detail: format!("{kind} failed: {}", error.unwrap_or_default()),
            created_at: r.try_get("created_at")?,
        });
    }
    recent_failures.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    recent_failures.truncate(LIST as usize);
    Ok(Dashboard {
        campaigns_count: totals.try_get("n")?,
        passes_count: totals.try_get("passes")?,
        redeemed_count: totals.try_get("redeemed")?,
        installed_count: installed,
        busiest,
        recent,
        webhook_failures,
        webhook_retrying,
        push_failures,
        job_failures,
        recent_failures,
    })
}

/// One count of the account's rows (`sql` binds the account as `$1`).
async fn count(db: &Db, account_id: &str, sql: &'static str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(account_id)
        .fetch_one(&db.pool)
        .await
}

fn campaign_type(s: String) -> CampaignType {
    CampaignType::parse(&s).unwrap_or(CampaignType::Generic)
}
