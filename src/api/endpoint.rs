//! Every API endpoint the console calls, as data: its HTTP method and its path.
//!
//! This is the one place in the console that spells API paths. It is pure (no browser,
//! no I/O), so a native table test pins every endpoint's method and path; the typed
//! methods of [`crate::api`] pick a variant and never format a path themselves.

use passworks_wire::query::encode;
use passworks_wire::{BarcodeFormat, CampaignType};

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A campaign state transition (§7): the last segment of its route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    Pause,
    Resume,
    Archive,
}

impl StateChange {
    /// The route segment (`pause`), which is also the verb people read.
    pub fn as_str(self) -> &'static str {
        match self {
            StateChange::Pause => "pause",
            StateChange::Resume => "resume",
            StateChange::Archive => "archive",
        }
    }
}

/// One endpoint with its parameters. Ids are path segments and are percent-encoded,
/// so an id taken from the address bar can never reach another route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint<'a> {
    /// The signed-in account.
    Account,
    UpdateAccount,
    RotateWebhookToken,
    WebhookDeliveries,
    Organizations,
    CreateOrganization,
    RefreshOrganizationKey(&'a str),
    Certificates,
    UploadCertificate,
    DeleteCertificate(&'a str),
    Assets,
    UploadAsset,
    DeleteAsset(&'a str),
    Templates,
    Template(&'a str),
    CreateTemplate,
    DeleteTemplate(&'a str),
    /// Campaigns of one type.
    Campaigns(CampaignType),
    CreateCampaign(CampaignType),
    Campaign(CampaignType, &'a str),
    UpdateCampaign(CampaignType, &'a str),
    DeleteCampaign(CampaignType, &'a str),
    ChangeCampaignState(CampaignType, &'a str, StateChange),
    MergeCampaign(CampaignType, &'a str),
    /// How many issued passes do not show the campaign's last edit yet.
    CampaignChanges(CampaignType, &'a str),
    PushCampaign(CampaignType, &'a str),
    /// Redeem a pass of a campaign by its code (C11).
    RedeemCode(CampaignType, &'a str),
    /// Look a pass up by its code without redeeming it.
    LookUpCode(CampaignType, &'a str, &'a str),
    Registrations(CampaignType, &'a str),
    /// Daily report between two dates (`YYYY-MM-DD`, inclusive).
    DailyReport {
        kind: CampaignType,
        campaign: &'a str,
        start: &'a str,
        end: &'a str,
    },
    TotalsReport(CampaignType, &'a str),
    /// Passes of a campaign.
    Passes(CampaignType, &'a str),
    CreatePass(CampaignType, &'a str),
    Pass(CampaignType, &'a str, &'a str),
    UpdatePass(CampaignType, &'a str, &'a str),
    DeletePass(CampaignType, &'a str, &'a str),
    RedeemPass(CampaignType, &'a str, &'a str),
    ResetRedeem(CampaignType, &'a str, &'a str),
    PushPass(CampaignType, &'a str, &'a str),
    Redeems(CampaignType, &'a str, &'a str),
    /// The signed pass file, for the console (no `downloaded` event).
    PassFile(CampaignType, &'a str, &'a str),
    /// Up to ten passes of a campaign as one `.pkpasses` bundle (ids comma separated).
    PassBundle(CampaignType, &'a str, &'a str),
    Job(&'a str),
    /// Google Wallet issuers.
    GoogleIssuers,
    CreateGoogleIssuer,
    DeleteGoogleIssuer(&'a str),
    DefaultGoogleIssuer(&'a str),
    /// A pass as Google Wallet sees it (class, object, save link, sync state).
    PassGoogleWallet(CampaignType, &'a str, &'a str),
    /// The account-wide pass search, `GET /passes?q[search]=…`.
    SearchPasses,
    /// The home dashboard across every campaign.
    Dashboard,
    /// Creates or updates passes from a CSV file, as a background job.
    ImportPasses(CampaignType, &'a str),
    /// The per-row errors of a job (an import) as CSV.
    JobErrors(&'a str),
    /// Queues a test event for the account's webhook URL.
    TestWebhook,
    /// Sends a failed or waiting webhook delivery again now.
    RetryWebhookDelivery(&'a str),
    /// The barcode renderer (an image URL rather than a JSON call).
    Barcode(BarcodeFormat, &'a str),
    /// Teams: the caller, signing in and out, sessions, people, API keys, audit log.
    Me,
    SignIn,
    /// Embedding (issue 18): a one-time console session token for a session.
    ExchangeConsoleToken,
    AcceptInvitation,
    SignOut,
    Sessions,
    DeleteSession(&'a str),
    Users,
    InviteUser,
    UpdateUser(&'a str),
    DeleteUser(&'a str),
    ReinviteUser(&'a str),
    ApiKeys,
    CreateApiKey,
    RevokeApiKey(&'a str),
    AuditEvents,
    SsoConfig,
    SsoStart,
}

impl Endpoint<'_> {
    /// The endpoint's HTTP method and path below the API base (`/coupons/…`).
    pub fn route(&self) -> (Method, String) {
        use Endpoint::*;
        use Method::*;
        let campaign = |t: &CampaignType, id: &str| format!("/{}/{}", t.as_str(), encode(id));
        let pass =
            |t: &CampaignType, c: &str, p: &str| format!("{}/passes/{}", campaign(t, c), encode(p));
        match self {
            Account => (Get, "/account".into()),
            UpdateAccount => (Patch, "/account".into()),
            RotateWebhookToken => (Post, "/account/rotate_webhook_token".into()),
            WebhookDeliveries => (Get, "/webhook_deliveries".into()),
            Organizations => (Get, "/organizations".into()),
            CreateOrganization => (Post, "/organizations".into()),
            RefreshOrganizationKey(id) => (
                Post,
                format!("/organizations/{}/refresh_api_password", encode(id)),
            ),
            Certificates => (Get, "/certificates".into()),
            UploadCertificate => (Post, "/certificates".into()),
            DeleteCertificate(id) => (Delete, format!("/certificates/{}", encode(id))),
            Assets => (Get, "/assets".into()),
            UploadAsset => (Post, "/assets".into()),
            DeleteAsset(id) => (Delete, format!("/assets/{}", encode(id))),
            Templates => (Get, "/templates".into()),
            Template(id) => (Get, format!("/templates/{}", encode(id))),
            CreateTemplate => (Post, "/templates".into()),
            DeleteTemplate(id) => (Delete, format!("/templates/{}", encode(id))),
            Campaigns(t) => (Get, format!("/{}", t.as_str())),
            CreateCampaign(t) => (Post, format!("/{}", t.as_str())),
            Campaign(t, id) => (Get, campaign(t, id)),
            UpdateCampaign(t, id) => (Patch, campaign(t, id)),
            DeleteCampaign(t, id) => (Delete, campaign(t, id)),
            CampaignChanges(t, id) => (Get, format!("{}/changes", campaign(t, id))),
            ChangeCampaignState(t, id, to) => {
                (Post, format!("{}/{}", campaign(t, id), to.as_str()))
            }
            MergeCampaign(t, id) => (Post, format!("{}/merge", campaign(t, id))),
            PushCampaign(t, id) => (Post, format!("{}/push", campaign(t, id))),
            RedeemCode(t, id) => (Post, format!("{}/redeem", campaign(t, id))),
            LookUpCode(t, id, code) => {
                (Get, format!("{}/redeem/{}", campaign(t, id), encode(code)))
            }
            Registrations(t, id) => (Get, format!("{}/registrations", campaign(t, id))),
            DailyReport {
                kind,
                campaign: id,
                start,
                end,
            } => (
                Get,
                format!(
                    "{}/reports?start_date={}&end_date={}",
                    campaign(kind, id),
                    encode(start),
                    encode(end)
                ),
            ),
            TotalsReport(t, id) => (Get, format!("{}/reports/totals", campaign(t, id))),
            Passes(t, c) => (Get, format!("{}/passes", campaign(t, c))),
            CreatePass(t, c) => (Post, format!("{}/passes", campaign(t, c))),
            Pass(t, c, p) => (Get, pass(t, c, p)),
            UpdatePass(t, c, p) => (Patch, pass(t, c, p)),
            DeletePass(t, c, p) => (Delete, pass(t, c, p)),
            RedeemPass(t, c, p) => (Post, format!("{}/redeem", pass(t, c, p))),
            ResetRedeem(t, c, p) => (Post, format!("{}/reset_redeem", pass(t, c, p))),
            PushPass(t, c, p) => (Post, format!("{}/push", pass(t, c, p))),
            Redeems(t, c, p) => (Get, format!("{}/redeems", pass(t, c, p))),
            PassFile(t, c, p) => (Get, format!("{}/pkpass", pass(t, c, p))),
            PassBundle(t, c, ids) => (
                Get,
                format!("{}/passes/pkpasses?ids={}", campaign(t, c), encode(ids)),
            ),
            Job(id) => (Get, format!("/jobs/{}", encode(id))),
            GoogleIssuers => (Get, "/google_wallet/issuers".into()),
            CreateGoogleIssuer => (Post, "/google_wallet/issuers".into()),
            DeleteGoogleIssuer(id) => (Delete, format!("/google_wallet/issuers/{}", encode(id))),
            DefaultGoogleIssuer(id) => (
                Post,
                format!("/google_wallet/issuers/{}/default", encode(id)),
            ),
            PassGoogleWallet(t, c, p) => (Get, format!("{}/google_wallet", pass(t, c, p))),
            SearchPasses => (Get, "/passes".to_string()),
            Dashboard => (Get, "/dashboard".to_string()),
            ImportPasses(t, c) => (Post, format!("{}/passes/import", campaign(t, c))),
            JobErrors(id) => (Get, format!("/jobs/{}/errors", encode(id))),
            TestWebhook => (Post, "/webhook_deliveries/test".to_string()),
            RetryWebhookDelivery(id) => (Post, format!("/webhook_deliveries/{}/retry", encode(id))),
            Me => (Get, "/me".into()),
            SignIn => (Post, "/sessions".into()),
            ExchangeConsoleToken => (Post, "/console_sessions/exchange".into()),
            AcceptInvitation => (Post, "/invitations/accept".into()),
            SignOut => (Delete, "/session".into()),
            Sessions => (Get, "/sessions".into()),
            DeleteSession(id) => (Delete, format!("/sessions/{}", encode(id))),
            Users => (Get, "/users".into()),
            InviteUser => (Post, "/users".into()),
            UpdateUser(id) => (Patch, format!("/users/{}", encode(id))),
            DeleteUser(id) => (Delete, format!("/users/{}", encode(id))),
            ReinviteUser(id) => (Post, format!("/users/{}/invitation", encode(id))),
            ApiKeys => (Get, "/api_keys".into()),
            CreateApiKey => (Post, "/api_keys".into()),
            RevokeApiKey(id) => (Delete, format!("/api_keys/{}", encode(id))),
            AuditEvents => (Get, "/audit_events".into()),
            SsoConfig => (Get, "/sso".into()),
            SsoStart => (Post, "/sso/start".into()),
            Barcode(format, message) => (
                Get,
                format!(
                    "/barcode.png?format={}&message={}",
                    format.as_str(),
                    encode(message)
                ),
            ),
        }
    }

    pub fn method(&self) -> Method {
        self.route().0
    }

    pub fn path(&self) -> String {
        self.route().1
    }
}

#[cfg(test)]
mod tests {
    use super::Method::*;
    use super::*;
    use passworks_wire::CampaignType::{Coupon, EventTicket, StoreCard};

    /// Every endpoint with the method and path the server's routes (and the contract)
    /// give it. A new endpoint gets a row here.
    #[test]
    fn every_endpoint_has_its_method_and_path() {
        let (c, p) = ("c1", "p1");
        let table: Vec<(Endpoint, Method, &str)> = vec![
            (Endpoint::Account, Get, "/account"),
            (Endpoint::UpdateAccount, Patch, "/account"),
            (
                Endpoint::RotateWebhookToken,
                Post,
                "/account/rotate_webhook_token",
            ),
            (Endpoint::WebhookDeliveries, Get, "/webhook_deliveries"),
            (Endpoint::Organizations, Get, "/organizations"),
            (Endpoint::CreateOrganization, Post, "/organizations"),
            (
                Endpoint::RefreshOrganizationKey("o1"),
                Post,
                "/organizations/o1/refresh_api_password",
            ),
            (Endpoint::Certificates, Get, "/certificates"),
            (Endpoint::UploadCertificate, Post, "/certificates"),
            (Endpoint::DeleteCertificate("x"), Delete, "/certificates/x"),
            (Endpoint::Me, Get, "/me"),
            (Endpoint::SignIn, Post, "/sessions"),
            (
                Endpoint::ExchangeConsoleToken,
                Post,
                "/console_sessions/exchange",
            ),
            (Endpoint::AcceptInvitation, Post, "/invitations/accept"),
            (Endpoint::SignOut, Delete, "/session"),
            (Endpoint::Sessions, Get, "/sessions"),
            (Endpoint::DeleteSession("s1"), Delete, "/sessions/s1"),
            (Endpoint::Users, Get, "/users"),
            (Endpoint::InviteUser, Post, "/users"),
            (Endpoint::UpdateUser("u1"), Patch, "/users/u1"),
            (Endpoint::DeleteUser("u1"), Delete, "/users/u1"),
            (Endpoint::ReinviteUser("u1"), Post, "/users/u1/invitation"),
            (Endpoint::ApiKeys, Get, "/api_keys"),
            (Endpoint::CreateApiKey, Post, "/api_keys"),
            (Endpoint::RevokeApiKey("k1"), Delete, "/api_keys/k1"),
            (Endpoint::AuditEvents, Get, "/audit_events"),
            (Endpoint::SsoConfig, Get, "/sso"),
            (Endpoint::SsoStart, Post, "/sso/start"),
            (Endpoint::Assets, Get, "/assets"),
            (Endpoint::UploadAsset, Post, "/assets"),
            (Endpoint::DeleteAsset("a1"), Delete, "/assets/a1"),
            (Endpoint::Templates, Get, "/templates"),
            (Endpoint::Template("t1"), Get, "/templates/t1"),
            (Endpoint::CreateTemplate, Post, "/templates"),
            (Endpoint::DeleteTemplate("t1"), Delete, "/templates/t1"),
            (Endpoint::Campaigns(Coupon), Get, "/coupons"),
            (Endpoint::CreateCampaign(StoreCard), Post, "/store_cards"),
            (Endpoint::Campaign(EventTicket, c), Get, "/event_tickets/c1"),
            (Endpoint::UpdateCampaign(Coupon, c), Patch, "/coupons/c1"),
            (Endpoint::DeleteCampaign(Coupon, c), Delete, "/coupons/c1"),
            (
                Endpoint::ChangeCampaignState(Coupon, c, StateChange::Pause),
                Post,
                "/coupons/c1/pause",
            ),
            (
                Endpoint::ChangeCampaignState(Coupon, c, StateChange::Resume),
                Post,
                "/coupons/c1/resume",
            ),
            (
                Endpoint::ChangeCampaignState(Coupon, c, StateChange::Archive),
                Post,
                "/coupons/c1/archive",
            ),
            (
                Endpoint::MergeCampaign(Coupon, c),
                Post,
                "/coupons/c1/merge",
            ),
            (Endpoint::PushCampaign(Coupon, c), Post, "/coupons/c1/push"),
            (Endpoint::RedeemCode(Coupon, c), Post, "/coupons/c1/redeem"),
            (
                Endpoint::LookUpCode(Coupon, c, "A 1/2"),
                Get,
                "/coupons/c1/redeem/A%201%2F2",
            ),
            (
                Endpoint::Registrations(Coupon, c),
                Get,
                "/coupons/c1/registrations",
            ),
            (
                Endpoint::DailyReport {
                    kind: Coupon,
                    campaign: c,
                    start: "2026-01-01",
                    end: "2026-01-31",
                },
                Get,
                "/coupons/c1/reports?start_date=2026-01-01&end_date=2026-01-31",
            ),
            (
                Endpoint::TotalsReport(Coupon, c),
                Get,
                "/coupons/c1/reports/totals",
            ),
            (Endpoint::Passes(Coupon, c), Get, "/coupons/c1/passes"),
            (Endpoint::CreatePass(Coupon, c), Post, "/coupons/c1/passes"),
            (Endpoint::Pass(Coupon, c, p), Get, "/coupons/c1/passes/p1"),
            (
                Endpoint::UpdatePass(Coupon, c, p),
                Patch,
                "/coupons/c1/passes/p1",
            ),
            (
                Endpoint::DeletePass(Coupon, c, p),
                Delete,
                "/coupons/c1/passes/p1",
            ),
            (
                Endpoint::RedeemPass(Coupon, c, p),
                Post,
                "/coupons/c1/passes/p1/redeem",
            ),
            (
                Endpoint::ResetRedeem(Coupon, c, p),
                Post,
                "/coupons/c1/passes/p1/reset_redeem",
            ),
            (
                Endpoint::PushPass(Coupon, c, p),
                Post,
                "/coupons/c1/passes/p1/push",
            ),
            (
                Endpoint::Redeems(Coupon, c, p),
                Get,
                "/coupons/c1/passes/p1/redeems",
            ),
            (Endpoint::Job("j1"), Get, "/jobs/j1"),
            (Endpoint::GoogleIssuers, Get, "/google_wallet/issuers"),
            (Endpoint::CreateGoogleIssuer, Post, "/google_wallet/issuers"),
            (
                Endpoint::DeleteGoogleIssuer("g1"),
                Delete,
                "/google_wallet/issuers/g1",
            ),
            (
                Endpoint::DefaultGoogleIssuer("g1"),
                Post,
                "/google_wallet/issuers/g1/default",
            ),
            (
                Endpoint::PassGoogleWallet(Coupon, c, p),
                Get,
                "/coupons/c1/passes/p1/google_wallet",
            ),
            (Endpoint::SearchPasses, Get, "/passes"),
            (Endpoint::Dashboard, Get, "/dashboard"),
            (
                Endpoint::ImportPasses(Coupon, c),
                Post,
                "/coupons/c1/passes/import",
            ),
            (Endpoint::JobErrors("j1"), Get, "/jobs/j1/errors"),
            (Endpoint::TestWebhook, Post, "/webhook_deliveries/test"),
            (
                Endpoint::RetryWebhookDelivery("d1"),
                Post,
                "/webhook_deliveries/d1/retry",
            ),
            (
                Endpoint::CampaignChanges(Coupon, c),
                Get,
                "/coupons/c1/changes",
            ),
            (
                Endpoint::PassFile(Coupon, c, p),
                Get,
                "/coupons/c1/passes/p1/pkpass",
            ),
            (
                Endpoint::PassBundle(Coupon, c, "p1,p2"),
                Get,
                "/coupons/c1/passes/pkpasses?ids=p1%2Cp2",
            ),
            (
                Endpoint::Barcode(BarcodeFormat::Qrcode, "https://x/p?a=1"),
                Get,
                "/barcode.png?format=qrcode&message=https%3A%2F%2Fx%2Fp%3Fa%3D1",
            ),
        ];
        for (endpoint, method, path) in table {
            assert_eq!(endpoint.route(), (method, path.to_string()), "{endpoint:?}");
        }
    }

    /// An id typed into the address bar stays one path segment.
    #[test]
    fn ids_cannot_escape_their_segment() {
        assert_eq!(
            Endpoint::Campaign(Coupon, "../account").path(),
            "/coupons/..%2Faccount"
        );
        assert_eq!(
            Endpoint::Pass(Coupon, "c", "p?x=1").path(),
            "/coupons/c/passes/p%3Fx%3D1"
        );
    }
}
