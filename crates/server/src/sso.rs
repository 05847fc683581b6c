//! OpenID Connect single sign-on against the provider the operator configured
//! (`--oidc-issuer`, issue 16): discovery, the authorization URL (code flow with PKCE
//! S256, state and nonce), the code exchange and the ID token check (RS256 against the
//! provider's JWKS, issuer, audience, expiry, nonce), and the role a claim maps to.
//!
//! The provider is a peer we do not control: every answer is read with a timeout and at
//! most [`MAX_ANSWER`] bytes.

use base64::Engine;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::sign::Verifier;
use passworks_wire::Role;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Largest answer read from the provider (discovery, JWKS, token).
pub const MAX_ANSWER: usize = 256 * 1024;
/// Clock skew allowed on `exp`, in seconds.
const SKEW: i64 = 60;

/// The operator's single sign-on settings.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The issuer URL (its `/.well-known/openid-configuration` is read).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The ID token claim holding the role (a string or an array of strings).
    pub role_claim: String,
    /// Claim values to roles; empty: the claim holds role names.
    pub role_map: Vec<(String, Role)>,
    /// The provider's name on the sign-in page.
    pub name: String,
}

impl OidcSettings {
    /// Parses `value=role` pairs (`--oidc-role-map`).
    pub fn parse_role_map(pairs: &[String]) -> anyhow::Result<Vec<(String, Role)>> {
        pairs
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                let (value, role) = p
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--oidc-role-map: `{p}` is not value=role"))?;
                let role = Role::parse(role.trim()).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--oidc-role-map: `{role}` is not one of {}",
                        Role::expected()
                    )
                })?;
                Ok((value.trim().to_string(), role))
            })
            .collect()
    }

    /// The role the claims map to: the most permissive match (owner first), or `None`
    /// when the claim is absent or matches nothing.
    pub fn role_of(&self, claims: &Map<String, Value>) -> Option<Role> {
        let values: Vec<&str> = match claims.get(&self.role_claim) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => return None,
        };
        let mapped: Vec<Role> = if self.role_map.is_empty() {
            values.iter().filter_map(|v| Role::parse(v)).collect()
        } else {
            self.role_map
                .iter()
                .filter(|(value, _)| values.contains(&value.as_str()))
                .map(|(_, role)| *role)
                .collect()
        };
        Role::ALL.iter().copied().find(|r| mapped.contains(r))
    }
}

/// The provider's endpoints, from its discovery document.
#[derive(Debug, Clone)]
pub struct Provider {
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

/// The HTTP client for the provider: short timeouts, no redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Sends a request and reads a JSON answer of at most [`MAX_ANSWER`] bytes.
async fn json_of(req: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Value> {
    let mut resp = req
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
    let status = resp.status();
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            anyhow::bail!("{what}: the answer is larger than {MAX_ANSWER} bytes");
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        anyhow::bail!("{what} answered {status}");
    }
    serde_json::from_slice(&body).map_err(|e| anyhow::anyhow!("{what}: not JSON: {e}"))
}

/// Reads the discovery document of `settings.issuer` (its issuer must match).
pub async fn discover(http: &reqwest::Client, settings: &OidcSettings) -> anyhow::Result<Provider> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        settings.issuer.trim_end_matches('/')
    );
    let doc = json_of(http.get(&url), "the provider's discovery document").await?;
    let field = |name: &str| {
        doc.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| anyhow::anyhow!("the discovery document lacks {name}"))
    };
    if field("issuer")?.trim_end_matches('/') != settings.issuer.trim_end_matches('/') {
        anyhow::bail!("the discovery document names another issuer");
    }
    Ok(Provider {
        authorization_endpoint: field("authorization_endpoint")?,
        token_endpoint: field("token_endpoint")?,
        jwks_uri: field("jwks_uri")?,
    })
}

/// base64url without padding.
fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE S256 challenge of a verifier.
pub fn challenge(verifier: &str) -> String {
    b64(&Sha256::digest(verifier.as_bytes()))
}

/// The authorization URL the browser is sent to.
pub fn authorization_url(
    provider: &Provider,
    settings: &OidcSettings,
    redirect_uri: &str,
    state: &str,
    nonce: &str,
    verifier: &str,
) -> anyhow::Result<String> {
    let mut url = url::Url::parse(&provider.authorization_endpoint)?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &settings.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", "openid email profile")
        .append_pair("state", state)
        .append_pair("nonce", nonce)
        .append_pair("code_challenge", &challenge(verifier))
        .append_pair("code_challenge_method", "S256");
    Ok(url.into())
}

/// Exchanges the code for tokens and answers the checked ID token's claims.
pub async fn exchange(
    http: &reqwest::Client,
    provider: &Provider,
    settings: &OidcSettings,
    redirect_uri: &str,
    code: &str,
    verifier: &str,
    nonce: &str,
) -> anyhow::Result<Map<String, Value>> {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("code_verifier", verifier)
        .finish();
    let answer = json_of(
        http.post(&provider.token_endpoint)
            .basic_auth(&settings.client_id, Some(&settings.client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
        "the provider's token endpoint",
    )
    .await?;
    let id_token = answer
        .get("id_token")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow::anyhow!("the token answer has no id_token"))?;
    let jwks = json_of(http.get(&provider.jwks_uri), "the provider's keys").await?;
    verify_id_token(
        id_token,
        &jwks,
        settings,
        nonce,
        chrono::Utc::now().timestamp(),
    )
}

/// Checks an ID token: RS256 signature by a key of `jwks`, issuer, audience, expiry and
/// nonce; answers its claims.
pub fn verify_id_token(
    token: &str,
    jwks: &Value,
    settings: &OidcSettings,
    nonce: &str,
    now: i64,
) -> anyhow::Result<Map<String, Value>> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        anyhow::bail!("the ID token is not a JWS");
    };
    let decode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s);
    let header: Value = serde_json::from_slice(&decode(header)?)?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        anyhow::bail!("the ID token is not signed with RS256");
    }
    let kid = header.get("kid").and_then(Value::as_str);
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow::anyhow!("the provider's key set has no keys"))?;
    let key = keys
        .iter()
        .filter(|k| k.get("kty").and_then(Value::as_str) == Some("RSA"))
        .find(|k| kid.is_none() || k.get("kid").and_then(Value::as_str) == kid)
        .ok_or_else(|| anyhow::anyhow!("no key of the provider matches the ID token"))?;
    let component = |name: &str| -> anyhow::Result<BigNum> {
        let raw = key
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow::anyhow!("the provider's key lacks {name}"))?;
        Ok(BigNum::from_slice(&decode(raw)?)?)
    };
    let rsa = Rsa::from_public_components(component("n")?, component("e")?)?;
    if rsa.size() < 256 {
        anyhow::bail!("the provider's key is shorter than 2048 bits");
    }
    let pkey = PKey::from_rsa(rsa)?;
    let mut verifier = Verifier::new(MessageDigest::sha256(), &pkey)?;
    verifier.update(format!("{}.{}", parts[0], parts[1]).as_bytes())?;
    if !verifier.verify(&decode(signature)?)? {
        anyhow::bail!("the ID token's signature does not verify");
    }
    let claims: Map<String, Value> = serde_json::from_slice(&decode(payload)?)?;
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    if iss.trim_end_matches('/') != settings.issuer.trim_end_matches('/') {
        anyhow::bail!("the ID token comes from another issuer");
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == &settings.client_id,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(&settings.client_id)),
        _ => false,
    };
    if !audience_ok {
        anyhow::bail!("the ID token is meant for another client");
    }
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp + SKEW < now {
        anyhow::bail!("the ID token has expired");
    }
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        anyhow::bail!("the ID token's nonce does not match");
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(map: &[(&str, Role)]) -> OidcSettings {
        OidcSettings {
            issuer: "https://id.example.com".into(),
            client_id: "passworks".into(),
            client_secret: "s".into(),
            role_claim: "groups".into(),
            role_map: map.iter().map(|(v, r)| (v.to_string(), *r)).collect(),
            name: "Example ID".into(),
        }
    }

    #[test]
    fn claims_map_to_the_most_permissive_role() {
        let s = settings(&[("door", Role::Scanner), ("marketing", Role::Manager)]);
        let claims = |v: Value| json!({ "groups": v }).as_object().unwrap().clone();
        assert_eq!(
            s.role_of(&claims(json!(["door", "marketing"]))),
            Some(Role::Manager)
        );
        assert_eq!(s.role_of(&claims(json!("door"))), Some(Role::Scanner));
        assert_eq!(s.role_of(&claims(json!(["other"]))), None);
        assert_eq!(s.role_of(&Map::new()), None);
        let direct = settings(&[]);
        assert_eq!(
            direct.role_of(&claims(json!("support"))),
            Some(Role::Support)
        );
        assert!(OidcSettings::parse_role_map(&["a=boss".into()]).is_err());
        assert_eq!(
            OidcSettings::parse_role_map(&["staff = viewer".into()]).unwrap(),
            vec![("staff".to_string(), Role::Viewer)]
        );
    }

    #[test]
    fn pkce_challenge_is_rfc_7636s_example() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
