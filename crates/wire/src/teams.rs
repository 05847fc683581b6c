//! Teams (issue 16): people, their roles and permissions, sessions, scoped API keys and
//! the audit log. The role → permission table lives here once, so the server enforces and
//! the console offers exactly the same thing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

wire_enum!(
    /// What a caller may do. Every `/v2` route requires one of these (or only a signed-in
    /// caller, or nothing for public routes).
    Permission {
        /// List and read campaigns (the redeem screen needs this to pick a campaign).
        ReadCampaigns = "read_campaigns",
        /// List and read passes, their registrations, redeems and `.pkpass` files.
        ReadPasses = "read_passes",
        /// Read everything else: templates, assets, certificates, reports, jobs, webhook
        /// deliveries.
        Read = "read",
        /// Look up redeem codes and redeem passes.
        Redeem = "redeem",
        /// Issue, edit, void, delete, reset and push passes.
        WritePasses = "write_passes",
        /// Create and change campaigns, templates, assets, certificates and webhooks.
        Design = "design",
        /// Organization settings and child organizations.
        Settings = "settings",
        /// People, their sessions, and API keys.
        People = "people",
        /// Read the audit log.
        Audit = "audit",
    }
);

wire_enum!(
    /// A person's role in an organization.
    Role {
        /// Everything, including people, API keys and organization settings.
        Owner = "owner",
        /// Designs campaigns, templates, assets, certificates and webhooks; everything
        /// support does.
        Manager = "manager",
        /// Issues, edits, voids, redeems and pushes passes; reads campaigns.
        Support = "support",
        /// The redeem screen only.
        Scanner = "scanner",
        /// Reads everything a manager sees, reports included; changes nothing.
        Viewer = "viewer",
    }
);

wire_enum!(
    /// What an API key may do: one of the roles, or a finer scope.
    KeyScope {
        Owner = "owner",
        Manager = "manager",
        Support = "support",
        Scanner = "scanner",
        Viewer = "viewer",
        /// Reads campaigns, passes and everything a viewer reads; changes nothing.
        ReadOnly = "read_only",
        /// Reads campaigns and passes and issues, edits and redeems passes; nothing else.
        PassesOnly = "passes_only",
    }
);

impl Role {
    /// The permissions this role grants.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Owner => Permission::ALL,
            Role::Manager => &[ReadCampaigns, ReadPasses, Read, Redeem, WritePasses, Design],
            Role::Support => &[ReadCampaigns, ReadPasses, Read, Redeem, WritePasses],
            Role::Scanner => &[ReadCampaigns, Redeem],
            Role::Viewer => &[ReadCampaigns, ReadPasses, Read],
        }
    }

    /// Whether this role grants `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl KeyScope {
    /// The permissions a key of this scope has.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            KeyScope::Owner => Role::Owner.permissions(),
            KeyScope::Manager => Role::Manager.permissions(),
            KeyScope::Support => Role::Support.permissions(),
            KeyScope::Scanner => Role::Scanner.permissions(),
            KeyScope::Viewer | KeyScope::ReadOnly => Role::Viewer.permissions(),
            KeyScope::PassesOnly => &[ReadCampaigns, ReadPasses, Redeem, WritePasses],
        }
    }
}

/// A person of the organization (`/v2/users`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct User {
    pub id: String,
    /// Lower case; unique across the instance (a person signs in with it).
    pub email: String,
    pub name: String,
    pub role: Role,
    /// `invited` until the person sets a password, then `active`.
    pub status: String,
    pub last_sign_in_at: Option<String>,
    /// The invitation link, only in the responses that create it (invite, re-invite);
    /// `null` elsewhere. Whoever holds it can set the person's password.
    pub invitation_url: Option<String>,
    /// When the pending invitation stops working; `null` when there is none.
    pub invitation_expires_at: Option<String>,
    /// When the server e-mailed the current invitation link (only with SMTP configured).
    #[serde(default)]
    pub invitation_sent_at: Option<String>,
    /// Why e-mailing the current invitation link failed; the link still works and is in
    /// the answer that made it, to send by hand.
    #[serde(default)]
    pub invitation_mail_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /v2/users` and `PATCH /v2/users/{id}` body, under root key `user`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// `POST /v2/sessions` body: signing in with e-mail and password.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignInInput {
    pub email: Option<String>,
    pub password: Option<String>,
}

/// `POST /v2/invitations/accept` body: the invitation token (from the link) and the new
/// password.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvitationAccept {
    pub token: Option<String>,
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `POST /v2/me/password` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordChange {
    pub current_password: Option<String>,
    pub password: Option<String>,
}

/// A console session (a bearer token's record; the token itself is never shown again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Session {
    pub id: String,
    pub user_id: Option<String>,
    pub user_email: Option<String>,
    /// How it was made: `password`, `invitation`, `sso` or `console_session` (minted by
    /// an integration, issue 18).
    pub via: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// True for the session the request was made with.
    pub current: bool,
    pub created_at: String,
    pub last_used_at: String,
    pub expires_at: String,
    /// A minted session's external user (the integration's id for its user).
    #[serde(default)]
    pub external_user_id: Option<String>,
    /// How the audit log names a minted session ("via <key> for <external user>").
    #[serde(default)]
    pub label: Option<String>,
    /// The campaigns a minted session is restricted to; `null` for all.
    #[serde(default)]
    pub campaign_ids: Option<Vec<String>>,
    /// A minted session's integration: the id of the API key that minted it, or the
    /// organization's API username (`null` for people's sessions, and for sessions minted
    /// before this was recorded).
    #[serde(default)]
    pub minted_by: Option<String>,
    /// That key's name (or the API username) when it minted the session.
    #[serde(default)]
    pub minted_by_name: Option<String>,
    /// The integration's display label for its user, when it gave one.
    #[serde(default)]
    pub external_user_label: Option<String>,
}

/// A new session: the bearer token (`Authorization: Bearer <token>`), shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionToken {
    pub token: String,
    pub session: Session,
    pub me: Me,
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Actor {
    /// `user`, `api_key`, `api_username` (the organization's own API username and key)
    /// or `console_session` (a session an integration minted, issue 18).
    pub kind: String,
    /// The user's or key's id; the API username for `api_username`.
    pub id: String,
    /// The person's e-mail, the key's name, or the API username.
    pub label: String,
}

/// The caller (`GET /v2/me`): organization, who, role or key scope, and permissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Me {
    pub account: crate::Account,
    pub actor: Actor,
    /// The person's role (`owner` for the organization's API username); `null` for keys.
    pub role: Option<Role>,
    /// The key's scope; `null` unless the caller is an API key.
    pub scope: Option<KeyScope>,
    pub permissions: Vec<Permission>,
    /// The session the request was made with, if any.
    pub session_id: Option<String>,
    /// The campaigns the caller is restricted to (a minted console session); `null` for
    /// all.
    #[serde(default)]
    pub campaign_ids: Option<Vec<String>>,
}

impl Me {
    /// Whether the caller has `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

/// An API key for an integration. The secret is shown once, in the create response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub scope: KeyScope,
    /// The public part of the key: the Basic username, and the start of the bearer token.
    pub prefix: String,
    /// `Authorization: Bearer <token>` (or Basic with `prefix` as username and the part
    /// after it as password); only in the create response, `null` elsewhere.
    pub token: Option<String>,
    pub created_by: Option<String>,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub created_at: String,
}

/// `POST /v2/api_keys` body, under root key `api_key`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApiKeyInput {
    pub name: Option<String>,
    pub scope: Option<KeyScope>,
    /// ISO-8601; `null` or absent for a key that does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// One entry of the audit log: a change made through the API or the console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEvent {
    pub id: String,
    /// `user`, `api_key` or `api_username`.
    pub actor_type: String,
    pub actor_id: Option<String>,
    /// The person's e-mail, the key's name or the API username, as they were then.
    pub actor_label: String,
    /// `create`, `update`, `delete`, or the route's verb (`redeem`, `push`, `pause`, …).
    pub action: String,
    /// The kind of resource (`campaign`, `pass`, `template`, `user`, …).
    pub resource: String,
    pub resource_id: Option<String>,
    /// The route's summary, for people.
    pub summary: String,
    pub method: String,
    pub path: String,
    /// The attributes sent, with their new values; secrets read `[redacted]`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Value,
    pub ip: Option<String>,
    pub status: i64,
    pub created_at: String,
}

/// Whether single sign-on is offered (`GET /v2/sso`), and under which name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SsoConfig {
    pub enabled: bool,
    pub name: Option<String>,
}

/// Where to send the browser to sign in with the provider (`POST /v2/sso/start`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SsoStart {
    pub authorization_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest_and_scopes_are_finer() {
        for p in Role::Manager.permissions() {
            assert!(Role::Owner.allows(*p));
        }
        for p in Role::Support.permissions() {
            assert!(Role::Manager.allows(*p));
        }
        assert!(!Role::Manager.allows(Permission::People));
        assert!(!Role::Support.allows(Permission::Design));
        assert_eq!(
            Role::Scanner.permissions(),
            &[Permission::ReadCampaigns, Permission::Redeem]
        );
        assert!(!Role::Viewer.allows(Permission::Redeem));
        assert!(!KeyScope::PassesOnly
            .permissions()
            .contains(&Permission::Read));
        assert!(!KeyScope::ReadOnly
            .permissions()
            .contains(&Permission::WritePasses));
        assert_eq!(Role::parse("scanner"), Some(Role::Scanner));
        assert_eq!(KeyScope::parse("passes_only"), Some(KeyScope::PassesOnly));
    }
}
