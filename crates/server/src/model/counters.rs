//! Daily report counters (§15): the `report_daily` roll-up, one row per campaign, day and
//! [`Counter`]. Every writer names a counter through the enum, and the report reads the
//! stored names back through [`Counter::parse`].

use crate::db::Db;
use passworks_wire::EventKind;
use sqlx::{AnyConnection, Row};

/// A counter stored in `report_daily`: the §15.1 names plus the per-OS install and
/// uninstall counters that feed the `i`/`u` blocks and the `apple`/`android` totals, and
/// the Google Wallet ones (a part of the Android ones) that feed `google_wallet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Counter {
    Creates,
    Downloads,
    Views,
    Installs,
    Uninstalls,
    Fetches,
    Redeems,
    Expires,
    Pushes,
    Updates,
    Webhooks,
    ApiCalls,
    DistributionUpdates,
    InstallsIos,
    InstallsAndroid,
    InstallsWp,
    UninstallsIos,
    UninstallsAndroid,
    UninstallsWp,
    InstallsGoogleWallet,
    UninstallsGoogleWallet,
}

impl Counter {
    /// Every counter.
    pub const ALL: [Counter; 21] = [
        Counter::Creates,
        Counter::Downloads,
        Counter::Views,
        Counter::Installs,
        Counter::Uninstalls,
        Counter::Fetches,
        Counter::Redeems,
        Counter::Expires,
        Counter::Pushes,
        Counter::Updates,
        Counter::Webhooks,
        Counter::ApiCalls,
        Counter::DistributionUpdates,
        Counter::InstallsIos,
        Counter::InstallsAndroid,
        Counter::InstallsWp,
        Counter::UninstallsIos,
        Counter::UninstallsAndroid,
        Counter::UninstallsWp,
        Counter::InstallsGoogleWallet,
        Counter::UninstallsGoogleWallet,
    ];

    /// The stored name (`creates_count`, …, `installs_ios`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Counter::Creates => "creates_count",
            Counter::Downloads => "downloads_count",
            Counter::Views => "views_count",
            Counter::Installs => "installs_count",
            Counter::Uninstalls => "uninstalls_count",
            Counter::Fetches => "fetches_count",
            Counter::Redeems => "redeems_count",
            Counter::Expires => "expires_count",
            Counter::Pushes => "pushes_count",
            Counter::Updates => "updates_count",
            Counter::Webhooks => "webhooks_count",
            Counter::ApiCalls => "api_calls_count",
            Counter::DistributionUpdates => "distribution_updates_count",
            Counter::InstallsIos => "installs_ios",
            Counter::InstallsAndroid => "installs_android",
            Counter::InstallsWp => "installs_wp",
            Counter::UninstallsIos => "uninstalls_ios",
            Counter::UninstallsAndroid => "uninstalls_android",
            Counter::UninstallsWp => "uninstalls_wp",
            Counter::InstallsGoogleWallet => "installs_google_wallet",
            Counter::UninstallsGoogleWallet => "uninstalls_google_wallet",
        }
    }

    /// The counter stored as `name`, if any.
    pub fn parse(name: &str) -> Option<Counter> {
        Counter::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The counter an event kind increments.
    pub fn of_event(kind: EventKind) -> Counter {
        match kind {
            EventKind::Created => Counter::Creates,
            EventKind::Downloaded => Counter::Downloads,
            EventKind::Installed => Counter::Installs,
            EventKind::Fetched => Counter::Fetches,
            EventKind::Redeemed => Counter::Redeems,
            EventKind::Uninstalled => Counter::Uninstalls,
            // A holder's sign-up changes the pass (its data, its next download).
            EventKind::Personalized => Counter::Updates,
        }
    }

    /// The per-OS counter of an install or uninstall (`None` for other kinds); an unknown
    /// OS counts as iOS.
    pub fn per_os(kind: EventKind, device_os: Option<&str>) -> Option<Counter> {
        let android = device_os == Some("android");
        let wp = device_os == Some("wp");
        Some(match kind {
            EventKind::Installed if android => Counter::InstallsAndroid,
            EventKind::Installed if wp => Counter::InstallsWp,
            EventKind::Installed => Counter::InstallsIos,
            EventKind::Uninstalled if android => Counter::UninstallsAndroid,
            EventKind::Uninstalled if wp => Counter::UninstallsWp,
            EventKind::Uninstalled => Counter::UninstallsIos,
            _ => return None,
        })
    }

    /// The per-wallet counter of an install or uninstall: Google Wallet's are counted
    /// apart (they also count as Android in [`Counter::per_os`]); `None` otherwise.
    pub fn per_wallet(kind: EventKind, wallet: Option<&str>) -> Option<Counter> {
        match (kind, wallet) {
            (EventKind::Installed, Some("google_wallet")) => Some(Counter::InstallsGoogleWallet),
            (EventKind::Uninstalled, Some("google_wallet")) => {
                Some(Counter::UninstallsGoogleWallet)
            }
            _ => None,
        }
    }
}

/// Adds `n` to a daily counter of a campaign, in the connection's slot
/// ([`crate::db::counter_slot`]; readers sum the slots).
pub async fn bump(
    conn: &mut AnyConnection,
    campaign_id: &str,
    day: &str,
    counter: Counter,
    n: i64,
) -> Result<(), sqlx::Error> {
    add(conn, campaign_id, day, counter, n, false).await
}

/// [`bump`], unless the campaign is gone: for counts written after their request
/// ([`crate::tally::Tally`]), which may arrive after the campaign's deletion.
pub async fn bump_if_campaign_exists(
    conn: &mut AnyConnection,
    campaign_id: &str,
    day: &str,
    counter: Counter,
    n: i64,
) -> Result<(), sqlx::Error> {
    add(conn, campaign_id, day, counter, n, true).await
}

async fn add(
    conn: &mut AnyConnection,
    campaign_id: &str,
    day: &str,
    counter: Counter,
    n: i64,
    if_campaign_exists: bool,
) -> Result<(), sqlx::Error> {
    let slot = crate::db::counter_slot(conn);
    let values = if if_campaign_exists {
        format!(
            "SELECT $1, $2, $3, {slot}, $4 WHERE EXISTS (SELECT 1 FROM campaigns WHERE id = $1)"
        )
    } else {
        format!("VALUES ($1, $2, $3, {slot}, $4)")
    };
    sqlx::query(&format!(
        "INSERT INTO report_daily (campaign_id, day, counter, slot, value) {values} \
         ON CONFLICT (campaign_id, day, counter, slot) \
         DO UPDATE SET value = report_daily.value + $4"
    ))
    .bind(campaign_id)
    .bind(day)
    .bind(counter.as_str())
    .bind(n)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds one to today's `counter` of a campaign in its own counter transaction
/// ([`Db::begin_counter`]: every API call under a campaign bumps the same row).
pub async fn bump_today(db: &Db, campaign_id: &str, counter: Counter) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_counter().await?;
    bump(&mut tx, campaign_id, &today(), counter, 1).await?;
    tx.commit().await
}

/// Today's date (UTC) in report form, `YYYY-MM-DD`.
pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// Sums of a campaign's counters per day, for days in `start..=end` (`YYYY-MM-DD`).
/// Rows with a name no [`Counter`] has are skipped.
pub async fn daily_sums(
    db: &Db,
    campaign_id: &str,
    start: &str,
    end: &str,
) -> Result<Vec<(String, Counter, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT day, counter, COALESCE(CAST(SUM(value) AS BIGINT), 0) AS total FROM report_daily \
         WHERE campaign_id = $1 AND day >= $2 AND day <= $3 GROUP BY day, counter",
    )
    .bind(campaign_id)
    .bind(start)
    .bind(end)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get("counter")?;
        if let Some(counter) = Counter::parse(&name) {
            out.push((row.try_get("day")?, counter, row.try_get("total")?));
        }
    }
    Ok(out)
}

/// Sums of a campaign's counters over all days before `before` (or all days when `None`).
pub async fn sums(
    db: &Db,
    campaign_id: &str,
    before: Option<&str>,
) -> Result<Vec<(Counter, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT counter, COALESCE(CAST(SUM(value) AS BIGINT), 0) AS total FROM report_daily \
         WHERE campaign_id = $1 AND day < $2 GROUP BY counter",
    )
    .bind(campaign_id)
    .bind(before.unwrap_or("9999-12-31"))
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get("counter")?;
        if let Some(counter) = Counter::parse(&name) {
            out.push((counter, row.try_get("total")?));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Counter::ALL {
            assert_eq!(Counter::parse(c.as_str()), Some(c));
        }
        assert_eq!(Counter::parse("active_count"), None);
    }

    #[test]
    fn every_event_has_a_count_counter() {
        for k in EventKind::ALL {
            assert!(Counter::of_event(*k).as_str().ends_with("_count"));
        }
    }
}
