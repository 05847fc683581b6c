//! Campaign reports (§15): the daily report (C15) and the totals (C16), computed from the
//! `report_daily` roll-up (one row per campaign, day and counter).
//!
//! Counter names in `report_daily` are the §15.1 names (`creates_count`, …) plus the
//! per-OS install/uninstall counters `installs_ios`, `installs_android`, `installs_wp`,
//! `uninstalls_ios`, `uninstalls_android`, `uninstalls_wp` that feed `i`/`u` and the
//! `apple`/`android` totals blocks.

use super::load_campaign;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use chrono::{Duration, Months, NaiveDate, Utc};
use passworks_wire as wire;
use passworks_wire::CampaignType;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// Adds `value` of `counter` to daily counters.
fn add_daily(c: &mut wire::DailyCounters, counter: &str, value: i64) {
    match counter {
        "installs_ios" => c.i.ios += value,
        "installs_android" => c.i.android += value,
        "installs_wp" => c.i.wp += value,
        "uninstalls_ios" => c.u.ios += value,
        "uninstalls_android" => c.u.android += value,
        "uninstalls_wp" => c.u.wp += value,
        other => {
            if let Some(slot) = daily_slot(c, other) {
                *slot += value;
            }
        }
    }
}

fn daily_slot<'a>(c: &'a mut wire::DailyCounters, name: &str) -> Option<&'a mut i64> {
    Some(match name {
        "creates_count" => &mut c.creates_count,
        "downloads_count" => &mut c.downloads_count,
        "views_count" => &mut c.views_count,
        "installs_count" => &mut c.installs_count,
        "uninstalls_count" => &mut c.uninstalls_count,
        "fetches_count" => &mut c.fetches_count,
        "redeems_count" => &mut c.redeems_count,
        "expires_count" => &mut c.expires_count,
        "pushes_count" => &mut c.pushes_count,
        "updates_count" => &mut c.updates_count,
        "webhooks_count" => &mut c.webhooks_count,
        "api_calls_count" => &mut c.api_calls_count,
        "distribution_updates_count" => &mut c.distribution_updates_count,
        "active_count" => &mut c.active_count,
        "removed_count" => &mut c.removed_count,
        _ => return None,
    })
}

fn parse_date(raw: Option<&String>, attr: &str, default: NaiveDate) -> ApiResult<NaiveDate> {
    let Some(raw) = raw else { return Ok(default) };
    let bad = || {
        let mut m = BTreeMap::new();
        m.insert(
            attr.to_string(),
            vec!["is not a valid date (YYYY-MM-DD)".to_string()],
        );
        ApiError::BadRequestFields(m)
    };
    let s = raw.trim();
    if s.len() != 10 || s.as_bytes()[4] != b'-' || s.as_bytes()[7] != b'-' {
        return Err(bad());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())
}

/// `GET /{type}/{campaign_id}/reports?start_date&end_date` (C15).
pub async fn daily(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<wire::DailyReport>> {
    let c = load_campaign(&state.db, &account.id, t, &id).await?;
    crate::expiry::count_expired(&state.db, Some(&c.id)).await?;
    let today = Utc::now().date_naive();
    let month_ago = today.checked_sub_months(Months::new(1)).unwrap_or(today);
    let start = parse_date(query.get("start_date"), "start_date", month_ago)?;
    let end = parse_date(query.get("end_date"), "end_date", today)?;
    if end < start {
        let mut m = BTreeMap::new();
        m.insert(
            "end_date".to_string(),
            vec!["must be on or after start_date".to_string()],
        );
        return Err(ApiError::BadRequestFields(m));
    }
    if (end - start).num_days() > 3660 {
        let mut m = BTreeMap::new();
        m.insert(
            "start_date".to_string(),
            vec!["the range may span at most ten years".to_string()],
        );
        return Err(ApiError::BadRequestFields(m));
    }
    let mut report: BTreeMap<String, wire::DailyCounters> = BTreeMap::new();
    let mut day = start;
    while day <= end {
        report.insert(day.format("%Y-%m-%d").to_string(), Default::default());
        day += Duration::days(1);
    }
    let rows = sqlx::query(
        "SELECT day, counter, COALESCE(CAST(SUM(value) AS BIGINT), 0) AS total FROM report_daily \
         WHERE campaign_id = $1 AND day >= $2 AND day <= $3 GROUP BY day, counter",
    )
    .bind(&c.id)
    .bind(start.format("%Y-%m-%d").to_string())
    .bind(end.format("%Y-%m-%d").to_string())
    .fetch_all(&state.db.pool)
    .await?;
    for row in rows {
        let day: String = row.try_get("day")?;
        let counter: String = row.try_get("counter")?;
        let total: i64 = row.try_get("total")?;
        if let Some(entry) = report.get_mut(&day) {
            add_daily(entry, &counter, total.max(0));
        }
    }
    // Active and removed passes at the end of each day: installs and uninstalls since the
    // campaign began, carried forward from before the range.
    let before = sqlx::query(
        "SELECT counter, COALESCE(CAST(SUM(value) AS BIGINT), 0) AS total FROM report_daily \
         WHERE campaign_id = $1 AND day < $2 AND counter IN ('installs_count', 'uninstalls_count') \
         GROUP BY counter",
    )
    .bind(&c.id)
    .bind(start.format("%Y-%m-%d").to_string())
    .fetch_all(&state.db.pool)
    .await?;
    let (mut installed, mut removed) = (0i64, 0i64);
    for row in before {
        let counter: String = row.try_get("counter")?;
        let total: i64 = row.try_get("total")?;
        if counter == "installs_count" {
            installed = total;
        } else {
            removed = total;
        }
    }
    for entry in report.values_mut() {
        installed += entry.installs_count;
        removed += entry.uninstalls_count;
        entry.active_count = (installed - removed).max(0);
        entry.removed_count = removed;
    }
    Ok(Json(wire::DailyReport {
        campaign_id: c.id,
        start_date: start.format("%Y-%m-%d").to_string(),
        end_date: end.format("%Y-%m-%d").to_string(),
        report,
    }))
}

/// `GET /{type}/{campaign_id}/reports/totals` (C16).
pub async fn totals(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::TotalsReport>> {
    let c = load_campaign(&state.db, &account.id, t, &id).await?;
    crate::expiry::count_expired(&state.db, Some(&c.id)).await?;
    let rows = sqlx::query(
        "SELECT counter, COALESCE(CAST(SUM(value) AS BIGINT), 0) AS total FROM report_daily \
         WHERE campaign_id = $1 GROUP BY counter",
    )
    .bind(&c.id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut daily = wire::DailyCounters::default();
    for row in rows {
        let counter: String = row.try_get("counter")?;
        let total: i64 = row.try_get("total")?;
        add_daily(&mut daily, &counter, total.max(0));
    }
    // Active: passes installed in a wallet right now; removed: every uninstall so far.
    let active: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE campaign_id = $1")
            .bind(&c.id)
            .fetch_one(&state.db.pool)
            .await?;
    daily.active_count = active;
    daily.removed_count = daily.uninstalls_count;
    let d = daily;
    Ok(Json(wire::TotalsReport {
        campaign_id: c.id,
        report: wire::TotalsCounters {
            creates_count: d.creates_count,
            downloads_count: d.downloads_count,
            views_count: d.views_count,
            installs_count: d.installs_count,
            uninstalls_count: d.uninstalls_count,
            fetches_count: d.fetches_count,
            redeems_count: d.redeems_count,
            expires_count: d.expires_count,
            pushes_count: d.pushes_count,
            updates_count: d.updates_count,
            webhooks_count: d.webhooks_count,
            api_calls_count: d.api_calls_count,
            distribution_updates_count: d.distribution_updates_count,
            active_count: d.active_count,
            removed_count: d.removed_count,
            apple: wire::PlatformTotals {
                installs_count: d.i.ios,
                uninstalls_count: d.u.ios,
            },
            android: wire::PlatformTotals {
                installs_count: d.i.android,
                uninstalls_count: d.u.android,
            },
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        let d = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        assert!(parse_date(Some(&"2020-02-30".into()), "start_date", d).is_err());
        assert!(parse_date(Some(&"2020-2-3".into()), "start_date", d).is_err());
        assert_eq!(
            parse_date(Some(&"2020-02-29".into()), "start_date", d).unwrap(),
            NaiveDate::from_ymd_opt(2020, 2, 29).unwrap()
        );
    }
}
