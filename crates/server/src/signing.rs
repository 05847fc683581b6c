//! Building signed `.pkpass` files and previews for stored passes.
//!
//! [`PassFactory`] (held in [`crate::state::AppState::passes`]) turns a campaign and pass
//! record into a [`PassSpec`], picks the signing certificate (the campaign's
//! `certificate_id`, else the account's default certificate, else the instance-wide
//! development certificate of [`crate::devcert`]) and builds the package with
//! `passworks_pkpass`. Three caches keep the request path cheap:
//!
//! * parsed [`Signer`]s per certificate id (certificates are immutable once stored);
//! * [`PreparedImage`]s per asset id (assets are immutable): decoding, resizing to 1x/@2x/@3x
//!   and hashing happen once per asset, not per pass;
//! * finished packages per content key: the SHA-256 of `pass.json`, the image hashes and the
//!   certificate, so an unchanged pass is served again without signing. The same key is the
//!   HTTP `ETag`, so conditional requests are answered before anything is built.
//!
//! A pass that would not open in Wallet is never built: validation failures come back as
//! [`ApiError::Validation`] (422) with the messages of `passworks_pkpass::validate`.

use crate::error::ApiError;
use crate::group_commit::GroupCommit;
use crate::lru::Lru;
use crate::model::accounts;
use crate::model::campaigns::CampaignRecord;
use crate::model::certificates::{self, decrypt_key};
use crate::model::events::NewEvent;
use crate::model::passes::{self, ForSigning, PassRecord, Served};
use crate::model::presentation::IMAGE_SLOTS;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use passworks_pkpass::{
    build_pkpass, pass_json, render_preview_png_in, AssetType, HostedImage, PassSpec, PassType,
    PrepareOptions, PreparedImage, Signer, ValidationError,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

/// Most prepared images kept in memory.
const IMAGE_CACHE_ENTRIES: usize = 512;
/// Byte budget of the prepared-image cache.
const IMAGE_CACHE_BYTES: usize = 192 * 1024 * 1024;
/// Most finished packages kept in memory.
const PKPASS_CACHE_ENTRIES: usize = 4096;
/// Byte budget of the finished-package cache.
const PKPASS_CACHE_BYTES: usize = 96 * 1024 * 1024;
/// Byte budget of the preview cache.
const PREVIEW_CACHE_BYTES: usize = 32 * 1024 * 1024;
/// Image bytes up to which a pass is signed on the request's own thread. Signing is an
/// RSA signature, two small SHA-1s and a copy of the images (about 0.3 ms for a typical
/// pass on the development machine); handing it to the blocking pool cost two thread
/// wake-ups per download, and building in place served 12–19 % more cold downloads a
/// second on both databases (README, "Passes at scale"). Bigger packages (several
/// languages of large images) still go to the blocking pool, so no request holds a worker
/// thread for long.
const INLINE_BUILD_BYTES: usize = 2 * 1024 * 1024;
/// Version of the image preparation (`passworks_pkpass::images`), part of every content
/// key: a change to how images are resized changes the files without changing the asset
/// ids, so it must change the keys (and ETags) too.
const IMAGE_PREPARATION: &str = "images-v2: never upscaled";
/// The path under the public URL where the PassKit web service is served.
pub const WEB_SERVICE_PATH: &str = "/passkit";

/// A finished `.pkpass`.
#[derive(Debug, Clone)]
pub struct Built {
    /// The package bytes (shared with the cache).
    pub bytes: Arc<[u8]>,
    /// Strong HTTP entity tag (quoted), derived from the content, not the bytes: the same
    /// pass content has the same tag in every server process.
    pub etag: String,
    /// When the pass content last changed.
    pub last_modified: DateTime<Utc>,
    /// Certificate that signed it.
    pub certificate_id: String,
    /// Pass type identifier of that certificate (the APNs topic).
    pub pass_type_identifier: String,
}

impl Built {
    /// `Last-Modified` as an HTTP date.
    pub fn last_modified_http(&self) -> String {
        http_date(self.last_modified)
    }
}

/// One image of a pass: the asset in a slot, at the root of the package or in a
/// language's `.lproj` directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `None` for the root image; a language id for `<lang>.lproj/`.
    pub language: Option<String>,
    pub slot: AssetType,
    /// The asset id.
    pub id: String,
}

/// Everything needed to build one pass, gathered from the database, before signing. The
/// images are named (slot and asset id), not loaded: assets are immutable, so their ids
/// identify their content, and a conditional request is answered without touching them.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub spec: PassSpec,
    /// The images the pass shows, by language, slot and asset id, loaded by
    /// [`PassFactory::build`].
    pub image_ids: Vec<ImageRef>,
    /// The account owning the campaign (whose assets the images are).
    pub account_id: String,
    pub signer: Arc<Signer>,
    pub certificate_id: String,
    /// Whether the certificate is the development certificate (Apple devices refuse it).
    pub development: bool,
    /// Content key (hex SHA-256).
    pub key: String,
    pub last_modified: DateTime<Utc>,
}

impl Prepared {
    /// The quoted entity tag for this content.
    pub fn etag(&self) -> String {
        format!("\"{}\"", &self.key[..40])
    }
}

/// A signer with the account that owns its certificate (`None`: shared).
#[derive(Clone)]
struct CachedSigner {
    owner: Option<String>,
    development: bool,
    signer: Arc<Signer>,
}

/// Builds and caches signed passes and previews. One per server process.
pub struct PassFactory {
    signers: Mutex<HashMap<String, CachedSigner>>,
    images: Mutex<Lru<(String, Option<PassType>), PreparedImage>>,
    built: Mutex<Lru<String, Built>>,
    previews: Mutex<Lru<String, Arc<[u8]>>>,
    /// SHA-256 and size of the assets upcoming entries host, by asset id (assets are
    /// immutable, so the digest never goes stale).
    hosted: Mutex<Lru<String, (String, usize)>>,
    dev_certificate_id: RwLock<Option<String>>,
    /// The group-commit writer of `downloaded` events, started on first use.
    /// The group-commit writer of passes served ([`PassFactory::record_served`]).
    served: std::sync::OnceLock<GroupCommit<Served, ()>>,
}

impl std::fmt::Debug for PassFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassFactory")
            .field(
                "signers",
                &self.signers.lock().map(|m| m.len()).unwrap_or(0),
            )
            .field("images", &self.images.lock().map(|m| m.len()).unwrap_or(0))
            .field("built", &self.built.lock().map(|m| m.len()).unwrap_or(0))
            .finish()
    }
}

impl Default for PassFactory {
    fn default() -> Self {
        Self::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Turns pkpass validation errors into a 422.
pub fn validation_error(errors: &[ValidationError]) -> ApiError {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in errors {
        m.entry(e.field.clone())
            .or_default()
            .push(e.message.clone());
    }
    ApiError::Validation(m)
}

/// Formats a time as an HTTP date (`Tue, 15 Nov 1994 08:12:31 GMT`).
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Parses an HTTP date.
pub fn parse_http_date(s: &str) -> Option<DateTime<Utc>> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%a, %d %b %Y %H:%M:%S GMT")
        .ok()
        .map(|n| n.and_utc())
}

fn parse_stored(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A stored timestamp as Apple wants dates (W3C, whole seconds, explicit offset).
fn apple_date(s: &Option<String>) -> Option<String> {
    let s = s.as_deref()?.trim();
    if s.is_empty() {
        return None;
    }
    Some(match parse_stored(s) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
        None => s.to_string(),
    })
}

/// The account data a pass needs: its name (default organization name) and default
/// certificate.
async fn account_facts(
    state: &AppState,
    account_id: &str,
) -> Result<(String, Option<String>), ApiError> {
    accounts::signing_facts(&state.db, account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))
}

/// Builds the [`PassSpec`] of `pass` (or, when `None`, a sample pass of the campaign for
/// previews) — everything but the certificate identifiers, which come from the signer.
// Long because it maps every pass.json source attribute in turn, one line each.
pub fn spec_for(
    state: &AppState,
    campaign: &CampaignRecord,
    pass: Option<&PassRecord>,
    account_name: &str,
    change_messages: HashMap<String, String>,
) -> PassSpec {
    let d = &campaign.doc;
    let p = match pass {
        Some(p) => p.presentation(campaign),
        None => d.presentation.clone(),
    };
    let mut spec = PassSpec {
        style: campaign.campaign_type.pass_type(),
        transit_type: p.transit_type,
        web_service_url: Some(state.url(WEB_SERVICE_PATH)),
        organization_name: d
            .organization_name
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| account_name.to_string()),
        description: if campaign.description.trim().is_empty() {
            campaign.name.clone()
        } else {
            campaign.description.clone()
        },
        logo_text: p.logo_text.clone(),
        background_color: p.background_color.clone(),
        foreground_color: p.text_color.clone(),
        label_color: p.label_color.clone(),
        associated_store_identifiers: d.associated_store_identifiers.clone(),
        change_messages,
        ..PassSpec::default()
    };
    match pass {
        Some(pass) => {
            let pd = &pass.doc;
            spec.serial_number = pass.serial_number.clone();
            spec.authentication_token = pass.authentication_token.clone();
            spec.header_fields = pd.header_fields.clone();
            spec.primary_fields = pd.primary_fields.clone();
            spec.secondary_fields = pd.secondary_fields.clone();
            spec.auxiliary_fields = pd.auxiliary_fields.clone();
            spec.back_fields = pd.back_fields.clone();
            spec.barcodes = pass.barcodes();
            spec.locations = pd.locations.clone();
            spec.beacons = pd.beacons.clone();
            spec.relevant_date = apple_date(&pass.relevant_date(campaign));
            spec.expiration_date = apple_date(&pass.expiration_date(campaign));
            spec.voided = pass.voided;
            spec.max_distance = pass.max_distance(campaign);
            spec.user_info = pd.user_info.clone();
            spec.apple = campaign.apple_options(Some(&pd.apple));
            // A holder who signed up gets the pass without the sign-up form.
            if pd.personalization.is_some() {
                spec.apple.personalization = None;
            }
        }
        None => {
            spec.apple = campaign.apple_options(None);
            let sample = d
                .code_fixed_value
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "0000001".into());
            let mut barcode = p.barcode();
            barcode.message = sample.clone();
            barcode.alt_text = sample;
            spec.serial_number = "preview".into();
            spec.authentication_token = "preview-preview-preview".into();
            spec.header_fields = d.header_fields.clone();
            spec.primary_fields = d.primary_fields.clone();
            spec.secondary_fields = d.secondary_fields.clone();
            spec.auxiliary_fields = d.auxiliary_fields.clone();
            spec.back_fields = d.back_fields.clone();
            spec.barcodes = vec![barcode];
            spec.locations = d.locations.clone();
            spec.beacons = d.beacons.clone();
            spec.relevant_date = apple_date(&d.relevant_date);
            spec.expiration_date = apple_date(&d.expiration_date);
            spec.max_distance = d.max_distance;
            spec.user_info = d.user_info.clone();
        }
    }
    spec
}

impl PassFactory {
    /// An empty factory.
    pub fn new() -> Self {
        PassFactory {
            signers: Mutex::new(HashMap::new()),
            images: Mutex::new(Lru::new(IMAGE_CACHE_ENTRIES, IMAGE_CACHE_BYTES)),
            built: Mutex::new(Lru::new(PKPASS_CACHE_ENTRIES, PKPASS_CACHE_BYTES)),
            previews: Mutex::new(Lru::new(PKPASS_CACHE_ENTRIES, PREVIEW_CACHE_BYTES)),
            hosted: Mutex::new(Lru::new(IMAGE_CACHE_ENTRIES, IMAGE_CACHE_ENTRIES * 100)),
            dev_certificate_id: RwLock::new(None),
            served: std::sync::OnceLock::new(),
        }
    }

    /// Records a pass served: a download's `downloaded` event, or a device's fetch
    /// (`fetched`, stamping the pass's `last_fetched_at`), through the group-commit writer
    /// ([`crate::group_commit`]), which commits it together with the others of the moment
    /// (event rows, report counters, webhook deliveries of a batch in one transaction).
    /// A device's fetch waits for the commit (the pass shows when its device last fetched
    /// it as soon as the device has it); a download is answered without waiting, its event
    /// committed within milliseconds (waiting only when thousands are queued; see
    /// [`PassFactory::flush_served`]).
    pub async fn record_served(
        &self,
        state: &AppState,
        event: NewEvent,
        device_fetch: bool,
    ) -> Result<(), String> {
        let served = Served {
            event,
            device_fetch,
        };
        let writer = self.served_writer(state);
        if device_fetch {
            writer.write(served).await
        } else {
            writer.submit(served).await
        }
    }

    /// Returns once everything this process served before the call is recorded: reports
    /// and event lists read after it include those downloads and fetches.
    pub async fn flush_served(&self, state: &AppState) {
        self.served_writer(state).flush().await
    }

    fn served_writer(&self, state: &AppState) -> &GroupCommit<Served, ()> {
        self.served.get_or_init(|| {
            GroupCommit::start(
                state.db.clone(),
                "served passes' events",
                Arc::new(|tx, served| {
                    Box::pin(async move {
                        passes::record_served(tx, served).await?;
                        Ok(vec![(); served.len()])
                    })
                }),
            )
        })
    }

    /// Remembers the id of the development certificate (set at start-up).
    pub fn set_development_certificate(&self, id: &str) {
        if let Ok(mut g) = self.dev_certificate_id.write() {
            *g = Some(id.to_string());
        }
    }

    /// The id of the development certificate: the remembered one, else the `settings` row.
    pub async fn development_certificate_id(&self, state: &AppState) -> Option<String> {
        if let Some(id) = self.dev_certificate_id.read().ok().and_then(|g| g.clone()) {
            return Some(id);
        }
        let id = crate::devcert::stored_id(&state.db).await.ok().flatten()?;
        self.set_development_certificate(&id);
        Some(id)
    }

    /// The certificate a campaign signs with: its `certificate_id`, else the account's
    /// default certificate, else the development certificate.
    pub async fn certificate_id_for(
        &self,
        state: &AppState,
        campaign: &CampaignRecord,
        account_default: Option<String>,
    ) -> Result<String, ApiError> {
        if let Some(id) = campaign.certificate_id.clone().or(account_default) {
            return Ok(id);
        }
        self.development_certificate_id(state).await.ok_or_else(|| {
            ApiError::invalid(
                "certificate",
                "no signing certificate: add a Pass Type ID certificate (POST /v2/certificates)",
            )
        })
    }

    /// The parsed signer of certificate `id`, visible to `account_id`, and whether it is a
    /// development certificate. Cached per id.
    pub async fn signer(
        &self,
        state: &AppState,
        account_id: &str,
        id: &str,
    ) -> Result<(Arc<Signer>, bool), ApiError> {
        let visible = |c: &CachedSigner| c.owner.as_deref().is_none_or(|o| o == account_id);
        if let Some(c) = lock(&self.signers).get(id).cloned() {
            if visible(&c) {
                return Ok((c.signer, c.development));
            }
            return Err(missing_certificate());
        }
        let certificates::KeyMaterial {
            account_id: owner,
            development,
            cert_pem,
            key_encrypted,
            wwdr_pem,
        } = certificates::key_material(&state.db, id)
            .await?
            .ok_or_else(missing_certificate)?;
        let key_pem = decrypt_key(&state.settings, &key_encrypted).map_err(|e| {
            ApiError::invalid(
                "certificate",
                format!("the private key of certificate {id} cannot be used: {e}"),
            )
        })?;
        let signer = Signer::from_pem(cert_pem, key_pem, wwdr_pem)
            .map_err(|e| ApiError::invalid("certificate", e.to_string()))?;
        let cached = CachedSigner {
            owner,
            development,
            signer: Arc::new(signer),
        };
        lock(&self.signers).insert(id.to_string(), cached.clone());
        if visible(&cached) {
            Ok((cached.signer, development))
        } else {
            Err(missing_certificate())
        }
    }

    /// The signer of `campaign`'s passes (its certificate, else the account's default,
    /// else the development one): rewards enrollment signs the holder's personalization
    /// token with it.
    pub async fn signer_for(
        &self,
        state: &AppState,
        campaign: &CampaignRecord,
    ) -> Result<Arc<Signer>, ApiError> {
        let (_, account_default) = account_facts(state, &campaign.account_id).await?;
        let id = self
            .certificate_id_for(state, campaign, account_default)
            .await?;
        Ok(self.signer(state, &campaign.account_id, &id).await?.0)
    }

    /// The prepared image of asset `asset_id` for `slot` on `style`. Cached per asset.
    /// Problems go under `attr` (the slot's attribute, or a language's).
    async fn image(
        &self,
        state: &AppState,
        account_id: &str,
        asset_id: &str,
        (slot, attr): (AssetType, &str),
        style: PassType,
    ) -> Result<PreparedImage, ApiError> {
        // The strip box depends on the style (event tickets and coupons have their own).
        let styled = slot == AssetType::Strip;
        let key = (asset_id.to_string(), styled.then_some(style));
        if let Some(img) = lock(&self.images).get(&key) {
            if img.slot() == slot {
                return Ok(img);
            }
        }
        let (_, png, _) = crate::model::assets::load_png(&state.db, account_id, asset_id)
            .await?
            .ok_or_else(|| {
                ApiError::invalid(attr, format!("asset {asset_id} does not exist any more"))
            })?;
        let opts = PrepareOptions {
            style: styled.then_some(style),
            max_scale: 3,
        };
        let img =
            tokio::task::spawn_blocking(move || PreparedImage::from_png_with(slot, &png, opts))
                .await
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("image task failed: {e}")))?
                .map_err(|e| ApiError::invalid(attr, e.to_string()))?;
        let size = img.total_bytes();
        lock(&self.images).put(key, img.clone(), size);
        Ok(img)
    }

    /// The hosted images `spec`'s upcoming entries name: the public `/assets/{id}.png`
    /// address with the SHA-256 and size of the bytes served there (digested once per
    /// asset). An asset that is gone is left out; the pass builder says so (422).
    async fn hosted_images(
        &self,
        state: &AppState,
        account_id: &str,
        spec: &mut PassSpec,
    ) -> Result<(), ApiError> {
        let ids: Vec<String> = spec
            .apple
            .upcoming_pass_information
            .iter()
            .flat_map(|e| e.images.entries())
            .map(|(_, _, id)| id.to_string())
            .collect();
        for id in ids {
            let known = lock(&self.hosted).get(&id);
            let digest = match known {
                Some(d) => Some(d),
                None => crate::model::assets::load_png(&state.db, account_id, &id)
                    .await?
                    .map(|(_, png, _)| {
                        let d = (hex::encode(Sha256::digest(&png)), png.len());
                        lock(&self.hosted).put(id.clone(), d.clone(), 100);
                        d
                    }),
            };
            if let Some((sha256, size)) = digest {
                let url = state.url(&format!("/assets/{id}.png"));
                spec.hosted_images
                    .insert(id, HostedImage { url, sha256, size });
            }
        }
        Ok(())
    }

    /// The images a pass of this presentation shows, by language, slot and asset id: the
    /// root ones, then each language's (`apple.localized_images`, the pass's over the
    /// campaign's). Slots its style does not render are skipped (§20.4).
    fn image_ids_for(campaign: &CampaignRecord, pass: Option<&PassRecord>) -> Vec<ImageRef> {
        let style = campaign.campaign_type.pass_type();
        let p = match pass {
            Some(p) => p.presentation(campaign),
            None => campaign.doc.presentation.clone(),
        };
        let classic = IMAGE_SLOTS
            .iter()
            .filter_map(|&slot| p.image(slot).as_ref().map(|id| (slot, id.to_string())));
        // The poster images (`apple.images`, the pass's over the campaign's) and the
        // rewards sign-up form's logo, until the holder has signed up.
        let apple = campaign.apple_options(pass.map(|p| &p.doc.apple));
        let personalized = pass.is_some_and(|p| p.doc.personalization.is_some());
        let poster: Vec<(AssetType, String)> = apple
            .image_refs()
            .into_iter()
            .filter(|(slot, _)| !(personalized && *slot == AssetType::PersonalizationLogo))
            .map(|(slot, id)| (slot, id.to_string()))
            .collect();
        let root = classic.chain(poster).map(|(slot, id)| ImageRef {
            language: None,
            slot,
            id,
        });
        let localized = apple
            .localized_image_refs()
            .into_iter()
            .map(|(lang, slot, id)| ImageRef {
                language: Some(lang.to_string()),
                slot,
                id: id.to_string(),
            });
        root.chain(localized)
            .filter(|r| passworks_wire::rules::renders_image(style, r.slot))
            .collect()
    }

    /// The prepared images of `ids` (from the cache, else loaded and prepared once).
    async fn load_images(
        &self,
        state: &AppState,
        account_id: &str,
        style: PassType,
        ids: &[ImageRef],
    ) -> Result<Vec<PreparedImage>, ApiError> {
        let mut out = Vec::with_capacity(ids.len());
        for r in ids {
            let img = match &r.language {
                Some(lang) => {
                    let attr = passworks_wire::apple::localized_image_path(lang, r.slot);
                    let img = self
                        .image(state, account_id, &r.id, (r.slot, &attr), style)
                        .await?;
                    img.localized(lang)
                }
                None => {
                    let attr = r.slot.slot_attribute();
                    self.image(state, account_id, &r.id, (r.slot, attr), style)
                        .await?
                }
            };
            out.push(img);
        }
        Ok(out)
    }

    /// The images a pass of this presentation shows in `language` (slots its style does
    /// not render are skipped, §20.4): the root ones and that language's (`None`: the
    /// root ones only), for the preview drawn in that language.
    async fn images_for(
        &self,
        state: &AppState,
        campaign: &CampaignRecord,
        pass: Option<&PassRecord>,
        language: Option<&str>,
    ) -> Result<Vec<PreparedImage>, ApiError> {
        let mut ids = Self::image_ids_for(campaign, pass);
        ids.retain(|r| r.language.is_none() || r.language.as_deref() == language);
        self.load_images(
            state,
            &campaign.account_id,
            campaign.campaign_type.pass_type(),
            &ids,
        )
        .await
    }

    /// Gathers what building `pass` of `campaign` needs and computes its content key,
    /// without signing.
    pub async fn prepare(
        &self,
        state: &AppState,
        campaign: &CampaignRecord,
        pass: &PassRecord,
    ) -> Result<Prepared, ApiError> {
        let (account_name, account_default) = account_facts(state, &campaign.account_id).await?;
        let pending = passes::pending_update(&state.db, &pass.id).await?;
        self.prepare_from(
            state,
            campaign,
            pass,
            &account_name,
            account_default,
            pending,
        )
        .await
    }

    /// [`PassFactory::prepare`] of a pass loaded with its facts in one statement
    /// ([`passes::load_for_signing`]).
    pub async fn prepare_loaded(
        &self,
        state: &AppState,
        loaded: &ForSigning,
    ) -> Result<Prepared, ApiError> {
        self.prepare_from(
            state,
            &loaded.campaign,
            &loaded.pass,
            &loaded.account_name,
            loaded.account_default_certificate.clone(),
            loaded.pending.clone(),
        )
        .await
    }

    async fn prepare_from(
        &self,
        state: &AppState,
        campaign: &CampaignRecord,
        pass: &PassRecord,
        account_name: &str,
        account_default: Option<String>,
        pending: passes::PendingUpdate,
    ) -> Result<Prepared, ApiError> {
        let certificate_id = self
            .certificate_id_for(state, campaign, account_default)
            .await?;
        let (signer, development) = self
            .signer(state, &campaign.account_id, &certificate_id)
            .await?;
        let image_ids = Self::image_ids_for(campaign, Some(pass));
        let style = campaign.campaign_type.pass_type();
        let mut spec = spec_for(
            state,
            campaign,
            Some(pass),
            account_name,
            pending.change_messages,
        );
        self.hosted_images(state, &campaign.account_id, &mut spec)
            .await?;
        let info = signer.info();
        let json = serde_json::to_vec(&pass_json(
            &spec,
            &info.pass_type_identifier,
            &info.team_identifier,
        ))?;
        let mut h = Sha256::new();
        h.update(&json);
        // personalization.json is a file of the package beside pass.json.
        if let Some(p) = &spec.apple.personalization {
            h.update(b"\0personalization.json:");
            h.update(p.apple_json().to_string().as_bytes());
        }
        h.update(IMAGE_PREPARATION.as_bytes());
        for r in &image_ids {
            h.update(b"\0");
            if let Some(lang) = &r.language {
                h.update(lang.as_bytes());
                h.update(b".lproj/");
            }
            h.update(r.slot.as_str().as_bytes());
            h.update(b":");
            h.update(r.id.as_bytes());
            if r.slot == AssetType::Strip {
                h.update(style.as_str().as_bytes());
            }
        }
        h.update(b"\0");
        h.update(certificate_id.as_bytes());
        h.update(info.sha1_fingerprint.as_bytes());
        let key = hex::encode(h.finalize());
        let last_modified = [
            Some(pass.updated_at.as_str()),
            Some(campaign.updated_at.as_str()),
            pending.pushed_at.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter_map(parse_stored)
        .max()
        .unwrap_or_else(Utc::now);
        Ok(Prepared {
            spec,
            image_ids,
            account_id: campaign.account_id.clone(),
            signer,
            certificate_id,
            development,
            key,
            last_modified,
        })
    }

    /// The signed package of a prepared pass, from the content cache or freshly built
    /// (its images are loaded only then).
    ///
    /// A pass whose images hold at most [`INLINE_BUILD_BYTES`] is built on the request's
    /// own thread; a bigger one (many languages of large images) on the blocking pool.
    pub async fn build(&self, state: &AppState, prepared: &Prepared) -> Result<Built, ApiError> {
        if let Some(b) = lock(&self.built).get(&prepared.key) {
            return Ok(b);
        }
        let images = self
            .load_images(
                state,
                &prepared.account_id,
                prepared.spec.style,
                &prepared.image_ids,
            )
            .await?;
        let image_bytes: usize = images.iter().map(PreparedImage::total_bytes).sum();
        let bytes = if image_bytes <= INLINE_BUILD_BYTES {
            let refs: Vec<&PreparedImage> = images.iter().collect();
            build_pkpass(&prepared.spec, &refs, &prepared.signer)
        } else {
            let spec = prepared.spec.clone();
            let signer = prepared.signer.clone();
            tokio::task::spawn_blocking(move || {
                let refs: Vec<&PreparedImage> = images.iter().collect();
                build_pkpass(&spec, &refs, &signer)
            })
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("signing task failed: {e}")))?
        }
        .map_err(|errors| validation_error(&errors))?;
        let built = Built {
            bytes: Arc::from(bytes),
            etag: prepared.etag(),
            last_modified: prepared.last_modified,
            certificate_id: prepared.certificate_id.clone(),
            pass_type_identifier: prepared.signer.info().pass_type_identifier.clone(),
        };
        let size = built.bytes.len();
        lock(&self.built).put(prepared.key.clone(), built.clone(), size);
        Ok(built)
    }

    /// A PNG picture of the front of `pass` (or of a sample pass of the campaign when
    /// `None`) as Wallet shows it on a device in `language` (its translations and images)
    /// when that is one of the pass's languages, else as written: the language comes from
    /// a URL anyone can change, and an unknown one is not an error. Cached by content.
    pub async fn preview_png(
        &self,
        state: &AppState,
        campaign: &CampaignRecord,
        pass: Option<&PassRecord>,
        language: Option<&str>,
    ) -> Result<Arc<[u8]>, ApiError> {
        let (account_name, _) = account_facts(state, &campaign.account_id).await?;
        let mut spec = spec_for(state, campaign, pass, &account_name, HashMap::new());
        let language = language
            .and_then(|l| spec.apple.language(l))
            .map(str::to_owned);
        let images = self
            .images_for(state, campaign, pass, language.as_deref())
            .await?;
        self.hosted_images(state, &campaign.account_id, &mut spec)
            .await?;
        let mut h = Sha256::new();
        h.update(serde_json::to_vec(&pass_json(&spec, "", ""))?);
        // pass.json holds no translations: the language drawn and its table are content.
        if let Some(lang) = &language {
            h.update(b"\0lang:");
            h.update(lang.as_bytes());
            h.update(serde_json::to_vec(&spec.apple.translations.get(lang))?);
        }
        for img in &images {
            h.update(b"\0");
            h.update(img.language().unwrap_or_default().as_bytes());
            for f in img.file_entries() {
                h.update(f.sha1_hex.as_bytes());
            }
        }
        let key = hex::encode(h.finalize());
        if let Some(png) = lock(&self.previews).get(&key) {
            return Ok(png);
        }
        let png: Arc<[u8]> = tokio::task::spawn_blocking(move || {
            let refs: Vec<&PreparedImage> = images.iter().collect();
            Arc::from(render_preview_png_in(&spec, &refs, language.as_deref()))
        })
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("preview task failed: {e}")))?;
        lock(&self.previews).put(key, png.clone(), png.len());
        Ok(png)
    }
}

fn missing_certificate() -> ApiError {
    ApiError::invalid(
        "certificate",
        "the signing certificate does not exist or is not visible to this organization",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_round_trip() {
        let t = parse_stored("2024-03-01T10:20:30.123456Z").unwrap();
        let s = http_date(t);
        assert_eq!(s, "Fri, 01 Mar 2024 10:20:30 GMT");
        assert_eq!(parse_http_date(&s).unwrap().timestamp(), t.timestamp());
        assert_eq!(
            apple_date(&Some("2024-03-01T10:20:30.123456Z".into())).as_deref(),
            Some("2024-03-01T10:20:30+00:00")
        );
    }
}
