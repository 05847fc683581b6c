//! Redeem records (§9): the `redeems` rows written by [`crate::model::passes::redeem_pass`]
//! and their lists (C13, P10).

use crate::db::Db;
use crate::error::ApiResult;
use crate::list::{col, Bind, Column, Kind, ListParams, Listing, Paged};
use passworks_wire as wire;
use sqlx::Row;

/// Whose records a list shows: a campaign's or one pass's.
#[derive(Debug, Clone, Copy)]
pub enum Of<'a> {
    Campaign(&'a str),
    Pass(&'a str),
}

impl Of<'_> {
    /// The scope condition and its bound id.
    pub(crate) fn scope(&self) -> (&'static str, Bind) {
        match self {
            Of::Campaign(id) => ("campaign_id = $1", Bind::Text(id.to_string())),
            Of::Pass(id) => ("pass_id = $1", Bind::Text(id.to_string())),
        }
    }
}

/// Filterable attributes of redeem lists (C13, P10).
pub const REDEEM_COLUMNS: &[Column] = &[
    col("id", "id", Kind::Text),
    col("pass_id", "pass_id", Kind::Text),
    col("comment", "comment", Kind::Text),
    col("created_at", "created_at", Kind::Time),
];

/// One page of the redeems of a campaign or a pass.
pub async fn list_redeems(
    db: &Db,
    of: Of<'_>,
    params: &ListParams,
) -> ApiResult<Paged<wire::Redeem>> {
    let (scope, bind) = of.scope();
    Listing {
        select: "id, pass_id, campaign_id, comment, created_at",
        from: "redeems",
        scope,
        scope_binds: vec![bind],
        columns: REDEEM_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, |r| -> Result<_, sqlx::Error> {
        Ok(wire::Redeem {
            id: r.try_get("id")?,
            pass_id: r.try_get("pass_id")?,
            campaign_id: r.try_get("campaign_id")?,
            comment: r.try_get("comment")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .await
}
