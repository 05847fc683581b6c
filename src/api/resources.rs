//! The typed API methods, one per endpoint, grouped by resource: the only way pages
//! talk to the server. Each takes ids, wire input types and list queries, wraps the
//! body under the root key the contract wants, and answers a wire type.

/// The signed-in account.
pub mod account {
    use passworks_wire::{wrap, Account, AccountInput, WebhookToken};

    use super::super::{call, call_as, call_with, ApiResult, Credentials, Endpoint};

    pub async fn get() -> ApiResult<Account> {
        call(Endpoint::Account).await
    }

    /// Checks credentials before signing in: a 401 here signs nobody out.
    pub async fn verify(creds: &Credentials) -> ApiResult<Account> {
        call_as(Endpoint::Account, creds).await
    }

    pub async fn update(input: &AccountInput) -> ApiResult<Account> {
        call_with(Endpoint::UpdateAccount, &wrap("account", input)).await
    }

    /// Totals, busiest campaigns, recent activity and failures across all campaigns.
    pub async fn dashboard() -> ApiResult<passworks_wire::Dashboard> {
        call(Endpoint::Dashboard).await
    }

    /// A new webhook signing token (shown once).
    pub async fn rotate_webhook_token() -> ApiResult<WebhookToken> {
        call(Endpoint::RotateWebhookToken).await
    }
}

/// The webhook delivery log.
pub mod webhooks {
    use passworks_wire::query::ListQuery;
    use passworks_wire::WebhookDelivery;

    use super::super::{call, fetch_page, ApiResult, Endpoint, PageInfo};

    /// Queues a test event for the account's webhook URL.
    pub async fn send_test() -> ApiResult<passworks_wire::MessageBody> {
        call(Endpoint::TestWebhook).await
    }

    /// Sends a failed or waiting delivery again now.
    pub async fn retry(id: &str) -> ApiResult<passworks_wire::MessageBody> {
        call(Endpoint::RetryWebhookDelivery(id)).await
    }

    pub async fn deliveries(q: &ListQuery) -> ApiResult<(Vec<WebhookDelivery>, PageInfo)> {
        fetch_page(Endpoint::WebhookDeliveries, q).await
    }
}

/// Child organizations.
pub mod organizations {
    use passworks_wire::query::ListQuery;
    use passworks_wire::{Organization, OrganizationInput};

    use super::super::{call, call_with, fetch_page, ApiResult, Endpoint, PageInfo};

    pub async fn list(q: &ListQuery) -> ApiResult<(Vec<Organization>, PageInfo)> {
        fetch_page(Endpoint::Organizations, q).await
    }

    /// Creates one; the answer carries its API key, once.
    pub async fn create(input: &OrganizationInput) -> ApiResult<Organization> {
        call_with(Endpoint::CreateOrganization, input).await
    }

    /// Replaces its API key; the answer carries the new one, once.
    pub async fn refresh_key(id: &str) -> ApiResult<Organization> {
        call(Endpoint::RefreshOrganizationKey(id)).await
    }
}

/// Pass Type ID certificates.
pub mod certificates {
    use passworks_wire::query::ListQuery;
    use passworks_wire::Certificate;

    use super::super::{call_for_status, fetch_all, fetch_page, upload as xhr_upload};
    use super::super::{ApiError, ApiResult, Endpoint, PageInfo};

    pub async fn list(q: &ListQuery) -> ApiResult<(Vec<Certificate>, PageInfo)> {
        fetch_page(Endpoint::Certificates, q).await
    }

    /// Every certificate (for the campaign form's select).
    pub async fn all() -> ApiResult<Vec<Certificate>> {
        fetch_all(Endpoint::Certificates, 5).await
    }

    /// Uploads a `.p12` with its password and Apple's WWDR certificate, reporting
    /// progress from 0.0 to 1.0.
    pub async fn upload(
        p12: &web_sys::File,
        password: &str,
        wwdr: &web_sys::File,
        on_progress: impl Fn(f64) + 'static,
    ) -> ApiResult<Certificate> {
        let form = web_sys::FormData::new().map_err(|_| ApiError::base(0, "No form data"))?;
        let _ = form.append_with_blob_and_filename("certificate[file]", p12, &p12.name());
        let _ = form.append_with_str("certificate[password]", password);
        let _ = form.append_with_blob_and_filename("certificate[wwdr]", wwdr, &wwdr.name());
        xhr_upload(Endpoint::UploadCertificate, form, on_progress).await
    }

    pub async fn delete(id: &str) -> ApiResult<()> {
        call_for_status::<()>(Endpoint::DeleteCertificate(id), None).await
    }
}

/// Images.
pub mod assets {
    use passworks_wire::query::ListQuery;
    use passworks_wire::{Asset, AssetType};

    use super::super::{call_for_status, fetch_all, fetch_page, upload as xhr_upload};
    use super::super::{ApiError, ApiResult, Endpoint, PageInfo};

    pub async fn list(q: &ListQuery) -> ApiResult<(Vec<Asset>, PageInfo)> {
        fetch_page(Endpoint::Assets, q).await
    }

    /// Every asset (for pickers and previews).
    pub async fn all() -> ApiResult<Vec<Asset>> {
        fetch_all(Endpoint::Assets, 10).await
    }

    /// Uploads an image as an asset of `kind`, reporting progress from 0.0 to 1.0.
    pub async fn upload(
        kind: AssetType,
        file: &web_sys::File,
        on_progress: impl Fn(f64) + 'static,
    ) -> ApiResult<Asset> {
        let form = web_sys::FormData::new().map_err(|_| ApiError::base(0, "No form data"))?;
        let _ = form.append_with_blob_and_filename("asset[file]", file, &file.name());
        let _ = form.append_with_str("asset[asset_type]", kind.as_str());
        xhr_upload(Endpoint::UploadAsset, form, on_progress).await
    }

    pub async fn delete(id: &str) -> ApiResult<()> {
        call_for_status::<()>(Endpoint::DeleteAsset(id), None).await
    }
}

/// Templates (immutable: no update).
pub mod templates {
    use passworks_wire::query::ListQuery;
    use passworks_wire::{wrap, Template, TemplateInput};
    use serde_json::json;

    use super::super::{call, call_for_status, call_with, fetch_all, fetch_page};
    use super::super::{ApiResult, Endpoint, PageInfo};

    pub async fn list(q: &ListQuery) -> ApiResult<(Vec<Template>, PageInfo)> {
        fetch_page(Endpoint::Templates, q).await
    }

    /// Every template (for the campaign form's select).
    pub async fn all() -> ApiResult<Vec<Template>> {
        fetch_all(Endpoint::Templates, 10).await
    }

    pub async fn get(id: &str) -> ApiResult<Template> {
        call(Endpoint::Template(id)).await
    }

    pub async fn create(input: &TemplateInput) -> ApiResult<Template> {
        call_with(Endpoint::CreateTemplate, &wrap("template", input)).await
    }

    /// Deletes it, and with `delete_assets` its images that no other template uses.
    pub async fn delete(id: &str, delete_assets: bool) -> ApiResult<()> {
        let body = json!({"template": {"delete_assets": delete_assets}});
        call_for_status(Endpoint::DeleteTemplate(id), Some(&body)).await
    }
}

/// Campaigns of the five types, their distribution actions and redeem-by-code.
pub mod campaigns {
    use passworks_wire::query::ListQuery;
    use passworks_wire::{
        wrap, Campaign, CampaignChanges, CampaignInput, CampaignType, MessageBody, Pass, PushInput,
        RedeemInput, Registration,
    };

    use super::super::StateChange;
    use super::super::{
        call, call_for_status, call_with, fetch_csv, fetch_page, ApiResult, Endpoint, PageInfo,
    };

    pub async fn list(kind: CampaignType, q: &ListQuery) -> ApiResult<(Vec<Campaign>, PageInfo)> {
        fetch_page(Endpoint::Campaigns(kind), q).await
    }

    /// The campaigns of a type matching the filters, as CSV.
    pub async fn export_csv(kind: CampaignType, q: &ListQuery) -> ApiResult<String> {
        fetch_csv(Endpoint::Campaigns(kind), q, "").await
    }

    pub async fn get(kind: CampaignType, id: &str) -> ApiResult<Campaign> {
        call(Endpoint::Campaign(kind, id)).await
    }

    pub async fn create(kind: CampaignType, input: &CampaignInput) -> ApiResult<Campaign> {
        call_with(
            Endpoint::CreateCampaign(kind),
            &wrap(kind.root_key(), input),
        )
        .await
    }

    pub async fn update(
        kind: CampaignType,
        id: &str,
        input: &CampaignInput,
    ) -> ApiResult<Campaign> {
        call_with(
            Endpoint::UpdateCampaign(kind, id),
            &wrap(kind.root_key(), input),
        )
        .await
    }

    /// Deletes the campaign and all its passes.
    pub async fn delete(kind: CampaignType, id: &str) -> ApiResult<()> {
        call_for_status::<()>(Endpoint::DeleteCampaign(kind, id), None).await
    }

    /// Pauses, resumes or archives it.
    pub async fn change_state(
        kind: CampaignType,
        id: &str,
        to: StateChange,
    ) -> ApiResult<Campaign> {
        call(Endpoint::ChangeCampaignState(kind, id, to)).await
    }

    /// How many issued passes do not show the campaign's last edit yet.
    pub async fn changes(kind: CampaignType, id: &str) -> ApiResult<CampaignChanges> {
        call(Endpoint::CampaignChanges(kind, id)).await
    }

    /// Applies the campaign to its passes (in a background job when there are many).
    pub async fn merge(kind: CampaignType, id: &str, input: &PushInput) -> ApiResult<MessageBody> {
        call_with(Endpoint::MergeCampaign(kind, id), input).await
    }

    /// Asks every device holding one of its passes to fetch it again.
    pub async fn push(kind: CampaignType, id: &str, input: &PushInput) -> ApiResult<MessageBody> {
        call_with(
            Endpoint::PushCampaign(kind, id),
            &wrap(kind.root_key(), input),
        )
        .await
    }

    /// Redeems the pass whose code is `input.redeem_code`.
    pub async fn redeem_code(kind: CampaignType, id: &str, input: &RedeemInput) -> ApiResult<Pass> {
        call_with(Endpoint::RedeemCode(kind, id), &wrap("pass", input)).await
    }

    /// The pass with this code, without redeeming it.
    pub async fn look_up_code(kind: CampaignType, id: &str, code: &str) -> ApiResult<Pass> {
        call(Endpoint::LookUpCode(kind, id, code)).await
    }

    /// Wallet installs of its passes.
    pub async fn registrations(
        kind: CampaignType,
        id: &str,
        q: &ListQuery,
    ) -> ApiResult<(Vec<Registration>, PageInfo)> {
        fetch_page(Endpoint::Registrations(kind, id), q).await
    }
}

/// A campaign's daily and total counters.
pub mod reports {
    use passworks_wire::{CampaignType, DailyReport, TotalsReport};

    use super::super::{call, ApiResult, Endpoint};

    /// Day by day from `start` to `end` (`YYYY-MM-DD`, inclusive).
    pub async fn daily(
        kind: CampaignType,
        campaign: &str,
        start: &str,
        end: &str,
    ) -> ApiResult<DailyReport> {
        call(Endpoint::DailyReport {
            kind,
            campaign,
            start,
            end,
        })
        .await
    }

    pub async fn totals(kind: CampaignType, campaign: &str) -> ApiResult<TotalsReport> {
        call(Endpoint::TotalsReport(kind, campaign)).await
    }
}

/// Passes of a campaign.
pub mod passes {
    use passworks_wire::query::ListQuery;
    use passworks_wire::{
        wrap, CampaignType, Job, MessageBody, Pass, PassInput, PassSearchHit, PushInput, Redeem,
        RedeemInput,
    };

    use super::super::{
        call, call_for_status, call_with, fetch_csv, fetch_page, fetch_page_searching, post_csv,
        ApiResult, Endpoint, PageInfo,
    };

    pub async fn list(
        kind: CampaignType,
        campaign: &str,
        q: &ListQuery,
    ) -> ApiResult<(Vec<Pass>, PageInfo)> {
        fetch_page(Endpoint::Passes(kind, campaign), q).await
    }

    /// The campaign's passes matching a search text (`q[search]`: code, serial number,
    /// field values, holder data) and the other filters of `q`.
    pub async fn search(
        kind: CampaignType,
        campaign: &str,
        q: &ListQuery,
        text: &str,
    ) -> ApiResult<(Vec<Pass>, PageInfo)> {
        fetch_page_searching(Endpoint::Passes(kind, campaign), q, text).await
    }

    /// The campaign's passes matching the filters (and search text) as CSV.
    pub async fn export_csv(
        kind: CampaignType,
        campaign: &str,
        q: &ListQuery,
        text: &str,
    ) -> ApiResult<String> {
        fetch_csv(Endpoint::Passes(kind, campaign), q, text).await
    }

    /// Creates or updates passes from a CSV file (header row; `serial_number`,
    /// `redeem_code`, `expiration_date`, `voided` and one column per field key): the
    /// server answers a job to follow.
    pub async fn import_csv(kind: CampaignType, campaign: &str, csv: &str) -> ApiResult<Job> {
        post_csv(Endpoint::ImportPasses(kind, campaign), csv).await
    }

    /// Passes of every campaign of the account matching a search text.
    pub async fn search_everywhere(
        text: &str,
        q: &ListQuery,
    ) -> ApiResult<(Vec<PassSearchHit>, PageInfo)> {
        fetch_page_searching(Endpoint::SearchPasses, q, text).await
    }

    pub async fn get(kind: CampaignType, campaign: &str, pass: &str) -> ApiResult<Pass> {
        call(Endpoint::Pass(kind, campaign, pass)).await
    }

    pub async fn create(kind: CampaignType, campaign: &str, input: &PassInput) -> ApiResult<Pass> {
        call_with(Endpoint::CreatePass(kind, campaign), &wrap("pass", input)).await
    }

    pub async fn update(
        kind: CampaignType,
        campaign: &str,
        pass: &str,
        input: &PassInput,
    ) -> ApiResult<Pass> {
        call_with(
            Endpoint::UpdatePass(kind, campaign, pass),
            &wrap("pass", input),
        )
        .await
    }

    /// Voids the pass (`true`) or makes it valid again (`false`).
    pub async fn set_voided(
        kind: CampaignType,
        campaign: &str,
        pass: &str,
        voided: bool,
    ) -> ApiResult<Pass> {
        let input = PassInput {
            voided: Some(voided),
            ..Default::default()
        };
        update(kind, campaign, pass, &input).await
    }

    pub async fn delete(kind: CampaignType, campaign: &str, pass: &str) -> ApiResult<()> {
        call_for_status::<()>(Endpoint::DeletePass(kind, campaign, pass), None).await
    }

    pub async fn redeem(
        kind: CampaignType,
        campaign: &str,
        pass: &str,
        input: &RedeemInput,
    ) -> ApiResult<Pass> {
        call_with(
            Endpoint::RedeemPass(kind, campaign, pass),
            &wrap("pass", input),
        )
        .await
    }

    /// Makes a redeemed pass valid again.
    pub async fn reset_redeem(kind: CampaignType, campaign: &str, pass: &str) -> ApiResult<Pass> {
        call(Endpoint::ResetRedeem(kind, campaign, pass)).await
    }

    /// Asks the devices holding the pass to fetch it again.
    pub async fn push(
        kind: CampaignType,
        campaign: &str,
        pass: &str,
        input: &PushInput,
    ) -> ApiResult<MessageBody> {
        call_with(
            Endpoint::PushPass(kind, campaign, pass),
            &wrap("pass", input),
        )
        .await
    }

    /// The signed pass file as an object URL to download; a pass that cannot be built is
    /// a 422 that says why.
    pub async fn file(kind: CampaignType, campaign: &str, pass: &str) -> ApiResult<String> {
        super::super::object_url(&super::super::url(&Endpoint::PassFile(
            kind, campaign, pass,
        )))
        .await
    }

    /// Up to ten passes of the campaign as one `.pkpasses` bundle, as an object URL to
    /// download; more than ten, or a pass that cannot be built, is an error that says so.
    pub async fn bundle(kind: CampaignType, campaign: &str, ids: &[String]) -> ApiResult<String> {
        let ids = ids.join(",");
        super::super::object_url(&super::super::url(&Endpoint::PassBundle(
            kind, campaign, &ids,
        )))
        .await
    }

    /// Redeems of the pass.
    pub async fn redeems(
        kind: CampaignType,
        campaign: &str,
        pass: &str,
        q: &ListQuery,
    ) -> ApiResult<(Vec<Redeem>, PageInfo)> {
        fetch_page(Endpoint::Redeems(kind, campaign, pass), q).await
    }
}

/// Background jobs (a large campaign's merge).
pub mod jobs {
    use passworks_wire::Job;

    use super::super::{call, get_csv, ApiResult, Endpoint};

    pub async fn get(id: &str) -> ApiResult<Job> {
        call(Endpoint::Job(id)).await
    }

    /// The job's per-row errors (`row,attribute,message`) as CSV.
    pub async fn errors_csv(id: &str) -> ApiResult<String> {
        get_csv(Endpoint::JobErrors(id)).await
    }
}

/// Google Wallet: issuers and a pass as Google sees it.
pub mod google_wallet {
    use passworks_wire::query::ListQuery;
    use passworks_wire::{wrap, CampaignType, GoogleIssuer, GoogleIssuerInput, GoogleWalletPass};

    use super::super::{
        call, call_for_status, call_with, fetch_page, ApiResult, Endpoint, PageInfo,
    };

    pub async fn issuers(q: &ListQuery) -> ApiResult<(Vec<GoogleIssuer>, PageInfo)> {
        fetch_page(Endpoint::GoogleIssuers, q).await
    }

    /// Adds an issuer: its id and the service account's JSON key (the file's text).
    pub async fn create(issuer_id: &str, service_account: &str) -> ApiResult<GoogleIssuer> {
        let input = GoogleIssuerInput {
            issuer_id: Some(issuer_id.to_string()),
            service_account: Some(service_account.into()),
        };
        call_with(Endpoint::CreateGoogleIssuer, &wrap("google_issuer", &input)).await
    }

    pub async fn delete(id: &str) -> ApiResult<()> {
        call_for_status::<()>(Endpoint::DeleteGoogleIssuer(id), None).await
    }

    pub async fn make_default(id: &str) -> ApiResult<GoogleIssuer> {
        call(Endpoint::DefaultGoogleIssuer(id)).await
    }

    pub async fn pass(t: CampaignType, c: &str, p: &str) -> ApiResult<GoogleWalletPass> {
        call(Endpoint::PassGoogleWallet(t, c, p)).await
    }
}

/// The barcode renderer.
pub mod barcode {
    use passworks_wire::BarcodeFormat;

    use super::super::{url, Endpoint};

    /// The absolute URL of a barcode image (show it with `AuthImg`, which sends the
    /// credentials).
    pub fn image_url(format: BarcodeFormat, message: &str) -> String {
        url(&Endpoint::Barcode(format, message))
    }
}

/// Teams (issue 16): the caller, signing in and out, sessions, people, API keys and the
/// audit log.
pub mod teams {
    use passworks_wire::query::ListQuery;
    use passworks_wire::{
        wrap, ApiKey, ApiKeyInput, AuditEvent, ConsoleSessionExchange, InvitationAccept, Me,
        Session, SessionToken, SignInInput, SsoConfig, SsoStart, User, UserInput,
    };

    use super::super::{
        call, call_as, call_for_status, call_for_status_as, call_public, call_with, fetch_csv,
        fetch_page, ApiResult, Credentials, Endpoint, PageInfo,
    };

    /// The caller: organization, person or key, role and permissions.
    pub async fn me() -> ApiResult<Me> {
        call(Endpoint::Me).await
    }

    /// Checks credentials before signing in (API username and key): a 401 here signs
    /// nobody out.
    pub async fn me_as(creds: &Credentials) -> ApiResult<Me> {
        call_as(Endpoint::Me, creds).await
    }

    /// Signs in with e-mail and password: a session token.
    pub async fn sign_in(input: &SignInInput) -> ApiResult<SessionToken> {
        call_public(Endpoint::SignIn, Some(input)).await
    }

    /// Exchanges a one-time console session token from the host portal (issue 18) for
    /// a session.
    pub async fn exchange_console_token(input: &ConsoleSessionExchange) -> ApiResult<SessionToken> {
        call_public(Endpoint::ExchangeConsoleToken, Some(input)).await
    }

    /// Sets the password of an invitation: a session token.
    pub async fn accept_invitation(input: &InvitationAccept) -> ApiResult<SessionToken> {
        call_public(Endpoint::AcceptInvitation, Some(input)).await
    }

    /// Ends the session of `creds` on the server.
    pub async fn sign_out(creds: &Credentials) -> ApiResult<()> {
        call_for_status_as(Endpoint::SignOut, creds).await
    }

    pub async fn sessions(q: &ListQuery) -> ApiResult<(Vec<Session>, PageInfo)> {
        fetch_page(Endpoint::Sessions, q).await
    }

    pub async fn end_session(id: &str) -> ApiResult<()> {
        call_for_status::<()>(Endpoint::DeleteSession(id), None).await
    }

    pub async fn users(q: &ListQuery) -> ApiResult<(Vec<User>, PageInfo)> {
        fetch_page(Endpoint::Users, q).await
    }

    /// Invites a person; the answer carries the invitation link, once.
    pub async fn invite(input: &UserInput) -> ApiResult<User> {
        call_with(Endpoint::InviteUser, &wrap("user", input)).await
    }

    pub async fn update_user(id: &str, input: &UserInput) -> ApiResult<User> {
        call_with(Endpoint::UpdateUser(id), &wrap("user", input)).await
    }

    pub async fn remove_user(id: &str) -> ApiResult<()> {
        call_for_status::<()>(Endpoint::DeleteUser(id), None).await
    }

    /// A new invitation link for a person (also resets a forgotten password).
    pub async fn reinvite(id: &str) -> ApiResult<User> {
        call(Endpoint::ReinviteUser(id)).await
    }

    pub async fn api_keys(q: &ListQuery) -> ApiResult<(Vec<ApiKey>, PageInfo)> {
        fetch_page(Endpoint::ApiKeys, q).await
    }

    /// Creates a key; the answer carries its token, once.
    pub async fn create_api_key(input: &ApiKeyInput) -> ApiResult<ApiKey> {
        call_with(Endpoint::CreateApiKey, &wrap("api_key", input)).await
    }

    pub async fn revoke_api_key(id: &str) -> ApiResult<ApiKey> {
        call(Endpoint::RevokeApiKey(id)).await
    }

    pub async fn audit_events(q: &ListQuery) -> ApiResult<(Vec<AuditEvent>, PageInfo)> {
        fetch_page(Endpoint::AuditEvents, q).await
    }

    /// The audit events matching the filters, as CSV.
    pub async fn export_audit_csv(q: &ListQuery) -> ApiResult<String> {
        fetch_csv(Endpoint::AuditEvents, q, "").await
    }

    /// Whether single sign-on is offered, and under which name.
    pub async fn sso_config() -> ApiResult<SsoConfig> {
        call_public::<(), _>(Endpoint::SsoConfig, None).await
    }

    /// Starts signing on: the provider's address to send the browser to.
    pub async fn sso_start() -> ApiResult<SsoStart> {
        call_public(Endpoint::SsoStart, Some(&serde_json::json!({}))).await
    }
}
