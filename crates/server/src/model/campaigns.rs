//! Campaigns (§7): the `campaigns` row with its JSON `doc` ([`CampaignRecord`]), its
//! loaders and its store functions.

use crate::auth::Account;
use crate::db::{get_json, now, Db, Tx};
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{col, Bind, Column, Kind, ListParams, Listing, Paged};
use crate::model::expiry::set_campaign_expiry;
use crate::model::presentation::Presentation;
use passworks_wire::apple::AppleOptions;
use passworks_wire::{Beacon, CampaignState, CampaignType, CodeType, Field, Location};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

/// The JSON `doc` of a campaign: every attribute of §7.2 that has no column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignDoc {
    #[serde(flatten)]
    pub presentation: Presentation,
    pub header_fields: Vec<Field>,
    pub primary_fields: Vec<Field>,
    pub secondary_fields: Vec<Field>,
    pub auxiliary_fields: Vec<Field>,
    pub back_fields: Vec<Field>,
    pub locations: Vec<Location>,
    pub beacons: Vec<Beacon>,
    /// None: the organization's registered name.
    pub organization_name: Option<String>,
    pub associated_store_identifiers: Vec<i64>,
    pub code_fixed_value: Option<String>,
    pub allow_multiple_redeems: bool,
    pub expiration_date: Option<String>,
    pub relevant_date: Option<String>,
    pub max_distance: Option<i64>,
    pub user_info: Value,
    pub gwallet_usage: bool,
    pub gwallet_status: Option<String>,
    pub gwallet_message: Option<String>,
    pub og: bool,
    pub og_description: String,
    pub javascript: Option<String>,
    pub stylesheet: Option<String>,
    pub remote_form_url: Option<String>,
    pub sync_locations_on_merge: bool,
    pub sync_beacons_on_merge: bool,
    pub render_on_short_url: bool,
    /// The newer Apple keys (README "Apple Wallet keys").
    pub apple: AppleOptions,
}

impl Default for CampaignDoc {
    fn default() -> Self {
        CampaignDoc {
            presentation: Presentation::default(),
            header_fields: Vec::new(),
            primary_fields: Vec::new(),
            secondary_fields: Vec::new(),
            auxiliary_fields: Vec::new(),
            back_fields: Vec::new(),
            locations: Vec::new(),
            beacons: Vec::new(),
            organization_name: None,
            associated_store_identifiers: Vec::new(),
            code_fixed_value: None,
            allow_multiple_redeems: false,
            expiration_date: None,
            relevant_date: None,
            max_distance: None,
            user_info: Value::Object(Default::default()),
            gwallet_usage: false,
            gwallet_status: None,
            gwallet_message: None,
            og: true,
            og_description: String::new(),
            javascript: None,
            stylesheet: None,
            remote_form_url: None,
            sync_locations_on_merge: true,
            sync_beacons_on_merge: true,
            render_on_short_url: false,
            apple: AppleOptions::default(),
        }
    }
}

impl CampaignDoc {
    /// The five field arrays, in pass order.
    pub fn fields(&self) -> [Vec<Field>; 5] {
        [
            self.header_fields.clone(),
            self.primary_fields.clone(),
            self.secondary_fields.clone(),
            self.auxiliary_fields.clone(),
            self.back_fields.clone(),
        ]
    }

    /// Replaces the five field arrays.
    pub fn set_fields(&mut self, [h, p, s, a, b]: [Vec<Field>; 5]) {
        self.header_fields = h;
        self.primary_fields = p;
        self.secondary_fields = s;
        self.auxiliary_fields = a;
        self.back_fields = b;
    }
}

/// A campaign row with its decoded doc. Other modules (download pages, pass.json, the
/// lifecycle jobs) build from this record.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRecord {
    pub id: String,
    pub account_id: String,
    pub campaign_type: CampaignType,
    pub name: String,
    pub description: String,
    pub state: CampaignState,
    pub template_id: String,
    pub certificate_id: Option<String>,
    /// The Google Wallet issuer (`google_issuers.id`) of its class, objects and save
    /// links; `None`: the account's default issuer.
    pub google_issuer_id: Option<String>,
    pub code_type: CodeType,
    pub passes_count: i64,
    pub redeemed_count: i64,
    /// Token of the default distribution's page (`/p/{page_token}`).
    pub page_token: String,
    pub distribution_id: String,
    pub doc: CampaignDoc,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
}

impl CampaignRecord {
    /// The Apple options in effect: the campaign's, with a pass's own on top when given
    /// ([`AppleOptions::overlay`]).
    pub fn apple_options(&self, pass: Option<&AppleOptions>) -> AppleOptions {
        match pass {
            Some(own) => self.doc.apple.overlay(own),
            None => self.doc.apple.clone(),
        }
    }

    /// Checks the Apple options in effect (see [`CampaignRecord::apple_options`]) against
    /// `passworks_wire::apple::check` for this campaign's style and transit type, adding
    /// each problem under its path (`apple.semantics.venueName`). The one write-time check
    /// of `apple`, for a campaign (`None`) and for a pass (its own options).
    pub fn check_apple(&self, pass: Option<&AppleOptions>, errors: &mut Errors) {
        let options = self.apple_options(pass);
        for (path, message) in passworks_wire::apple::check(
            self.campaign_type.pass_type(),
            self.doc.presentation.transit_type,
            &options,
        ) {
            errors.add(path, message);
        }
    }
}

/// A campaign's pass count (the sum of its `campaign_counters` slots) as a column
/// expression: selected with the campaign, and lists filter and sort on it.
macro_rules! passes_count {
    () => {
        "(SELECT CAST(SUM(passes_count) AS BIGINT) FROM campaign_counters \
         WHERE campaign_id = campaigns.id)"
    };
}
/// A campaign's redeem count, the same way.
macro_rules! redeemed_count {
    () => {
        "(SELECT CAST(SUM(redeemed_count) AS BIGINT) FROM campaign_counters \
         WHERE campaign_id = campaigns.id)"
    };
}
const PASSES_COUNT: &str = passes_count!();
const REDEEMED_COUNT: &str = redeemed_count!();

/// Columns of `campaigns` read by [`campaign_from_row`] (unqualified). The pass counts
/// live apart from the row every pass references (migration 0180): `campaign_counters`,
/// striped over slots that are summed here.
pub const CAMPAIGN_COLUMNS: &str = concat!(
    "id, account_id, campaign_type, name, description, state, template_id, certificate_id, \
     code_type, ",
    passes_count!(),
    " AS passes_count, ",
    redeemed_count!(),
    " AS redeemed_count, \
     page_token, distribution_id, doc, created_at, updated_at, published_at, google_issuer_id"
);

/// Decodes a campaign row selected with [`CAMPAIGN_COLUMNS`].
pub fn campaign_from_row(row: &AnyRow) -> Result<CampaignRecord, sqlx::Error> {
    let t: String = row.try_get("campaign_type")?;
    let state: String = row.try_get("state")?;
    let code: String = row.try_get("code_type")?;
    Ok(CampaignRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        campaign_type: CampaignType::parse(&t).unwrap_or(CampaignType::Generic),
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        state: CampaignState::parse(&state).unwrap_or(CampaignState::Published),
        template_id: row.try_get("template_id")?,
        certificate_id: row.try_get("certificate_id")?,
        google_issuer_id: row.try_get("google_issuer_id")?,
        code_type: CodeType::parse(&code).unwrap_or_default(),
        passes_count: row.try_get("passes_count")?,
        redeemed_count: row.try_get("redeemed_count")?,
        page_token: row.try_get("page_token")?,
        distribution_id: row.try_get("distribution_id")?,
        doc: get_json(row, "doc"),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        published_at: row.try_get("published_at")?,
    })
}

/// Loads a campaign of `account_id` and type `t` by id (a read only: the API-call counter
/// is bumped by the request's scope, [`crate::auth::CampaignScope`]).
pub async fn load(
    db: &Db,
    account_id: &str,
    t: CampaignType,
    id: &str,
) -> Result<Option<CampaignRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1 AND account_id = $2 AND campaign_type = $3"
    );
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(account_id)
        .bind(t.as_str())
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(campaign_from_row).transpose()
}

/// Loads a campaign of `account_id` by id, whatever its type (remote forms).
pub async fn load_of_account(
    db: &Db,
    account_id: &str,
    id: &str,
) -> Result<Option<CampaignRecord>, sqlx::Error> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1 AND account_id = $2");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(campaign_from_row).transpose()
}

/// Loads a campaign by id, whatever its account and type (for the download pages, the
/// PassKit web service and jobs). API handlers use the account- and type-scoped loader.
pub async fn load_by_id(db: &Db, id: &str) -> Result<Option<CampaignRecord>, sqlx::Error> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&db.pool).await?;
    row.as_ref().map(campaign_from_row).transpose()
}

/// Loads a campaign by id inside a transaction (no scoping).
pub async fn load_tx(tx: &mut Tx, id: &str) -> Result<Option<CampaignRecord>, sqlx::Error> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await?;
    row.as_ref().map(campaign_from_row).transpose()
}

/// Loads the campaign whose download page is `/p/{page_token}`.
pub async fn load_by_page_token(
    db: &Db,
    page_token: &str,
) -> Result<Option<CampaignRecord>, sqlx::Error> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE page_token = $1");
    let row = sqlx::query(&sql)
        .bind(page_token)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(campaign_from_row).transpose()
}

/// Filterable and sortable attributes of campaign lists (C1).
pub const LIST_COLUMNS: &[Column] = &[
    col("id", "id", Kind::Text),
    col("name", "name", Kind::Text),
    col("description", "description", Kind::Text),
    col("state", "state", Kind::Text),
    col("code_type", "code_type", Kind::Text),
    col("template_id", "template_id", Kind::Text),
    col("certificate_id", "certificate_id", Kind::Text),
    col("google_issuer_id", "google_issuer_id", Kind::Text),
    col("passes_count", PASSES_COUNT, Kind::Int),
    col("redeemed_count", REDEEMED_COUNT, Kind::Int),
    col("created_at", "created_at", Kind::Time),
    col("updated_at", "updated_at", Kind::Time),
    col("published_at", "published_at", Kind::Time),
];

/// One page of the campaigns of `account_id` and type `t`; only those among `only` when
/// given (a console session restricted to some campaigns, issue 18).
pub async fn list(
    db: &Db,
    account_id: &str,
    t: CampaignType,
    only: Option<&[String]>,
    params: &ListParams,
) -> ApiResult<Paged<CampaignRecord>> {
    let mut scope = String::from("account_id = $1 AND campaign_type = $2");
    let mut scope_binds = vec![
        Bind::Text(account_id.to_string()),
        Bind::Text(t.as_str().into()),
    ];
    if let Some(ids) = only {
        scope.push_str(" AND ");
        scope.push_str(&crate::model::console_sessions::restriction("id", ids, 3));
        scope_binds.extend(ids.iter().map(|id| Bind::Text(id.clone())));
    }
    Listing {
        select: CAMPAIGN_COLUMNS,
        from: "campaigns",
        scope: &scope,
        scope_binds,
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, campaign_from_row)
    .await
}

/// The id of the certificate a new campaign uses by default: the account's default, else
/// the shared development certificate.
pub async fn default_certificate(
    tx: &mut Tx,
    account: &Account,
) -> Result<Option<String>, sqlx::Error> {
    if let Some(id) = &account.default_certificate_id {
        return Ok(Some(id.clone()));
    }
    sqlx::query_scalar::<_, String>(
        "SELECT id FROM certificates WHERE account_id IS NULL ORDER BY created_at LIMIT 1",
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Whether another campaign of the account and type already has `name`.
pub async fn name_taken(tx: &mut Tx, c: &CampaignRecord) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "SELECT id FROM campaigns WHERE account_id = $1 AND campaign_type = $2 AND name = $3 AND id <> $4",
    )
    .bind(&c.account_id)
    .bind(c.campaign_type.as_str())
    .bind(&c.name)
    .bind(&c.id)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

/// Inserts a new campaign (with its counters and its expiry column).
pub async fn insert(tx: &mut Tx, c: &CampaignRecord) -> ApiResult<()> {
    let doc = serde_json::to_string(&c.doc)?;
    sqlx::query(
        "INSERT INTO campaigns (id, account_id, campaign_type, name, description, state, \
         template_id, certificate_id, code_type, page_token, distribution_id, doc, \
         created_at, updated_at, published_at, google_issuer_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $13, $14)",
    )
    .bind(&c.id)
    .bind(&c.account_id)
    .bind(c.campaign_type.as_str())
    .bind(&c.name)
    .bind(&c.description)
    .bind(c.state.as_str())
    .bind(&c.template_id)
    .bind(&c.certificate_id)
    .bind(c.code_type.as_str())
    .bind(&c.page_token)
    .bind(&c.distribution_id)
    .bind(&doc)
    .bind(&c.created_at)
    .bind(&c.google_issuer_id)
    .execute(&mut **tx)
    .await
    .map_err(name_clash)?;
    sqlx::query("INSERT INTO campaign_codes (campaign_id) VALUES ($1)")
        .bind(&c.id)
        .execute(&mut **tx)
        .await?;
    for slot in 0..crate::db::COUNTER_SLOTS {
        sqlx::query("INSERT INTO campaign_counters (campaign_id, slot) VALUES ($1, $2)")
            .bind(&c.id)
            .bind(slot)
            .execute(&mut **tx)
            .await?;
    }
    set_campaign_expiry(tx, &c.id, c.doc.expiration_date.as_deref()).await?;
    Ok(())
}

/// Writes an updated campaign's attributes (and its expiry column).
pub async fn update(tx: &mut Tx, c: &CampaignRecord) -> ApiResult<()> {
    let doc = serde_json::to_string(&c.doc)?;
    sqlx::query(
        "UPDATE campaigns SET name = $1, description = $2, template_id = $3, \
         certificate_id = $4, code_type = $5, doc = $6, updated_at = $7, edited_at = $7, \
         google_issuer_id = $9 WHERE id = $8",
    )
    .bind(&c.name)
    .bind(&c.description)
    .bind(&c.template_id)
    .bind(&c.certificate_id)
    .bind(c.code_type.as_str())
    .bind(&doc)
    .bind(&c.updated_at)
    .bind(&c.id)
    .bind(&c.google_issuer_id)
    .execute(&mut **tx)
    .await
    .map_err(name_clash)?;
    set_campaign_expiry(tx, &c.id, c.doc.expiration_date.as_deref()).await?;
    Ok(())
}

fn name_clash(e: sqlx::Error) -> ApiError {
    if crate::db::is_unique_violation(&e) {
        ApiError::invalid("name", "has already been taken")
    } else {
        e.into()
    }
}

/// Deletes a campaign with its passes, redeems, registrations and report rows.
pub async fn delete(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for sql in [
        // The counters go first: the voided-count trigger of every voided pass deleted
        // below would otherwise update the same counter row again and again in this
        // transaction, each update walking the row's earlier versions (PostgreSQL:
        // 20,000 voided passes took 4.1 s to delete instead of 1.1 s, and it grows with
        // the square of their number).
        "DELETE FROM campaign_counters WHERE campaign_id = $1",
        "DELETE FROM redeems WHERE campaign_id = $1",
        "DELETE FROM registrations WHERE campaign_id = $1",
        "DELETE FROM passes WHERE campaign_id = $1",
        "DELETE FROM report_daily WHERE campaign_id = $1",
        "DELETE FROM campaigns WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// A campaign state change (§7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Pause,
    Resume,
    Archive,
}

impl Transition {
    /// The verb as the API spells it (`pause`, `resume`, `archive`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Pause => "pause",
            Transition::Resume => "resume",
            Transition::Archive => "archive",
        }
    }

    /// The state the transition leads to.
    pub fn target(self) -> CampaignState {
        match self {
            Transition::Pause => CampaignState::Paused,
            Transition::Resume => CampaignState::Published,
            Transition::Archive => CampaignState::Archived,
        }
    }
}

/// The state-change table of §7.4: the new state, or the 412 message.
pub fn transition(from: CampaignState, action: Transition) -> Result<CampaignState, String> {
    use CampaignState::*;
    match (from, action) {
        (Published, Transition::Pause)
        | (Paused, Transition::Resume)
        | (Published | Paused, Transition::Archive) => Ok(action.target()),
        (from, action) => Err(format!(
            "Can't {} from {from} to {}",
            action.as_str(),
            action.target()
        )),
    }
}

/// Moves a campaign from state `from` to `to`; false when its state changed meanwhile.
pub async fn set_state(
    db: &Db,
    id: &str,
    from: CampaignState,
    to: CampaignState,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE campaigns SET state = $1, updated_at = $2, \
         published_at = CASE WHEN $1 = 'published' THEN $2 ELSE published_at END \
         WHERE id = $3 AND state = $4",
    )
    .bind(to.as_str())
    .bind(now())
    .bind(id)
    .bind(from.as_str())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// How many passes a campaign has.
pub async fn count_passes(db: &Db, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM passes WHERE campaign_id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
}

/// How many distinct passes of a campaign are installed on a device.
pub async fn count_installed(db: &Db, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(DISTINCT pass_id) FROM registrations WHERE campaign_id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_table() {
        use CampaignState::*;
        use Transition::*;
        assert_eq!(transition(Published, Pause), Ok(Paused));
        assert_eq!(transition(Paused, Resume), Ok(Published));
        assert_eq!(transition(Paused, Archive), Ok(Archived));
        assert!(transition(Published, Resume).is_err());
        assert!(transition(Paused, Pause).is_err());
        assert_eq!(
            transition(Archived, Resume),
            Err("Can't resume from archived to published".into())
        );
        assert!(transition(Archived, Archive).is_err());
    }
}
